import { strict as assert } from 'node:assert';
import { oid, startForum, type Person, type TestForum } from '../../helpers/kit';

/**
 * New-account limits (NEW_ACCOUNT_DAYS) and the shared support inbox: a newcomer's link post
 * is held, a newcomer writes only to Support; every moderator reads a support conversation,
 * internal notes never reach the member, another member gets 404.
 */
describe('moderation: new accounts and the shared support inbox', function () {
  let forum: TestForum;
  let established: Person;
  let stranger: Person;
  let moderator: Person;
  let moderator2: Person;
  let newcomer: Person;
  const DAY = 24 * 3600 * 1000;

  before(async () => {
    forum = await startForum({ start: '2026-11-24T15:00:00Z', env: { NEW_ACCOUNT_DAYS: '3', NEW_ACCOUNT_POSTS: '0' } });
    [established, stranger, moderator, moderator2] = await Promise.all([
      forum.person('member', { name: 'established', verified: true }),
      forum.person('member', { name: 'stranger' }),
      forum.person('moderator'),
      forum.person('moderator', { name: 'second' }),
    ]);
    forum.clock.advance(4 * DAY);
    newcomer = await forum.person('member', { name: 'newcomer' });
  });
  after(async () => forum?.close());

  it("a new account's question with a link is held: only its author and staff see it, and it is queued", async () => {
    const held = await newcomer.ask({
      title: 'Where do I download the migration tool',
      body: 'I found it at https://example.test/tool but is it the right one?',
    });
    const doc = await forum.col('threads').findOne({ _id: oid(held.id) });
    assert.equal(doc!.visibility, 'held');
    await (await forum.anon()).get(`/api/threads/${held.id}`).expect(404);
    await stranger.get(`/api/threads/${held.id}`).expect(404);
    await newcomer.get(`/api/threads/${held.id}`).expect(200);
    const queue = await moderator.get('/api/moderation/queue?kind=held').expect(200);
    const item = queue.body.items.find((i: { postId: string }) => i.postId === held.id);
    assert.ok(item, 'held post queued');
    assert.equal(item.kind, 'held');

    const plain = await newcomer.ask({
      title: 'A plain question from a new account',
      body: 'No links in this one, just a question about profiles.',
    });
    assert.equal((await forum.col('threads').findOne({ _id: oid(plain.id) }))!.visibility ?? null, null);
    const old = await established.ask({
      title: 'A link from an established account',
      body: 'See https://example.test/tool for the tool I used.',
    });
    assert.equal((await forum.col('threads').findOne({ _id: oid(old.id) }))!.visibility ?? null, null);
  });

  it('a new account cannot message members (403 new_account, nothing stored) but can write to Support', async () => {
    const before = await forum.col('conversations').countDocuments({});
    const res = await newcomer.post('/api/messages', {
      to: [established.user.username],
      subject: 'Hello',
      body: 'Please send me your code.',
    });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'new_account');
    assert.equal(await forum.col('conversations').countDocuments({}), before);
    const ok = await newcomer.post('/api/messages', {
      toSupport: true,
      subject: 'Help with my account',
      body: 'My profile migration fails.',
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const conv = await forum.col('conversations').findOne({ _id: oid(ok.body.conversation.id) });
    assert.equal(conv!.support, true);
    // The established member may message members.
    await established.post('/api/messages', { to: [stranger.user.username], subject: 'Hello', body: 'Thanks for the answer.' }).expect(201);
  });

  it('every moderator reads a support conversation; internal notes stay with staff; others get 404', async () => {
    const started = await established.post('/api/messages', {
      toSupport: true,
      subject: 'My certificate is missing',
      body: 'It does not show on my profile.',
    });
    assert.equal(started.status, 201);
    const id = started.body.conversation.id as string;
    const inbox1 = await moderator.get('/api/support/inbox').expect(200);
    const inbox2 = await moderator2.get('/api/support/inbox').expect(200);
    for (const inbox of [inbox1, inbox2]) assert.ok(inbox.body.conversations.some((c: { id: string }) => c.id === id));
    assert.ok([403, 404].includes((await established.get('/api/support/inbox')).status));
    await stranger.get(`/api/messages/${id}`).expect(404);
    assert.equal((await stranger.post(`/api/messages/${id}`, { body: 'Let me in.' })).status, 404);

    await moderator2.post(`/api/messages/${id}`, { body: 'Checked: the exam result is still pending.', internal: true }).expect(201);
    await moderator.post(`/api/messages/${id}`, { body: 'We are looking into it and will write back.' }).expect(201);
    const notes = await forum
      .col('messages')
      .find({ conversationId: oid(id), internal: true })
      .toArray();
    assert.equal(notes.length, 1);
    const seen = await established.get(`/api/messages/${id}`).expect(200);
    assert.equal(seen.body.messages.length, 2);
    assert.doesNotMatch(JSON.stringify(seen.body), /exam result is still pending/);
    const page = await established.get(`/messages/${id}`).expect(200);
    assert.doesNotMatch(page.text, /exam result is still pending|Internal note/);
    const staffView = await moderator.get(`/api/messages/${id}`).expect(200);
    assert.equal(staffView.body.messages.length, 3);
    const memberNote = await established.post(`/api/messages/${id}`, { body: 'Sneaky note.', internal: true });
    assert.equal(memberNote.status, 400);

    const assign = await moderator.post(`/api/messages/${id}/assign`, { username: moderator2.user.username });
    assert.equal(assign.status, 200, JSON.stringify(assign.body));
    assert.equal(String((await forum.col('conversations').findOne({ _id: oid(id) }))!.assigneeId), moderator2.user.id);
    assert.ok([403, 404].includes((await established.post(`/api/messages/${id}/assign`, { username: established.user.username })).status));
  });

  it('"Request the certification ID privately" reuses the thread\'s open support conversation', async () => {
    const t = await established.ask({ title: 'My certification does not show up anywhere' });
    const first = await moderator.post('/api/messages/request-certification', { threadId: t.id });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const second = await moderator2.post('/api/messages/request-certification', { threadId: t.id });
    assert.equal(second.body.conversation.id, first.body.conversation.id);
    assert.equal(second.body.reused, true);
    assert.equal(await forum.col('conversations').countDocuments({ threadId: oid(t.id) }), 1);
    assert.equal((await stranger.post('/api/messages/request-certification', { threadId: t.id })).status, 403);
  });
});
