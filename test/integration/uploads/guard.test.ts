import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createOcrPool, createTesseractEngine } from '../../../server/ocr';
import { startForum, formToken, type Person, type TestForum } from '../../helpers/kit';
import { accessCodeScreenshot, fetchFile, oid, upload, versionScreenshot } from './helpers';

/**
 * The screenshot guard end to end, with real Tesseract (one worker): four recognitions in all
 * (~0.5-1 s of CPU each) plus the worker's start, shared by the tests in order.
 */
describe('uploads: the screenshot guard on public posts', function () {
  this.timeout(60_000);
  let forum: TestForum;
  let asker: Person;
  let other: Person;
  let threadId: string;
  let held: { id: string; url: string; markdown: string };

  before(async () => {
    forum = await startForum({ env: { OCR_WORKERS: '1', OCR_PUBLISH_WAIT_MS: '30000' } });
    asker = await forum.person('member', { name: 'asker' });
    other = await forum.person('member', { name: 'other' });
    threadId = (await asker.ask({ title: 'My voucher page shows an error', body: 'The voucher page fails after I sign in.' })).id;
    held = (await upload(asker, await accessCodeScreenshot(), 'voucher.png').expect(201)).body.upload;
  });
  after(() => forum.close());

  const replies = () => forum.col('replies').countDocuments({ threadId: oid(threadId) });

  it('holds a reply whose screenshot shows an access code: 422 sensitive_data with the image match next to the text ones', async () => {
    const before = await replies();
    const body = `Here is my screen, my e-mail is jane.roe@example.com\n\n${held.markdown}`;
    const res = await asker.post(`/api/threads/${threadId}/replies`, { body }).expect(422);
    assert.equal(res.body.error.code, 'sensitive_data');
    const matches = res.body.error.matches as Array<Record<string, unknown>>;
    const text = matches.filter((m) => m.source === 'text');
    const image = matches.filter((m) => m.source === 'image');
    assert.deepEqual(
      text.map((m) => m.kind),
      ['email'],
    );
    assert.equal(image.length, 1, JSON.stringify(image));
    const m = image[0] as { uploadId: string; kind: string; box: { x: number; y: number; w: number; h: number } };
    assert.equal(m.uploadId, held.id);
    assert.equal(m.kind, 'access_code');
    // The code is drawn at x=330..~520 on the baseline y=220 (test/helpers/images.ts): the box covers it.
    assert.ok(m.box.x <= 332 && m.box.x + m.box.w >= 510 && m.box.y <= 206 && m.box.y + m.box.h >= 220, JSON.stringify(m.box));
    assert.equal(await replies(), before);
    const doc = await forum.col('uploads').findOne({ _id: oid(held.id) });
    assert.equal(doc!.scan.status, 'flagged');
    assert.equal(doc!.publishedAt, null);
    await forum.agent().get(held.url).expect(404);

    // The no-JS page: the image with its findings outlined (owner and staff only), one checkbox per area.
    const page = await asker.get(`/threads/${threadId}`).expect(200);
    const form = await asker.agent
      .post(`/threads/${threadId}/replies`)
      .type('form')
      .send({ _csrf: formToken(page.text), body: held.markdown })
      .expect(422);
    assert.ok(form.text.includes(`<img src="/uploads/${held.id}/guard"`));
    assert.ok(form.text.includes(`name="blur" value="${held.id}:${m.box.x},${m.box.y},${m.box.w},${m.box.h}"`));
    assert.match(form.text, /Blur these areas and post/);
    assert.match(form.text, /Post anyway/);
    assert.match(form.text, /Send privately to support/);
    const preview = await fetchFile(asker.agent, `${held.url}/guard`).expect(200).expect('Content-Type', 'image/png');
    assert.equal(preview.headers['cache-control'], 'private, no-store');
    assert.equal((await sharp(preview.body as Buffer).metadata()).width, 1280);
    await other.get(`${held.url}/guard`).expect(404);
  });

  it('passes a screenshot showing a version number, a build, a date and a price', async () => {
    const ok = (await upload(asker, await versionScreenshot(), 'about-word.png').expect(201)).body.upload;
    await asker.post(`/api/threads/${threadId}/replies`, { body: `My version:\n\n${ok.markdown}` }).expect(201);
    const doc = await forum.col('uploads').findOne({ _id: oid(ok.id) });
    assert.deepEqual([doc!.scan.status, doc!.scan.matches.length], ['clean', 0]);
    await forum.agent().get(ok.url).expect(200);
  });

  it('"Blur these areas and post" without JavaScript: published with a blurred copy that no longer reads as the code; the original is gone', async () => {
    const doc = await forum.col('uploads').findOne({ _id: oid(held.id) });
    const box = doc!.scan.matches[0].box as { x: number; y: number; w: number; h: number };
    const page = await asker.get(`/threads/${threadId}`).expect(200);
    const res = await asker.agent
      .post(`/threads/${threadId}/replies`)
      .type('form')
      .send({
        _csrf: formToken(page.text),
        body: `The voucher page:\n\n${held.markdown}`,
        blur: `${held.id}:${box.x},${box.y},${box.w},${box.h}`,
        imageChoice: 'blur',
      })
      .expect(303);
    assert.match(res.headers.location!, /#reply-/);
    const copy = await forum.col('uploads').findOne({ blurredFrom: oid(held.id) });
    assert.ok(copy, 'a blurred copy exists');
    // Read again by the guard before the reply was published: nothing private left.
    assert.deepEqual([copy!.scan.status, copy!.scan.matches.length, Boolean(copy!.publishedAt)], ['clean', 0, true]);
    const reply = await forum
      .col('replies')
      .find({ threadId: oid(threadId) })
      .sort({ createdAt: -1, _id: -1 })
      .next();
    assert.equal(reply!.bodySource, `The voucher page:\n\n![voucher](/uploads/${copy!._id})`);
    const original = await forum.col('uploads').findOne({ _id: oid(held.id) });
    assert.ok(original!.deletedAt);
    assert.equal(await forum.col('upload_blobs.files').countDocuments({ _id: doc!.fileId }), 0);
    await forum.agent().get(held.url).expect(404);
    await forum.agent().get(`/uploads/${copy!._id}`).expect(200);
  });

  it('"Post anyway" publishes the image as it is and writes an audit entry moderators can see', async () => {
    const again = (await upload(asker, await accessCodeScreenshot('W4RT-9KQ2-XM7P'), 'voucher-2.png').expect(201)).body.upload;
    await asker.post(`/api/threads/${threadId}/replies`, { body: again.markdown }).expect(422);
    await asker.post(`/api/threads/${threadId}/replies`, { body: again.markdown, postAnyway: true }).expect(201);
    await forum.agent().get(again.url).expect(200);
    const entries = await forum.col('audit_entries').find({ action: 'post_images_anyway' }).toArray();
    assert.equal(entries.length, 1);
    assert.deepEqual(
      [String(entries[0]!.actorId), entries[0]!.targetType, String(entries[0]!.targetId), entries[0]!.reason],
      [asker.user.id, 'upload', again.id, 'access_code'],
    );
    // Published with the owner's consent: an edit of the same post does not hold it again.
    const reply = await forum.col('replies').findOne({ bodySource: again.markdown });
    await asker.patch(`/api/replies/${reply!._id}`, { body: `${again.markdown}\n\nEdited.` }).expect(200);
  });

  it('"Send privately to support": the held image moves into the new conversation, readable by support only, and nothing is posted', async () => {
    const moderator = await forum.person('moderator', { name: 'mod' });
    const shot = (await upload(asker, await accessCodeScreenshot('P3XN-7RT2-QZ8K'), 'voucher-3.png').expect(201)).body.upload;
    const body = `The voucher page again:\n\n${shot.markdown}`;
    await asker.post(`/api/threads/${threadId}/replies`, { body }).expect(422);
    const before = await replies();
    const sent = await asker.post('/api/messages/from-post', { body, threadId }).expect(201);
    const conversationId = sent.body.conversation.id as string;
    const doc = await forum.col('uploads').findOne({ _id: oid(shot.id) });
    assert.deepEqual([doc!.scope, String(doc!.conversationId), doc!.publishedAt], ['private', conversationId, null]);
    assert.equal(await replies(), before);
    const seen = await fetchFile(moderator.agent, shot.url).expect(200);
    assert.equal(seen.headers['cache-control'], 'private, no-store');
    await fetchFile(asker.agent, shot.url).expect(200);
    await other.get(shot.url).expect(404);
    await forum.agent().get(shot.url).expect(404);
  });
});

describe('uploads: when images cannot be checked, the post is held', function () {
  let forum: TestForum;
  let asker: Person;

  before(async () => {
    // A real Tesseract engine whose language data is missing: every recognition is ocr_unavailable.
    const pool = createOcrPool({ size: 1, engine: createTesseractEngine({ langPath: '/nonexistent/tessdata' }) });
    forum = await startForum({ ocrPool: pool });
    asker = await forum.person('member', { name: 'asker' });
  });
  after(async () => {
    await forum.close();
  });

  it('409 images_unchecked, the form kept with "Try again" and "Post anyway"; posting anyway is audited', async () => {
    const { id } = await asker.ask({ title: 'Screen after the update is blank', body: 'Nothing shows after the update.' });
    const u = (await upload(asker, await accessCodeScreenshot(), 'screen.png').expect(201)).body.upload;
    const res = await asker.post(`/api/threads/${id}/replies`, { body: u.markdown }).expect(409);
    assert.equal(res.body.error.code, 'images_unchecked');
    assert.deepEqual(res.body.error.unchecked, [u.id]);
    assert.equal(await forum.col('replies').countDocuments({ threadId: oid(id) }), 0);
    const doc = await forum.col('uploads').findOne({ _id: oid(u.id) });
    assert.deepEqual([doc!.scan.status, doc!.scan.error], ['failed', 'ocr_unavailable']);

    const page = await asker.get(`/threads/${id}`).expect(200);
    const form = await asker.agent
      .post(`/threads/${id}/replies`)
      .type('form')
      .send({ _csrf: formToken(page.text), body: `Typed text\n\n${u.markdown}` })
      .expect(409);
    assert.match(form.text, /Your images are not checked yet/);
    assert.match(form.text, /Try again/);
    assert.ok(form.text.includes(`Typed text\n\n${u.markdown}</textarea>`));

    await asker.agent
      .post(`/threads/${id}/replies`)
      .type('form')
      .send({ _csrf: formToken(page.text), body: `Typed text\n\n${u.markdown}`, imageChoice: 'anyway' })
      .expect(303);
    const entry = await forum.col('audit_entries').findOne({ action: 'post_images_unchecked' });
    assert.equal(String(entry!.targetId), u.id);
    assert.equal(entry!.reason, 'not checked: ocr_unavailable');
  });
});
