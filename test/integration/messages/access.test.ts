import assert from 'node:assert/strict';
import path from 'node:path';
import ejs from 'ejs';
import { askVia, oid, replyTo, reveal, sendNew, startMessagesWorld, type MessagesWorld } from './world';

/**
 * Only participants (and an admin during an audited break-glass hour) can see a
 * conversation, its subject, its counts, or that it exists: everyone else gets 404.
 */
describe('messages: access (asker, moderator, stranger, admin)', () => {
  let w: MessagesWorld;
  let threadId: string;
  let convId: string;
  let fieldId: string;
  const SUBJECT = 'About your question: private subject line';

  before(async () => {
    w = await startMessagesWorld();
    threadId = (await askVia(w.asker, w.productId)).id;
    const res = await sendNew(w.moderator, {
      to: [w.asker.user.username],
      subject: SUBJECT,
      body: 'Please confirm the code below.',
      threadId,
      fields: [{ kind: 'access_code', label: 'Access code', value: 'QWER-TYUI-9876' }],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    convId = res.body.conversation.id;
    fieldId = (await w.app.col('messages').findOne({ conversationId: oid(convId) }))!.fields[0].fieldId;
  });
  after(async () => w?.close());

  it('participants see it, with an unread count for the recipient', async () => {
    const asker = await w.asker.agent.get('/api/messages').expect(200);
    assert.equal(asker.body.unread, 1);
    assert.deepEqual(
      asker.body.conversations.map((c: { id: string }) => c.id),
      [convId],
    );
    const mod = await w.moderator.agent.get('/api/messages').expect(200);
    assert.equal(mod.body.unread, 0);
    assert.equal(mod.body.conversations.length, 1);
    const unread = await w.asker.agent.get('/api/messages/unread').expect(200);
    assert.equal(unread.body.unread, 1);
    const page = await w.asker.agent.get('/threads').expect(200);
    assert.match(page.text, /class="badge-count" aria-label="1 unread"/);
  });

  it('a stranger gets 404 on every route, an empty list and unread 0', async () => {
    const s = w.stranger;
    await s.agent.get(`/messages/${convId}`).expect(404);
    await s.agent.get(`/api/messages/${convId}`).expect(404);
    const r1 = await replyTo(s, convId, { body: 'hello?' });
    assert.equal(r1.status, 404);
    await s.agent.post(`/messages/${convId}`).type('form').send({ _csrf: s.csrf, body: 'hello?' }).expect(404);
    assert.equal((await reveal(s, convId, fieldId)).status, 404);
    await s.agent.post(`/messages/${convId}/fields/${fieldId}/reveal`).type('form').send({ _csrf: s.csrf }).expect(404);
    const bg = await s.agent
      .post(`/api/messages/${convId}/break-glass`)
      .set('X-CSRF-Token', s.csrf)
      .send({ reason: 'I am curious about this one' });
    assert.equal(bg.status, 404);
    await s.agent.get(`/messages/${convId}/break-glass`).expect(404);

    const list = await s.agent.get('/api/messages').expect(200);
    assert.deepEqual(list.body, { conversations: [], next: null, q: '', unread: 0 });
    assert.equal((await s.agent.get('/api/messages/unread').expect(200)).body.unread, 0);
    const inbox = await s.agent.get('/messages').expect(200);
    assert.doesNotMatch(inbox.text, /private subject line/);
    assert.doesNotMatch(inbox.text, /badge-count/);
    for (const res of [r1]) assert.doesNotMatch(JSON.stringify(res.body), /private subject line/);
    assert.deepEqual(await w.app.services.messages.linkedConversationsFor({ ...s.user, role: 'member' }, threadId), []);
    assert.equal((await w.app.col('conversations').findOne({ _id: oid(convId) }))!.messageCount, 1, 'nothing was written');
  });

  it('the thread link is for participants only; everyone sees the content-free notice flag', async () => {
    const forAsker = await w.app.services.messages.linkedConversationsFor({ ...w.asker.user }, threadId);
    assert.deepEqual(forAsker, [{ id: convId, subject: SUBJECT }]);
    assert.deepEqual(await w.app.services.messages.linkedConversationsFor({ ...w.moderator.user }, threadId), [
      { id: convId, subject: SUBJECT },
    ]);
    assert.deepEqual(await w.app.services.messages.linkedConversationsFor(null, threadId), []);
    const thread = await w.app.col('threads').findOne({ _id: oid(threadId) });
    assert.ok(thread!.privateMessageNoticeAt instanceof Date);
  });

  it('the thread-page partial: notice for the asker only, link for participants, actions for staff', async () => {
    const thread = await w.app.col('threads').findOne({ _id: oid(threadId) });
    const render = async (who: { id: string; username: string; displayName: string; role: 'member' | 'moderator' | 'admin' } | null) =>
      ejs.renderFile(path.resolve('views/messages/thread-panel.ejs'), {
        currentUser: who,
        csrfToken: () => 'tok',
        pmThread: { id: threadId, authorId: String(thread!.author), privateMessageNoticeAt: thread!.privateMessageNoticeAt },
        pmLinked: await w.app.services.messages.linkedConversationsFor(who, threadId),
      });
    const anon = await render(null);
    assert.doesNotMatch(anon, /Support has sent you a private message/);
    assert.match(await render({ ...w.asker.user }), /Support has sent you a private message/);
    assert.doesNotMatch(anon, /private subject line|\/messages\//);
    const stranger = await render({ ...w.stranger.user });
    assert.doesNotMatch(stranger, /private subject line|\/messages\/|Support has sent you/);
    const asker = await render({ ...w.asker.user });
    assert.match(asker, new RegExp(`href="/messages/${convId}">About your question: private subject line`));
    assert.doesNotMatch(asker, /request-certification/);
    const mod = await render({ ...w.moderator.user });
    assert.match(mod, /action="\/messages\/request-certification"/);
    assert.match(mod, new RegExp(`href="/messages/new\\?thread=${threadId}"`));
  });

  it('unknown ids are 404, malformed ids and operator objects are 400, anonymous is 401', async () => {
    await w.asker.agent.get('/api/messages/0123456789abcdef01234567').expect(404);
    await w.asker.agent.get('/messages/0123456789abcdef01234567').expect(404);
    await w.asker.agent.get('/api/messages/not-an-id').expect(400);
    const bad = await sendNew(w.asker, { to: { $ne: '' }, subject: 'x', body: 'y' });
    assert.equal(bad.status, 400);
    const bad2 = await sendNew(w.asker, { to: [w.moderator.user.username], subject: { $gt: '' }, body: 'y' });
    assert.equal(bad2.status, 400);
    const bad3 = await replyTo(w.asker, convId, { body: { $ne: 1 } });
    assert.equal(bad3.status, 400);
    const bad4 = await reveal(w.asker, convId, 'zzzz');
    assert.equal(bad4.status, 400);
    assert.equal((await reveal(w.asker, convId, '0123456789abcdef')).status, 404);
    await w.anon.get('/api/messages').expect(401);
    await w.anon.get(`/api/messages/${convId}`).expect(401);
    const html = await w.anon.get(`/messages/${convId}`).expect(302);
    assert.match(html.headers.location!, /^\/login\?next=/);
  });

  it('opening the conversation marks it read', async () => {
    await w.asker.agent.get(`/messages/${convId}`).expect(200);
    assert.equal((await w.asker.agent.get('/api/messages').expect(200)).body.unread, 0);
    const doc = await w.app.col('conversations').findOne({ _id: oid(convId) });
    assert.equal(doc!.unread[w.asker.user.id], 0);
    assert.ok(doc!.lastReadAt[w.asker.user.id] instanceof Date);
  });

  it('an admin reads a members-only conversation only after an audited break-glass, for one hour', async () => {
    const a = w.admin;
    // Support conversations are the whole staff's (test/integration/moderation/); between members, an admin needs break-glass.
    const memberConv = await sendNew(w.stranger, { to: [w.asker.user.username], subject: SUBJECT, body: 'Between members only.' });
    assert.equal(memberConv.status, 201, JSON.stringify(memberConv.body));
    const convId = memberConv.body.conversation.id as string;
    await a.agent.get(`/api/messages/${convId}`).expect(404);
    const adminInbox = (await a.agent.get('/api/messages').expect(200)).body.conversations.map((c: { id: string }) => c.id);
    assert.ok(!adminInbox.includes(convId));
    const noReason = await a.agent.post(`/api/messages/${convId}/break-glass`).set('X-CSRF-Token', a.csrf).send({});
    assert.equal(noReason.status, 400);
    const unknown = await a.agent
      .post('/api/messages/0123456789abcdef01234567/break-glass')
      .set('X-CSRF-Token', a.csrf)
      .send({ reason: 'Fraud investigation #42' });
    assert.equal(unknown.status, 404);

    const bg = await a.agent
      .post(`/api/messages/${convId}/break-glass`)
      .set('X-CSRF-Token', a.csrf)
      .send({ reason: 'Fraud investigation #42' });
    assert.equal(bg.status, 201, JSON.stringify(bg.body));
    const audit = await w.app
      .col('audit_entries')
      .find({ action: 'break_glass', conversationId: oid(convId) })
      .toArray();
    assert.equal(audit.length, 1);
    assert.equal(String(audit[0]!.actorId), a.user.id);
    assert.equal(audit[0]!.reason, 'Fraud investigation #42');

    const page = await a.agent.get(`/api/messages/${convId}`).expect(200);
    assert.equal(page.body.conversation.subject, SUBJECT);
    const html = await a.agent.get(`/messages/${convId}`).expect(200);
    assert.match(html.text, /Break-glass access/);
    assert.doesNotMatch(html.text, /action="\/messages\/[0-9a-f]{24}" class="reply-form"/);
    assert.equal((await replyTo(a, convId, { body: 'admin here' })).status, 403);
    const inboxAfter = (await a.agent.get('/api/messages').expect(200)).body.conversations.map((c: { id: string }) => c.id);
    assert.ok(!inboxAfter.includes(convId), 'not in the admin inbox');

    w.app.clock.advance(61 * 60 * 1000);
    await a.agent.get(`/api/messages/${convId}`).expect(404);
  });

  it('conversation responses are never cached', async () => {
    const res = await w.asker.agent.get(`/api/messages/${convId}`).expect(200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const page = await w.asker.agent.get(`/messages/${convId}`).expect(200);
    assert.equal(page.headers['cache-control'], 'no-store');
    const r = await reveal(w.asker, convId, fieldId);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal((await w.asker.agent.get('/messages').expect(200)).headers['cache-control'], 'no-store');
  });
});
