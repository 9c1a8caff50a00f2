import { strict as assert } from 'node:assert';
import { oid, signIn, startForum, type Person, type TestForum } from '../../helpers/kit';

/**
 * Restrictions of members (suspend, silence, ban), role changes, the audit log screen, the
 * support settings and the edit history, for each role: what they may reach, what is refused,
 * and the database after.
 */
describe('moderation: members, administration and edit history', function () {
  let forum: TestForum;
  let member: Person;
  let other: Person;
  let moderator: Person;
  let admin: Person;

  before(async () => {
    forum = await startForum({ start: '2026-11-24T15:00:00Z' });
    [member, other, moderator, admin] = await Promise.all([
      forum.person('member', { name: 'member' }),
      forum.person('member', { name: 'other' }),
      forum.person('moderator'),
      forum.person('admin'),
    ]);
  });
  after(async () => forum?.close());

  const user = (p: Person) => forum.col('users').findOne({ _id: oid(p.user.id) });

  it('only staff suspend; a suspended member cannot post, message, flag or vote (JSON API), and lifting restores it', async () => {
    const t = await other.ask({ title: 'A question the suspended member wants to answer' });
    const answer = await moderator.reply(t.id, 'Please restart the print spooler and try again.');
    const path = `/api/users/${member.user.username}/suspend`;
    const byMember = await other.post(path, { days: 3, reason: 'Spamming links' });
    assert.ok([403, 404].includes(byMember.status), String(byMember.status));
    const noCsrf = await moderator.agent.post(path).send({ days: 3, reason: 'Spamming links' });
    assert.equal(noCsrf.status, 403);
    const bad = await moderator.post(path, { reason: 'Spamming links' });
    assert.equal(bad.status, 400);
    assert.equal((await user(member))!.suspendedUntil ?? null, null, 'nothing stored');

    const res = await moderator.post(path, { days: 3, reason: 'Spamming links' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const u = await user(member);
    assert.equal(u!.suspendedUntil.toISOString(), '2026-11-27T15:00:00.000Z');
    assert.equal(u!.suspendReason, 'Spamming links');
    assert.equal(await forum.col('audit_entries').countDocuments({ action: 'user_suspended', actorId: oid(moderator.user.id) }), 1);

    const before = await forum.col('replies').countDocuments({ threadId: oid(t.id) });
    const reply = await member.post(`/api/threads/${t.id}/replies`, { body: 'Buy cheap things at my shop now.' });
    assert.equal(reply.status, 403, JSON.stringify(reply.body));
    assert.equal(reply.body.error.code, 'suspended');
    assert.match(reply.body.error.message, /Spamming links/);
    const ask = await member.post('/api/threads', {
      title: 'A question from a suspended account',
      body: 'This should never be stored anywhere.',
      products: [(await forum.products())[0]!.id],
    });
    assert.equal(ask.status, 403);
    const msg = await member.post('/api/messages', {
      to: [other.user.username],
      subject: 'Hello there',
      body: 'A private message while suspended.',
    });
    assert.equal(msg.status, 403, JSON.stringify(msg.body));
    const flag = await member.post('/api/flags', { postType: 'thread', postId: t.id, reason: 'spam' });
    assert.equal(flag.status, 403);
    assert.equal(await forum.col('replies').countDocuments({ threadId: oid(t.id) }), before);
    assert.equal(await forum.col('threads').countDocuments({ title: 'A question from a suspended account' }), 0);
    assert.equal(await forum.col('flags').countDocuments({ flaggerId: oid(member.user.id) }), 0);
    const vote = await member.post(`/api/replies/${answer.id}/helpful`, { helpful: true });
    assert.equal(vote.status, 403, JSON.stringify(vote.body));
    assert.equal(vote.body.error.code, 'suspended');
    assert.equal(await forum.col('votes').countDocuments({ replyId: oid(answer.id) }), 0);

    // Lifting: DELETE, staff only.
    assert.ok([403, 404].includes((await other.delete(path)).status));
    await moderator.delete(path).expect(200);
    assert.equal((await user(member))!.suspendedUntil ?? null, null);
    await member.reply(t.id, 'Back again with a real answer to the question.');
    assert.equal((await member.post(`/api/replies/${answer.id}/helpful`, { helpful: true })).status, 200);
  });

  it('a suspension ends by itself at its date (injected clock)', async () => {
    const t = await other.ask({ title: 'A question answered after a short suspension' });
    await moderator.post(`/api/users/${member.user.username}/suspend`, { days: 1, reason: 'Cool down' }).expect(200);
    assert.equal((await member.post(`/api/threads/${t.id}/replies`, { body: 'Refused while suspended.' })).status, 403);
    forum.clock.advance(24 * 3600 * 1000 + 1000);
    await member.reply(t.id, 'Allowed once the suspension has ended.');
  });

  it('a silenced member cannot post publicly but can still write to support', async () => {
    const t = await other.ask({ title: 'A question the silenced member wants to answer' });
    await moderator.post(`/api/users/${member.user.username}/silence`, { days: 2, reason: 'Heated replies' }).expect(200);
    const reply = await member.post(`/api/threads/${t.id}/replies`, { body: 'An answer while silenced.' });
    assert.equal(reply.status, 403);
    assert.equal(reply.body.error.code, 'silenced');
    const support = await member.post('/api/messages/from-post', { body: 'Please help me with my account, support.' });
    assert.equal(support.status, 201, JSON.stringify(support.body));
    await moderator.delete(`/api/users/${member.user.username}/silence`).expect(200);
    assert.equal((await user(member))!.silencedUntil ?? null, null);
  });

  it('only admins ban; a banned member cannot sign in and their session ends', async () => {
    const target = await forum.person('member', { name: 'banned' });
    const path = `/api/users/${target.user.username}/ban`;
    assert.equal((await moderator.post(path, { reason: 'Fraud' })).status, 403);
    assert.equal((await user(target))!.bannedAt ?? null, null);
    await admin.post(path, { reason: 'Fraud' }).expect(200);
    assert.ok((await user(target))!.bannedAt);
    assert.equal((await target.get('/api/session')).body.user ?? null, null, 'the session no longer signs in');
    await assert.rejects(signIn(forum, target.user.username, target.user.password));
    await admin.delete(path).expect(200);
    assert.equal((await user(target))!.bannedAt ?? null, null);
    await signIn(forum, target.user.username, target.user.password);
    assert.equal(
      await forum.col('audit_entries').countDocuments({ action: { $in: ['user_banned', 'user_unbanned'] }, actorId: oid(admin.user.id) }),
      2,
    );
  });

  it('admins change roles (audited); moderators and members cannot, nor can an admin change their own', async () => {
    const target = await forum.person('member', { name: 'promoted' });
    const path = `/api/admin/users/${target.user.username}`;
    assert.ok([403, 404].includes((await member.patch(path, { role: 'moderator' })).status));
    assert.equal((await moderator.patch(path, { role: 'moderator' })).status, 403);
    assert.equal((await admin.patch(path, { role: 'owner' })).status, 400);
    assert.equal((await user(target))!.role, 'member');
    const res = await admin.patch(path, { role: 'moderator' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await user(target))!.role, 'moderator');
    assert.equal(await forum.col('audit_entries').countDocuments({ action: 'role_changed', subjectId: oid(target.user.id) }), 1);
    assert.equal((await admin.patch(`/api/admin/users/${admin.user.username}`, { role: 'member' })).status, 409);
    // The users pages: staff only.
    assert.ok([403, 404].includes((await member.get('/api/admin/users')).status));
    const list = await moderator.get(`/api/admin/users?q=${target.user.username}`).expect(200);
    assert.equal(list.body.users[0].username, target.user.username);
    assert.equal(list.body.users[0].role, 'moderator');
    await moderator.get(`/admin/users/${target.user.username}`).expect(200);
  });

  it('the audit log is for admins, filtered by person, action and date, and downloads as CSV', async () => {
    assert.ok([403, 404].includes((await member.get('/api/admin/audit')).status));
    assert.equal((await moderator.get('/api/admin/audit')).status, 403);
    const all = await admin.get(`/api/admin/audit?actor=${moderator.user.username}`).expect(200);
    assert.ok(all.body.entries.length >= 2);
    assert.ok(all.body.entries.every((e: { actorUsername: string }) => e.actorUsername === moderator.user.username));
    const suspended = await admin.get('/api/admin/audit?action=user_suspended').expect(200);
    assert.ok(suspended.body.entries.length >= 1);
    assert.ok(suspended.body.entries.every((e: { action: string }) => e.action === 'user_suspended'));
    const none = await admin.get('/api/admin/audit?from=2020-01-01&to=2020-01-02').expect(200);
    assert.equal(none.body.entries.length, 0);
    assert.equal((await admin.get('/api/admin/audit?from=yesterday')).status, 400);
    const csv = await admin.get('/admin/audit.csv?action=user_suspended').expect(200);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    assert.equal(lines[0], 'at,actor,action,target_type,target_id,subject,conversation_id,message_id,field_id,reason');
    assert.equal(lines.length, suspended.body.entries.length + 1);
    assert.equal((await moderator.get('/admin/audit.csv')).status, 403);
  });

  it('support settings: admins only; a bad value changes nothing; a change moves the footer at once', async () => {
    assert.equal((await moderator.get('/api/admin/support-settings')).status, 403);
    assert.equal((await moderator.patch('/api/admin/support-settings', { open: '08:00' })).status, 403);
    const before = await admin.get('/api/admin/support-settings').expect(200);
    const bad = await admin.patch('/api/admin/support-settings', { zone: 'Mars/Olympus_Mons' });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(await forum.col('settings').countDocuments({}), 0);
    const closing = await admin.patch('/api/admin/support-settings', { open: '18:00', close: '09:00' });
    assert.equal(closing.status, 400);
    const footerBefore = (await (await forum.anon()).get('/threads').expect(200)).text;
    const res = await admin.patch('/api/admin/support-settings', { open: '07:00', lockAfterDays: 5 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const stored = await forum.col('settings').findOne({ _id: 'support' as never });
    assert.deepEqual(stored!.values, { open: '07:00', lockAfterDays: 5 });
    assert.equal(res.body.settings.open, '07:00');
    assert.notEqual(res.body.policy.hours, before.body.policy.hours);
    const footer = (await (await forum.anon()).get('/threads').expect(200)).text;
    assert.notEqual(footer, footerBefore);
    assert.match(footer, /7:00/);
    assert.equal(await forum.col('audit_entries').countDocuments({ action: 'support_settings_changed' }), 1);
    // null resets a field to the environment's value.
    await admin.patch('/api/admin/support-settings', { open: null, lockAfterDays: null }).expect(200);
    assert.doesNotMatch((await (await forum.anon()).get('/threads').expect(200)).text, /7:00/);
  });

  it('edit history: the author and staff read it with a diff; anyone else gets 404', async () => {
    const t = await member.ask({ title: 'A question whose body is edited later', body: 'The first version of this body text.' });
    await member.patch(`/api/threads/${t.id}`, { body: 'The second version of this body text.' }).expect(200);
    const path = `/api/posts/thread/${t.id}/revisions`;
    const mine = await member.get(path).expect(200);
    assert.equal(mine.body.revisions.length, 2);
    assert.equal(mine.body.revisions[0].body, 'The first version of this body text.');
    assert.equal(mine.body.revisions[1].body, 'The second version of this body text.');
    const diff = mine.body.revisions[1].diff.body as { op: string; text: string }[];
    assert.ok(diff.some((s) => s.op === 'removed' && s.text.includes('first')));
    assert.ok(diff.some((s) => s.op === 'added' && s.text.includes('second')));
    await moderator.get(path).expect(200);
    assert.equal((await other.get(path)).status, 404);
    assert.equal((await (await forum.anon()).get(path)).status, 401);
    const page = await member.get(`/posts/thread/${t.id}/revisions`).expect(200);
    assert.match(page.text, /<del>first<\/del>|<del>[^<]*first/);
  });
});
