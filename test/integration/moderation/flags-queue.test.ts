import { strict as assert } from 'node:assert';
import { oid, startForum, type Person, type TestForum } from '../../helpers/kit';

/**
 * Flags and the moderation queue (docs/architecture.md conventions): who may flag what, when a
 * post is hidden pending review, what each role reaches, and what a handled flag leaves in the
 * database (post visibility, the flag's status, the audit log, the flagger's notification).
 */
describe('moderation: flags and the queue', function () {
  let forum: TestForum;
  let asker: Person;
  let flagger: Person;
  let other: Person;
  let moderator: Person;
  let admin: Person;

  before(async () => {
    forum = await startForum({ start: '2026-11-24T15:00:00Z' });
    [asker, flagger, other, moderator, admin] = await Promise.all([
      forum.person('member', { name: 'asker' }),
      forum.person('member', { name: 'flagger' }),
      forum.person('member', { name: 'other' }),
      forum.person('moderator'),
      forum.person('admin'),
    ]);
  });
  after(async () => forum?.close());

  const thread = (id: string) => forum.col('threads').findOne({ _id: oid(id) });

  it("thread pages offer a flag form on others' question and replies (not on your own, not to anonymous readers), which works without JavaScript", async () => {
    const t = await asker.ask({ title: 'A question with a reply to flag from the page' });
    const reply = await other.reply(t.id, 'Buy cheap watches at example dot com');
    const page = await flagger.get(t.url).expect(200);
    assert.match(page.text, /<summary>Flag<span class="visually-hidden"> the question<\/span><\/summary>/);
    assert.match(page.text, /<summary>Flag<span class="visually-hidden"> the reply by [^<]+<\/span><\/summary>/);
    assert.match(page.text, new RegExp(`name="postId" value="${reply.id}"`));
    const own = await asker.get(t.url).expect(200);
    assert.doesNotMatch(own.text, /the question<\/span><\/summary>/, 'no flag on your own question');
    assert.match(own.text, /the reply by [^<]+<\/span><\/summary>/, 'the asker may flag the reply');
    const anon = await forum.anon();
    assert.doesNotMatch((await anon.get(t.url).expect(200)).text, /class="flag-form"/);
    const res = await flagger.form('/flags', { postType: 'reply', postId: reply.id, reason: 'spam', next: t.url });
    assert.equal(res.status, 200);
    assert.match(res.text, /Thanks for flagging/);
    const stored = await forum.col('flags').findOne({ postId: oid(reply.id) });
    assert.equal(stored?.reason, 'spam');
    assert.equal(String(stored?.flaggerId), flagger.user.id);
  });

  it('refuses anonymous flags and flags without a CSRF token, storing nothing', async () => {
    const t = await asker.ask({ title: 'Anonymous cannot flag this question' });
    const anon = await forum.anon();
    const res = await anon.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'spam' });
    assert.equal(res.status, 401, JSON.stringify(res.body));
    const noCsrf = await flagger.agent.post('/api/flags').send({ postType: 'thread', postId: t.id, reason: 'spam' });
    assert.equal(noCsrf.status, 403);
    assert.equal(await forum.col('flags').countDocuments({ postId: oid(t.id) }), 0);
  });

  it('a member flags a question once (201, then 409); the post stays visible; own posts cannot be flagged', async () => {
    const t = await asker.ask({ title: 'A question a member flags as spam' });
    const res = await flagger.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'spam' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.flag.reason, 'spam');
    const again = await flagger.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'abusive' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'already_flagged');
    const own = await asker.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'spam' });
    assert.ok(own.status === 400 || own.status === 422, `own post: ${own.status}`);
    const stored = await forum
      .col('flags')
      .find({ postId: oid(t.id) })
      .toArray();
    assert.equal(stored.length, 1);
    assert.equal(String(stored[0]!.flaggerId), flagger.user.id);
    assert.equal((await thread(t.id))!.visibility ?? null, null);
    await (await forum.anon()).get(`/api/threads/${t.id}`).expect(200);
  });

  it('"other" needs a text and an unknown reason is refused (nothing stored)', async () => {
    const t = await asker.ask({ title: 'A question flagged with bad input' });
    const noText = await flagger.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'other' });
    assert.equal(noText.status, 400, JSON.stringify(noText.body));
    const bad = await flagger.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'boring' });
    assert.equal(bad.status, 400);
    const missing = await flagger.post('/api/flags', { postType: 'thread', postId: '0123456789abcdef01234567', reason: 'spam' });
    assert.equal(missing.status, 404);
    assert.equal(await forum.col('flags').countDocuments({ postId: oid(t.id) }), 0);
  });

  it('members cannot read the queue or act on flags; staff can', async () => {
    const anon = await forum.anon();
    assert.equal((await anon.get('/api/moderation/queue')).status, 401);
    const member = await flagger.get('/api/moderation/queue');
    assert.ok([403, 404].includes(member.status), `member: ${member.status}`);
    assert.equal(member.body.items, undefined);
    await moderator.get('/api/moderation/queue').expect(200);
    await admin.get('/api/moderation/queue').expect(200);
    const page = await moderator.get('/moderation/queue');
    assert.equal(page.status, 200);
    assert.match(page.text, /Moderation queue/);
  });

  it("a staff member's flag hides the post pending review; deleting it from the queue is audited and the flagger is told", async () => {
    const t = await asker.ask({ title: 'A question a moderator flags as abusive' });
    await flagger.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'abusive' }).expect(201);
    assert.equal((await thread(t.id))!.visibility ?? null, null, 'one member flag does not hide');
    await moderator.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'abusive' }).expect(201);
    assert.equal((await thread(t.id))!.visibility, 'hidden');
    await (await forum.anon()).get(`/api/threads/${t.id}`).expect(404);
    await other.get(`/api/threads/${t.id}`).expect(404);

    const queue = await moderator.get('/api/moderation/queue').expect(200);
    const item = queue.body.items.find((i: { postId: string }) => i.postId === t.id);
    assert.ok(item, 'the post is in the queue');
    assert.equal(item.flagCount, 2);
    assert.equal(item.staffFlagged, true);
    assert.equal(item.hiddenPendingReview, true);

    const denied = await flagger.post(`/api/moderation/flags/${item.flagId}`, { action: 'keep' });
    assert.ok([403, 404].includes(denied.status));
    assert.equal((await thread(t.id))!.visibility, 'hidden', 'a member changed nothing');

    const res = await moderator.post(`/api/moderation/flags/${item.flagId}`, { action: 'delete' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await thread(t.id))!.visibility, 'deleted');
    const flags = await forum
      .col('flags')
      .find({ postId: oid(t.id) })
      .toArray();
    assert.equal(flags.length, 2);
    assert.ok(
      flags.every((f) => f.status !== 'open'),
      JSON.stringify(flags.map((f) => f.status)),
    );
    assert.equal(await forum.col('audit_entries').countDocuments({ action: 'flag_handled', actorId: oid(moderator.user.id) }), 1);
    const told = await forum.col('notifications').countDocuments({ userId: oid(flagger.user.id) });
    assert.ok(told >= 1, 'the flagger is told the outcome');
    const after = await moderator.get('/api/moderation/queue').expect(200);
    assert.equal(
      after.body.items.find((i: { postId: string }) => i.postId === t.id),
      undefined,
    );

    // Restorable: a moderator brings it back.
    await moderator.post(`/api/moderation/posts/thread/${t.id}`, { action: 'restore' }).expect(200);
    assert.equal((await thread(t.id))!.visibility ?? null, null);
    await (await forum.anon()).get(`/api/threads/${t.id}`).expect(200);
  });

  it('"keep" resolves the flags and makes a hidden post visible again', async () => {
    const t = await asker.ask({ title: 'A question a moderator flags by mistake' });
    await moderator.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'off_topic' }).expect(201);
    assert.equal((await thread(t.id))!.visibility, 'hidden');
    const queue = await admin.get('/api/moderation/queue').expect(200);
    const item = queue.body.items.find((i: { postId: string }) => i.postId === t.id);
    await admin.post(`/api/moderation/flags/${item.flagId}`, { action: 'keep' }).expect(200);
    assert.equal((await thread(t.id))!.visibility ?? null, null);
    assert.equal(await forum.col('flags').countDocuments({ postId: oid(t.id), status: 'open' }), 0);
  });

  it('"contains private information" goes first in the queue', async () => {
    const t = await asker.ask({
      title: 'A question with a private detail in it',
      body: 'My name is Jane Example and my question is long enough.',
    });
    await flagger.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'private_information', text: 'Jane Example' }).expect(201);
    const queue = await moderator.get('/api/moderation/queue').expect(200);
    assert.equal(queue.body.items[0].postId, t.id);
    assert.equal(queue.body.items[0].privateInformation, true);
  });

  it('a private-information flag offers the quoted span; "redact" removes it from the post and its history', async () => {
    const t = await asker.ask({
      title: 'A question naming a private person',
      body: 'Ask Jim Private about the exam, he knows the answer.',
    });
    await asker.patch(`/api/threads/${t.id}`, { body: 'Ask Jim Private about the exam again, he knows the answer.' }).expect(200);
    await flagger.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'private_information', text: 'Jim Private' }).expect(201);
    const queue = await moderator.get('/api/moderation/queue').expect(200);
    const item = queue.body.items.find((i: { postId: string }) => i.postId === t.id);
    assert.deepEqual(item.redactionSuggestions, ['Jim Private']);
    const bad = await moderator.post(`/api/moderation/flags/${item.flagId}`, { action: 'redact', text: 'Not in the post at all' });
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.equal(bad.body.error.code, 'text_not_found');
    assert.match((await thread(t.id))!.bodySource, /Jim Private/);
    assert.equal(await forum.col('flags').countDocuments({ postId: oid(t.id), status: 'open' }), 1, 'the flag stays open');
    await moderator.post(`/api/moderation/flags/${item.flagId}`, { action: 'redact', text: 'Jim Private' }).expect(200);
    assert.doesNotMatch(JSON.stringify(await thread(t.id)), /Jim Private/);
    const revisions = await forum
      .col('revisions')
      .find({ targetId: oid(t.id) })
      .toArray();
    assert.ok(revisions.length >= 1);
    assert.doesNotMatch(JSON.stringify(revisions), /Jim Private/);
    assert.equal(await forum.col('flags').countDocuments({ postId: oid(t.id), status: 'open' }), 0);
  });
});
