import assert from 'node:assert/strict';
import { startForum, type Person, type TestForum } from '../../helpers/kit';
import { oid, photoPng, stored, upload } from './helpers';

const DAY = 24 * 3600 * 1000;

/**
 * Uploads under moderation (docs/uploads.md, docs/moderation.md): restricted accounts cannot
 * upload, a new account's post showing an image is held and so is the image, hidden and
 * deleted posts take their images with them, and the support team reads a support
 * conversation's files by role. OCR_WORKERS=0: no screenshot guard cost here.
 */
describe('uploads: moderation and the support inbox', function () {
  let forum: TestForum;
  let member: Person;
  let other: Person;
  let moderator: Person;
  let moderator2: Person;
  let admin: Person;
  let newcomer: Person;

  before(async () => {
    forum = await startForum({
      start: '2026-11-24T15:00:00Z',
      env: { OCR_WORKERS: '0', NEW_ACCOUNT_DAYS: '3', NEW_ACCOUNT_POSTS: '0' },
    });
    [member, other, moderator, moderator2, admin] = await Promise.all([
      forum.person('member', { name: 'supported', verified: true }),
      forum.person('member', { name: 'bystander' }),
      forum.person('moderator', { name: 'firstmod' }),
      forum.person('moderator', { name: 'secondmod' }),
      forum.person('admin', { name: 'boss' }),
    ]);
    forum.clock.advance(4 * DAY);
    newcomer = await forum.person('member', { name: 'newcomer' });
  });
  after(() => forum?.close());

  it("a support conversation's files: the member and every moderator and admin by role; nobody else", async () => {
    const draft = await upload(member, await photoPng(40, 40), 'error.png', { scope: 'private' }).expect(201);
    const u = draft.body.upload;
    const res = await member.post('/api/messages', { toSupport: true, subject: 'My screen', body: `Look:\n\n${u.markdown}` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const conv = res.body.conversation.id as string;
    const doc = await forum.col('conversations').findOne({ _id: oid(conv) });
    assert.deepEqual(doc!.participantIds.map(String), [member.user.id], 'support reads by role, not as a participant');
    assert.equal(String((await forum.col('uploads').findOne({ _id: oid(u.id) }))!.conversationId), conv);

    for (const p of [member, moderator, moderator2, admin]) {
      const r = await p.get(u.url);
      assert.equal(r.status, 200, p.user.username);
      assert.equal(r.headers['cache-control'], 'private, no-store');
    }
    await other.get(u.url).expect(404);
    await forum.agent().get(u.url).expect(404);

    // Staff answering as Support attach files to the conversation; the member sees them.
    const answer = await upload(moderator2, await photoPng(20, 20), 'fix.png', { conversationId: conv }).expect(201);
    await member.get(answer.body.upload.url).expect(200);
    await moderator.get(answer.body.upload.url).expect(200);
    await other.get(answer.body.upload.url).expect(404);
    // Another member cannot upload into it (as if it did not exist).
    await upload(other, await photoPng(10, 10), 'x.png', { conversationId: conv }).expect(404);
  });

  it("a hidden or deleted message's files: only its author and staff, like its text; restoring shows them again", async () => {
    const writer = member; // an established account (a new one writes to Support only)
    const reader = await forum.person('member', { name: 'pmreader' });
    const draft = (await upload(writer, await photoPng(20, 20), 'pic.png', { scope: 'private' }).expect(201)).body.upload;
    const sent = await writer.post('/api/messages', { to: [reader.user.username], subject: 'A picture', body: draft.markdown });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const message = await forum.col('messages').findOne({ conversationId: oid(sent.body.conversation.id) });
    await reader.get(draft.url).expect(200);

    for (const action of ['hide', 'delete'] as const) {
      await moderator.post(`/api/moderation/posts/message/${String(message!._id)}`, { action }).expect(200);
      assert.ok((await forum.col('uploads').findOne({ _id: oid(draft.id) }))!.withheldAt);
      await reader.get(draft.url).expect(404);
      await writer.get(draft.url).expect(200);
      await moderator.post(`/api/moderation/posts/message/${String(message!._id)}`, { action: 'restore' }).expect(200);
      assert.equal((await forum.col('uploads').findOne({ _id: oid(draft.id) }))!.withheldAt, null);
      await reader.get(draft.url).expect(200);
    }
    await other.get(draft.url).expect(404);
  });

  it('a suspended member cannot upload (403, nothing stored); a silenced one only for private messages', async () => {
    const suspended = await forum.person('member', { name: 'suspended' });
    await moderator.post(`/api/users/${suspended.user.username}/suspend`, { days: 3, reason: 'Spamming links' }).expect(200);
    const before = await stored(forum);
    for (const fields of [{}, { scope: 'private' }] as Record<string, string>[]) {
      const res = await upload(suspended, await photoPng(10, 10), 'x.png', fields);
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'suspended');
    }
    assert.deepEqual(await stored(forum), before);

    const silenced = await forum.person('member', { name: 'silenced' });
    await moderator.post(`/api/users/${silenced.user.username}/silence`, { days: 3, reason: 'Heated thread' }).expect(200);
    const pub = await upload(silenced, await photoPng(10, 10), 'x.png');
    assert.equal(pub.status, 403, JSON.stringify(pub.body));
    assert.equal(pub.body.error.code, 'silenced');
    await upload(silenced, await photoPng(10, 10), 'for-support.png', { scope: 'private' }).expect(201);
  });

  it("a new account's question showing an image is held with its image; approving publishes both, hiding withholds the image again", async () => {
    const img = (await upload(newcomer, await photoPng(30, 30), 'screen.png').expect(201)).body.upload;
    const held = await newcomer.ask({ title: 'The sign-in page after the update', body: `It shows this:\n\n${img.markdown}` });
    assert.equal((await forum.col('threads').findOne({ _id: oid(held.id) }))!.visibility, 'held');
    const doc = await forum.col('uploads').findOne({ _id: oid(img.id) });
    assert.ok(doc!.publishedAt && doc!.withheldAt, 'cleared by the guard, withheld by moderation');
    await forum.agent().get(img.url).expect(404);
    await other.get(img.url).expect(404);
    assert.equal((await newcomer.get(img.url).expect(200)).headers['cache-control'], 'private, no-store');
    await moderator.get(img.url).expect(200);

    await moderator.post(`/api/moderation/posts/thread/${held.id}`, { action: 'restore' }).expect(200);
    assert.equal((await forum.col('uploads').findOne({ _id: oid(img.id) }))!.withheldAt, null);
    const pub = await forum.agent().get(img.url).expect(200);
    assert.match(String(pub.headers['cache-control']), /^public/);

    for (const action of ['hide', 'delete'] as const) {
      await moderator.post(`/api/moderation/posts/thread/${held.id}`, { action }).expect(200);
      await forum.agent().get(img.url).expect(404);
      await other.get(img.url).expect(404);
      await newcomer.get(img.url).expect(200);
      await moderator.post(`/api/moderation/posts/thread/${held.id}`, { action: 'restore' }).expect(200);
      await other.get(img.url).expect(200);
    }
  });
});
