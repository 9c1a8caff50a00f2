import assert from 'node:assert/strict';
import sharp from 'sharp';
import { startForum, formToken, type Person, type TestForum } from '../../helpers/kit';
import { solid } from '../../helpers/images';
import { conversation, fetchFile, jpegWithGps, oid, photoPng, stored, upload } from './helpers';

const CAP = 100_000;

/**
 * Uploads without the screenshot guard (OCR_WORKERS=0: no OCR cost here; test/integration/uploads/
 * guard.test.ts reads real screenshots): storage, types from bytes, caps and quotas, who sees
 * what, the no-JavaScript form path, blurring.
 */
describe('uploads: files, types, limits and access', function () {
  let forum: TestForum;
  let member: Person;
  let other: Person;
  let moderator: Person;
  let admin: Person;
  let threadId: string;

  before(async () => {
    forum = await startForum({
      env: {
        OCR_WORKERS: '0',
        UPLOAD_IMAGE_MAX_BYTES: String(CAP),
        UPLOAD_ATTACHMENT_MAX_BYTES: String(CAP),
        UPLOAD_DAILY_MAX: '4',
        UPLOAD_PER_POST_MAX: '3',
      },
    });
    member = await forum.person('member', { name: 'uploader' });
    other = await forum.person('member', { name: 'other' });
    moderator = await forum.person('moderator', { name: 'mod' });
    admin = await forum.person('admin', { name: 'admin' });
    threadId = (
      await member.ask({ title: 'Screenshots of the sign-in error page', body: 'The sign-in page shows an error after the update.' })
    ).id;
  });
  after(() => forum.close());

  it('stores an image without its EXIF and GPS, shows it to its owner and staff only until a post publishes it', async () => {
    const original = await jpegWithGps();
    assert.ok((await sharp(original).metadata()).exif?.includes('SecretCam'), 'the input carries EXIF');
    const res = await upload(member, original, 'holiday photo.jpg').expect(201);
    const u = res.body.upload;
    assert.match(u.id, /^[0-9a-f]{24}$/);
    assert.equal(u.url, `/uploads/${u.id}`);
    assert.deepEqual([u.type, u.width, u.height], ['image/jpeg', 64, 48]);
    assert.equal(u.alt, 'holiday photo');
    assert.equal(u.markdown, `![holiday photo](/uploads/${u.id})`);

    const doc = await forum.col('uploads').findOne({ _id: oid(u.id) });
    assert.equal(String(doc!.ownerId), member.user.id);
    assert.deepEqual([doc!.scope, doc!.scan.status, doc!.publishedAt], ['public', 'skipped', null]);
    const file = await forum.col('upload_blobs.files').findOne({ _id: doc!.fileId });
    assert.equal(file!.length, u.bytes);

    const mine = await fetchFile(member.agent, u.url).expect(200);
    assert.equal(mine.headers['content-type'], 'image/jpeg');
    assert.equal(mine.headers['x-content-type-options'], 'nosniff');
    assert.equal(mine.headers['content-security-policy'], "default-src 'none'; sandbox");
    assert.equal(mine.headers['cache-control'], 'private, no-store');
    const bytes = mine.body as Buffer;
    assert.equal(bytes.length, u.bytes);
    const meta = await sharp(bytes).metadata();
    assert.equal(meta.exif, undefined);
    for (const secret of ['SecretCam', 'Jane Roe', 'Exif\0\0']) assert.ok(!bytes.includes(secret), secret);

    // Not published yet: its owner and staff only; everyone else, anonymous too, gets 404.
    await forum.agent().get(u.url).expect(404);
    await other.get(u.url).expect(404);
    await moderator.get(u.url).expect(200);

    await member.post(`/api/threads/${threadId}/replies`, { body: `Here is what I see:\n\n${u.markdown}` }).expect(201);
    assert.ok((await forum.col('uploads').findOne({ _id: oid(u.id) }))!.publishedAt);
    const pub = await fetchFile(forum.agent(), u.url).expect(200);
    assert.equal(pub.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((pub.body as Buffer).length, u.bytes);
    await forum.agent().get(u.url).set('If-None-Match', pub.headers.etag!).expect(304);
    // The thread shows the thumbnail route inside a link to the full image.
    const page = await forum.agent().get(`/threads/${threadId}`).expect(200);
    assert.ok(
      page.text.includes(
        `<a href="/uploads/${u.id}" class="upload-image"><img src="/uploads/${u.id}/thumb" alt="holiday photo" loading="lazy" /></a>`,
      ),
    );
    await fetchFile(forum.agent(), `${u.url}/thumb`).expect(200).expect('Content-Type', 'image/jpeg');
  });

  it('reads the type from the bytes: a PNG named .jpg is stored and served as a PNG; an HTML page named .png is refused', async () => {
    const before = await stored(forum);
    const png = await photoPng(40, 30);
    const res = await other.agent
      .post('/api/uploads')
      .set('X-CSRF-Token', other.csrf)
      .attach('file', png, { filename: 'screenshot.jpg', contentType: 'image/jpeg' })
      .expect(201);
    assert.equal(res.body.upload.type, 'image/png');
    await fetchFile(other.agent, res.body.upload.url).expect(200).expect('Content-Type', 'image/png');

    const html = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>');
    const bad = await other.agent
      .post('/api/uploads')
      .set('X-CSRF-Token', other.csrf)
      .attach('file', html, { filename: 'cat.png', contentType: 'image/png' })
      .expect(415);
    assert.equal(bad.body.error.code, 'unsupported_type');
    assert.equal(bad.body.error.detected, 'text/html');
    assert.match(bad.body.error.message, /an HTML document/);
    // Even in a private message an HTML page is not a file anyone receives.
    const conv = await conversation(other, moderator);
    const badPrivate = await upload(other, html, 'notes.txt', { conversationId: conv }).expect(415);
    assert.equal(badPrivate.body.error.detected, 'text/html');
    const after = await stored(forum);
    assert.deepEqual(after, { uploads: before.uploads + 1, files: before.files + 1, chunks: before.chunks + 1 });
  });

  it('refuses an image over the size cap (413 too_large) and the no-JS form comes back with the text typed', async () => {
    const big = await photoPng(400, 300);
    assert.ok(big.length > CAP);
    const before = await stored(forum);
    const res = await upload(other, big, 'huge.png').expect(413);
    assert.equal(res.body.error.code, 'too_large');
    assert.match(res.body.error.message, /larger than 97.7 KB/);

    const page = await other.get(`/threads/${threadId}`).expect(200);
    const typed = 'My reply typed before choosing a file that is too large.';
    const form = await other.agent
      .post(`/threads/${threadId}/replies`)
      .field('_csrf', formToken(page.text))
      .field('body', typed)
      .attach('file', big, 'huge.png')
      .expect(413);
    assert.match(form.text, /larger than 97.7 KB/);
    assert.ok(form.text.includes(`>${typed}</textarea>`), 'the reply draft is kept');
    assert.deepEqual(await stored(forum), before);
    assert.equal(await forum.col('replies').countDocuments({ bodySource: typed }), 0);
  });

  it('refuses uploads over the daily quota (429 upload_quota, Retry-After), keeps the form, and counts a rolling 24 hours; staff are exempt', async () => {
    const quota = await forum.person('member', { name: 'quota' });
    const png = await solid(20, 20, 'png');
    for (let i = 0; i < 4; i++) await upload(quota, png, `s${i}.png`).expect(201);
    const before = await stored(forum);
    const res = await upload(quota, png, 'one-more.png').expect(429);
    assert.equal(res.body.error.code, 'upload_quota');
    assert.match(res.body.error.message, /uploaded 4 files in the last 24 hours/);
    assert.equal(res.headers['retry-after'], String(24 * 3600));

    const page = await quota.get(`/threads/${threadId}`).expect(200);
    const typed = 'Reply written while over the upload quota.';
    const form = await quota.agent
      .post(`/threads/${threadId}/replies`)
      .field('_csrf', formToken(page.text))
      .field('body', typed)
      .attach('file', png, 'one-more.png')
      .expect(429);
    assert.match(form.text, /uploaded 4 files in the last 24 hours/);
    assert.ok(form.text.includes(`>${typed}</textarea>`));
    assert.deepEqual(await stored(forum), before);

    for (let i = 0; i < 5; i++) await upload(moderator, png, `staff${i}.png`).expect(201);
    forum.clock.advance(24 * 3600 * 1000 + 1000);
    await upload(quota, png, 'next-day.png').expect(201);
  });

  it('without JavaScript the reply form uploads the file, adds its Markdown to the text and posts nothing; posting then publishes it', async () => {
    const page = await member.get(`/threads/${threadId}`).expect(200);
    assert.match(page.text, /enctype="multipart\/form-data"/);
    const csrf = formToken(page.text);
    const typed = 'The error appears right after I press Sign in:';
    const res = await member.agent
      .post(`/threads/${threadId}/replies`)
      .field('_csrf', csrf)
      .field('body', typed)
      .field('alt', 'Sign-in page with the error banner')
      .attach('file', await photoPng(60, 40), 'IMG_0042.png')
      .expect(200);
    const doc = await forum
      .col('uploads')
      .find({ ownerId: oid(member.user.id) })
      .sort({ createdAt: -1, _id: -1 })
      .next();
    const markdown = `![Sign-in page with the error banner](/uploads/${doc!._id})`;
    assert.ok(res.text.includes(`${typed}\n\n${markdown}</textarea>`), 'the Markdown follows the text');
    assert.match(res.text, /Uploaded “IMG_0042.png” and added it at the end of your text/);
    assert.equal(await forum.col('replies').countDocuments({ bodySource: { $regex: 'right after I press' } }), 0);

    const posted = await member.agent
      .post(`/threads/${threadId}/replies`)
      .field('_csrf', csrf)
      .field('body', `${typed}\n\n${markdown}`)
      .field('intent', 'post')
      .expect(303);
    assert.match(posted.headers.location!, new RegExp(`/threads/${threadId}`));
    assert.ok((await forum.col('uploads').findOne({ _id: doc!._id }))!.publishedAt);
    await forum.agent().get(`/uploads/${doc!._id}`).expect(200);

    // "Upload" pressed with no file: the form comes back with a clear message, nothing posted.
    const empty = await member.agent
      .post(`/threads/${threadId}/replies`)
      .field('_csrf', csrf)
      .field('body', 'No file chosen here.')
      .field('intent', 'upload')
      .expect(400);
    assert.match(empty.text, /Choose a file to upload first/);
    assert.ok(empty.text.includes('>No file chosen here.</textarea>'));
  });

  it('private-message files: only the conversation’s readers see them, never cached; files are downloads', async () => {
    // A confirmed address: it also writes to another member below (docs/accounts.md).
    const asker = await forum.person('member', { name: 'pmasker', verified: true });
    // Writing to a moderator opens a support conversation: the support team reads it by role.
    const conv = await conversation(asker, moderator);
    const image = await upload(asker, await photoPng(50, 50), 'error.png', { conversationId: conv }).expect(201);
    const url = image.body.upload.url as string;
    const otherModerator = await forum.person('moderator', { name: 'othermod' });
    for (const p of [asker, moderator, otherModerator, admin]) {
      const r = await p.get(url).expect(200);
      assert.equal(r.headers['cache-control'], 'private, no-store');
    }
    await forum.agent().get(url).expect(404);
    await other.get(url).expect(404);
    // Between two members: staff do not read it, except an admin's audited break-glass hour.
    const pal = await forum.person('member', { name: 'pmpal' });
    const between = await conversation(asker, pal);
    const shared = (await upload(pal, await photoPng(20, 20), 'shared.png', { conversationId: between }).expect(201)).body.upload.url;
    await asker.get(shared).expect(200);
    await moderator.get(shared).expect(404);
    await admin.get(shared).expect(404);
    await admin.post(`/api/messages/${between}/break-glass`, { reason: 'Investigating a reported phishing message.' }).expect(201);
    await admin.get(shared).expect(200);
    // A break-glass reader reads, and cannot upload into the conversation.
    await upload(admin, await photoPng(10, 10), 'x.png', { conversationId: between }).expect(404);
    // Someone else's conversation: as if it did not exist.
    await upload(other, await photoPng(10, 10), 'x.png', { conversationId: conv }).expect(404);

    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
    const att = await upload(asker, pdf, 'invoice "march".exe', { conversationId: conv }).expect(201);
    assert.deepEqual([att.body.upload.type, att.body.upload.name], ['application/pdf', 'invoice march.pdf']);
    const got = await fetchFile(moderator.agent, att.body.upload.url).expect(200);
    assert.equal(got.headers['content-type'], 'application/pdf');
    assert.equal(got.headers['content-disposition'], 'attachment; filename="invoice march.pdf"');
    assert.equal(got.headers['x-content-type-options'], 'nosniff');
    assert.ok((got.body as Buffer).equals(pdf));
    const log = await upload(asker, Buffer.from('2026-11-17 10:02 ERROR sign-in failed\n'), 'app.log', { conversationId: conv }).expect(
      201,
    );
    const text = await moderator.get(log.body.upload.url).expect(200);
    assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(text.headers['content-disposition'], 'attachment; filename=app.txt');
    // Files are for private messages only.
    const pub = await upload(asker, pdf, 'invoice.pdf').expect(415);
    assert.match(pub.body.error.message, /can be attached to a private message/);
  });

  it('a file uploaded while writing a new message is its owner’s until the message is sent, then its readers’', async () => {
    const sender = await forum.person('member', { name: 'newpm' });
    const res = await upload(sender, await photoPng(30, 30), 'screen.png', { scope: 'private' }).expect(201);
    const u = res.body.upload;
    await sender.get(u.url).expect(200);
    await moderator.get(u.url).expect(404);
    await sender.post('/api/messages', { to: [moderator.user.username], subject: 'My screen', body: `Look:\n\n${u.markdown}` }).expect(201);
    await moderator.get(u.url).expect(200);
    await other.get(u.url).expect(404);
    // It belongs to that conversation now; a public post cannot show it.
    const t = await sender
      .ask({ title: 'Question that tries to show a private file', body: `Look at this: ${u.markdown}` })
      .catch((e: Error) => e);
    assert.ok(t instanceof Error && /400/.test(t.message) && /uploaded for a private message/.test(t.message), String(t));
  });

  it('a post shows at most UPLOAD_PER_POST_MAX uploaded files (400, nothing stored)', async () => {
    const p = await forum.person('moderator', { name: 'manyimages' });
    const urls: string[] = [];
    for (let i = 0; i < 4; i++) urls.push((await upload(p, await solid(10 + i, 10, 'png'), `${i}.png`).expect(201)).body.upload.markdown);
    const res = await p.post(`/api/threads/${threadId}/replies`, { body: `Steps:\n\n${urls.join('\n\n')}` }).expect(400);
    assert.match(res.body.error.message, /at most 3 uploaded files; this one has 4/);
    await p.post(`/api/threads/${threadId}/replies`, { body: `Steps:\n\n${urls.slice(0, 3).join('\n\n')}` }).expect(201);
  });

  it('blurring: the owner gets a new upload with the areas filled; the original is deleted; nobody else can blur it', async () => {
    const red = await sharp({ create: { width: 100, height: 60, channels: 3, background: '#ff0000' } })
      .composite([{ input: await solid(20, 20, 'png', '#0000ff'), left: 10, top: 10 }])
      .png()
      .toBuffer();
    const u = (await upload(member, red, 'code.png').expect(201)).body.upload;
    const doc = await forum.col('uploads').findOne({ _id: oid(u.id) });
    await forum
      .agent()
      .post(`/api/uploads/${u.id}/blur`)
      .send({ boxes: [{ x: 5, y: 5, w: 30, h: 30 }] })
      .expect(401);
    await member.agent
      .post(`/api/uploads/${u.id}/blur`)
      .send({ boxes: [{ x: 5, y: 5, w: 30, h: 30 }] })
      .expect(403); // no CSRF token
    await other.post(`/api/uploads/${u.id}/blur`, { boxes: [{ x: 5, y: 5, w: 30, h: 30 }] }).expect(404);
    await moderator.post(`/api/uploads/${u.id}/blur`, { boxes: [{ x: 5, y: 5, w: 30, h: 30 }] }).expect(404);
    const bad = await member.post(`/api/uploads/${u.id}/blur`, { boxes: [{ x: 5, y: 5, w: -3, h: 30 }] }).expect(400);
    assert.equal(bad.body.error.code, 'invalid_region');

    const res = await member.post(`/api/uploads/${u.id}/blur`, { boxes: [{ x: 5, y: 5, w: 30, h: 30 }] }).expect(201);
    const copy = res.body.upload;
    assert.notEqual(copy.id, u.id);
    assert.deepEqual([copy.type, copy.width, copy.height], ['image/png', 100, 60]);
    await member.get(u.url).expect(404);
    await member.post(`/api/uploads/${u.id}/blur`, { boxes: [{ x: 5, y: 5, w: 30, h: 30 }] }).expect(404);
    const tomb = await forum.col('uploads').findOne({ _id: oid(u.id) });
    assert.ok(tomb!.deletedAt);
    assert.equal(String(tomb!.replacedBy), copy.id);
    assert.equal(await forum.col('upload_blobs.files').countDocuments({ _id: doc!.fileId }), 0);
    assert.equal(await forum.col('upload_blobs.chunks').countDocuments({ files_id: doc!.fileId }), 0);
    const blurred = (await fetchFile(member.agent, copy.url).expect(200)).body as Buffer;
    const { data, info } = await sharp(blurred).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    assert.deepEqual(at(6, 6), at(30, 30), 'the box is one flat colour (fill)');
    assert.deepEqual(at(80, 40), [255, 0, 0], 'outside the box is untouched');
  });

  it('refuses anonymous uploads (401) and uploads without the CSRF token (403)', async () => {
    const before = await stored(forum);
    const png = await solid(10, 10, 'png');
    await forum.agent().post('/api/uploads').attach('file', png, 'a.png').expect(401);
    await member.agent.post('/api/uploads').attach('file', png, 'a.png').expect(403);
    await member.agent.post('/api/uploads').set('X-CSRF-Token', member.csrf).field('scope', 'public').expect(400);
    assert.deepEqual(await stored(forum), before);
  });

  it('external images are links, never loaded, in public posts and private messages; raw <img> without alt gets a prompt', async () => {
    const body = 'Compare with ![the old dialog](https://tracker.example/pixel.png?u=1) please.';
    const reply = await member.post(`/api/threads/${threadId}/replies`, { body }).expect(201);
    const page = await forum.agent().get(`/threads/${threadId}`).expect(200);
    assert.doesNotMatch(page.text, /<img[^>]+tracker\.example/);
    assert.ok(page.text.includes('class="external-image">External image: the old dialog (tracker.example)</a>'));
    assert.doesNotMatch(page.headers['content-security-policy']!, /img-src[^;]*https:/);
    assert.ok(reply.body.reply.id);
    const conv = await conversation(member, moderator, body);
    const pm = await moderator.get(`/messages/${conv}`).expect(200);
    assert.doesNotMatch(pm.text, /<img[^>]+tracker\.example/);
    assert.match(pm.text, /External image: the old dialog/);

    const u = (await upload(member, await photoPng(30, 20), 'x.png').expect(201)).body.upload;
    await member.post(`/api/threads/${threadId}/replies`, { body: `Raw HTML image: <img src="${u.url}">` }).expect(201);
    const again = await forum.agent().get(`/threads/${threadId}`).expect(200);
    assert.ok(again.text.includes(`<img src="/uploads/${u.id}/thumb" alt="" loading="lazy" /></a> <span class="img-alt-missing">`));
  });
});
