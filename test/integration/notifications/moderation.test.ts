import { strict as assert } from 'node:assert';
import { oid, startForum, type Person, type TestForum } from '../../helpers/kit';

/**
 * Notifications meet moderation (docs/notifications.md, docs/moderation.md): messages in the
 * shared support inbox reach the staff who handle them (the assignee, or the whole team while
 * unassigned), a held reply tells nobody until a moderator approves it, a post the public
 * cannot see tells nobody, and a flagger hears what became of their flag (`flag_handled`,
 * with its own e-mail preference). And the two limits on messages to members, the new-account
 * limit and the unconfirmed address, each apply on their own.
 */
describe('notifications: support inbox, held and hidden posts, handled flags', function () {
  let forum: TestForum;
  let member: Person;
  let asker: Person;
  let moderator: Person;
  let moderator2: Person;
  let admin: Person;
  let newcomer: Person;
  const DAY = 24 * 3600 * 1000;

  before(async () => {
    forum = await startForum({ start: '2026-11-24T15:00:00Z', env: { NEW_ACCOUNT_DAYS: '3', NEW_ACCOUNT_POSTS: '0' } });
    [member, asker, moderator, moderator2, admin] = await Promise.all([
      forum.person('member', { name: 'member', verified: true }),
      forum.person('member', { name: 'asker', verified: true }),
      forum.person('moderator', { name: 'mod1' }),
      forum.person('moderator', { name: 'mod2' }),
      forum.person('admin', { name: 'boss' }),
    ]);
    forum.clock.advance(4 * DAY);
    newcomer = await forum.person('member', { name: 'newcomer', verified: true });
  });
  after(async () => forum?.close());

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies in a test
  type Entry = Record<string, any>;
  const unread = async (who: Person): Promise<Entry[]> =>
    ((await who.get('/api/notifications').expect(200)).body.notifications as Entry[]).filter((n) => !n.read);
  const clear = async (...people: Person[]) => {
    for (const p of people) await p.post('/api/notifications/read', {}).expect(200);
  };
  const pmFor = async (who: Person, conversationId: string) =>
    (await unread(who)).filter((n) => n.kind === 'private_message' && n.conversationId === conversationId);

  it('a member writing to support tells every moderator and administrator while unassigned, then only the assignee', async () => {
    await clear(member, moderator, moderator2, admin);
    const started = await member.post('/api/messages', { toSupport: true, subject: 'My badge is gone', body: 'It vanished yesterday.' });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = started.body.conversation.id as string;
    for (const staff of [moderator, moderator2, admin]) {
      const [entry, ...rest] = await pmFor(staff, id);
      assert.ok(entry, `${staff.user.username} is told`);
      assert.equal(rest.length, 0);
      assert.equal(entry.text, `You have a new private message from ${member.user.displayName}.`);
      assert.equal(entry.url, `/messages/${id}`);
      // The link works for them: staff read support conversations by role.
      await staff.get(entry.url.replace('/messages/', '/api/messages/')).expect(200);
    }
    assert.equal((await pmFor(member, id)).length, 0, 'not told of their own message');
    assert.equal(await forum.col('notifications').countDocuments({ kind: 'private_message', conversationId: oid(id) }), 3);

    await clear(moderator, moderator2, admin);
    await moderator.post(`/api/messages/${id}/assign`, { username: moderator2.user.username }).expect(200);
    await member.post(`/api/messages/${id}`, { body: 'Any news about the badge?' }).expect(201);
    assert.equal((await pmFor(moderator2, id)).length, 1, 'the assignee is told');
    assert.equal((await pmFor(moderator, id)).length, 0);
    assert.equal((await pmFor(admin, id)).length, 0);
  });

  it("support's answer tells the member (from Support), an internal note tells nobody", async () => {
    const started = await member.post('/api/messages', { toSupport: true, subject: 'Login loop', body: 'I keep getting logged out.' });
    const id = started.body.conversation.id as string;
    await clear(member, moderator, moderator2, admin);

    await moderator.post(`/api/messages/${id}`, { body: 'Checked the logs: a stale session.', internal: true }).expect(201);
    for (const p of [member, moderator, moderator2, admin]) assert.equal((await pmFor(p, id)).length, 0);

    await moderator.post(`/api/messages/${id}`, { body: 'Please clear your cookies and sign in again.' }).expect(201);
    const [entry] = await pmFor(member, id);
    assert.equal(entry!.text, 'You have a new private message from Support.');
    for (const p of [moderator, moderator2, admin]) assert.equal((await pmFor(p, id)).length, 0);
  });

  it('a staff member opening a support conversation with a member tells that member', async () => {
    await clear(asker);
    const res = await moderator.post('/api/messages', { to: [asker.user.username], subject: 'About your order', body: 'A question.' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((await pmFor(asker, res.body.conversation.id)).length, 1);
  });

  it("a new account's held reply tells nobody until a moderator approves it, then the asker hears of it", async () => {
    const thread = await asker.ask({ title: 'Which driver works with the old scanner model' });
    await clear(asker);
    const res = await newcomer.post(`/api/threads/${thread.id}/replies`, {
      body: 'This one worked for me: https://example.test/driver',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const replyId = res.body.reply.id as string;
    assert.equal((await forum.col('replies').findOne({ _id: oid(replyId) }))!.visibility, 'held');
    assert.equal((await unread(asker)).length, 0, 'nothing about a held reply');
    assert.equal(await forum.col('notifications').countDocuments({ threadId: oid(thread.id), kind: 'watched_reply' }), 0);

    const queue = await moderator.get('/api/moderation/queue?kind=held').expect(200);
    const item = queue.body.items.find((i: Entry) => i.postId === replyId);
    assert.ok(item, 'held reply queued');
    await moderator.post(`/api/moderation/flags/${item.flagId}`, { action: 'keep' }).expect(200);
    const told = (await unread(asker)).filter((n) => n.threadId === thread.id);
    assert.equal(told.length, 1);
    assert.equal(told[0]!.kind, 'watched_reply');
    assert.match(told[0]!.text, /^New reply from /);
  });

  it('a staff reply in a hidden thread tells nobody; once restored, replies are told again', async () => {
    const thread = await asker.ask({ title: 'Firmware update stuck at ninety percent' });
    await moderator.post(`/api/moderation/posts/thread/${thread.id}`, { action: 'hide' }).expect(200);
    await clear(asker);
    await moderator.reply(thread.id, 'Hold the reset button for ten seconds, then retry.');
    assert.equal((await unread(asker)).length, 0);
    await moderator.post(`/api/moderation/posts/thread/${thread.id}`, { action: 'restore' }).expect(200);
    await moderator.reply(thread.id, 'Did the reset help?');
    const [entry] = await unread(asker);
    assert.equal(entry!.kind, 'support_reply');
  });

  it('a handled flag tells the flagger in-app; its e-mail is a preference of its own (digest by default)', async () => {
    const thread = await asker.ask({ title: 'Is the warranty transferable to a new owner' });
    await member.post('/api/flags', { postType: 'thread', postId: thread.id, reason: 'spam' }).expect(201);
    await clear(member);
    const queue = await moderator.get('/api/moderation/queue?kind=flagged').expect(200);
    const item = queue.body.items.find((i: Entry) => i.postId === thread.id);
    await moderator.post(`/api/moderation/flags/${item.flagId}`, { action: 'keep' }).expect(200);
    const [entry] = await unread(member);
    assert.equal(entry!.kind, 'flag_handled');
    assert.equal(entry!.threadId, thread.id);
    assert.match(entry!.text, /^Thanks for flagging the question "Is the warranty transferable to a new owner"\./);

    const account = await member.get('/api/account').expect(200);
    assert.equal(account.body.account.notifications.flag_handled, 'digest');
  });

  it('new-account limits and e-mail confirmation both apply to messages to members; support stays reachable', async () => {
    const unconfirmed = await forum.person('member', { name: 'oldunconfirmed' });
    forum.clock.advance(4 * DAY); // old enough: only the unconfirmed address stands in the way
    const fresh = await forum.person('member', { name: 'freshconfirmed', verified: true });
    const before = await forum.col('conversations').countDocuments({});
    const a = await unconfirmed.post('/api/messages', { to: [member.user.username], subject: 'Hello', body: 'A question for you.' });
    assert.equal(a.status, 403, JSON.stringify(a.body));
    assert.match(a.body.error.message, /Confirm your e-mail address/);
    const b = await fresh.post('/api/messages', { to: [member.user.username], subject: 'Hello', body: 'A question for you.' });
    assert.equal(b.status, 403, JSON.stringify(b.body));
    assert.equal(b.body.error.code, 'new_account', 'a confirmed address does not lift the new-account limit');
    assert.equal(await forum.col('conversations').countDocuments({}), before);
    for (const p of [unconfirmed, fresh]) {
      await p.post('/api/messages', { toSupport: true, subject: 'Help please', body: 'I need help with my account.' }).expect(201);
    }
  });
});
