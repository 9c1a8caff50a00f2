import assert from 'node:assert/strict';
import { awaitingThread, et, local, startSupportForum, type Forum } from './helpers';
import { oid } from '../../helpers/kit';

/**
 * Issue 18, "Deadlines": observed holidays end to end (item 5), a return to waiting starts a
 * fresh wait (item 6), the lock-sweep command sends the reminders too (item 7), and "No" under
 * "Did this solve your problem?" (item 16) gives the thread back to support and tells them.
 */
// The lifecycle's own notifications (replies and accepts notify people too, docs/notifications.md).
const LOCK_KINDS = ['lock_reminder', 'thread_locked'];

describe('support lifecycle: deadlines that are always right (issue 18 items 5, 6, 7, 16)', function () {
  let f: Forum;
  before(async () => {
    f = await startSupportForum();
  });
  after(async () => f?.close());

  const firstReplyId = async (id: string) => (await f.asker.get(`/api/threads/${id}`).expect(200)).body.replies[0].id as string;
  const queue = async () => (await f.mod.get('/api/support/queue').expect(200)).body;

  it('item 5: a moderator reply on Thu 2028-11-09 16:00 ET reminds Mon 11-13 and locks Tue 11-14 (Fri is Veterans Day observed)', async () => {
    const id = await awaitingThread(f, '2028-11-09 09:00', '2028-11-09 16:00');
    const t = await f.thread(id);
    assert.equal(local(t.reminderDueAt), '2028-11-13 16:00');
    assert.equal(local(t.lockDueAt), '2028-11-14 16:00');
    // The observed holiday is closed: the sweep does nothing that day, even with a due thread.
    const closed = await f.t.cli('lock-sweep', ['--now', '2028-11-10T12:00']);
    assert.match(closed.out.join('\n'), /Support is closed at Friday, November 10, 2028/);
    assert.equal(await f.t.col('notifications').countDocuments({ threadId: oid(id), kind: { $in: LOCK_KINDS } }), 0);
  });

  describe('item 6: accepted, then unaccepted three weeks later', () => {
    it('awaiting the asker again with a fresh wait: no lock five minutes later, a reminder first, the queue not overdue', async () => {
      const id = await awaitingThread(f, '2026-11-02 09:00', '2026-11-02 10:00');
      const replyId = await firstReplyId(id);
      f.t.clock.set(et('2026-11-02 11:00'));
      await f.asker.post(`/api/threads/${id}/accept`, { replyId }).expect(200);
      f.t.clock.set(et('2026-11-23 10:00'));
      await f.asker.delete(`/api/threads/${id}/accept`).expect(200);

      const t = await f.thread(id);
      assert.equal(t.status, 'awaiting_asker');
      assert.equal(local(t.awaitingSince), '2026-11-23 10:00');
      assert.equal(local(t.reminderDueAt), '2026-11-24 10:00');
      assert.equal(local(t.lockDueAt), '2026-11-25 10:00');

      const soon = await f.t.cli('lock-sweep', ['--now', '2026-11-23T10:05']);
      assert.match(soon.out.at(-1)!, /^Locked 0 threads/);
      assert.equal((await f.thread(id)).status, 'awaiting_asker');

      const item = (await queue()).awaitingAsker.items.find((i: { id: string }) => i.id === id);
      assert.ok(item, 'in the awaiting-the-asker list');
      assert.equal(item.overdue, false);
      assert.match(item.badge, /^closes in 2d business time$/);

      const reminded = await f.t.cli('lock-sweep', ['--now', '2026-11-24T10:00']);
      assert.ok(
        reminded.out.some((l) => l.startsWith(`reminded  ${id}`)),
        reminded.out.join('\n'),
      );
      const locked = await f.t.cli('lock-sweep', ['--now', '2026-11-25T10:00']);
      assert.ok(
        locked.out.some((l) => l.startsWith(`locked  ${id}`)),
        locked.out.join('\n'),
      );
      const kinds = (
        await f.t
          .col('notifications')
          .find({ threadId: oid(id), kind: { $in: LOCK_KINDS } })
          .sort({ createdAt: 1 })
          .toArray()
      ).map((n) => n.kind);
      assert.deepEqual(kinds, ['lock_reminder', 'thread_locked'], 'reminded before the lock');
    });

    it('the asker posted last: awaiting support with a fresh first-response target, not overdue in the queue', async () => {
      f.t.clock.set(et('2026-11-02 09:00'));
      const id = await f.ask(f.asker);
      f.t.clock.set(et('2026-11-02 10:00'));
      await f.reply(f.mod, id, 'Try the repair tool from the help menu.');
      f.t.clock.set(et('2026-11-02 11:00'));
      await f.reply(f.asker, id, 'That worked for the first machine, trying the second one now.');
      await f.asker.post(`/api/threads/${id}/accept`, { replyId: await firstReplyId(id) }).expect(200);
      f.t.clock.set(et('2026-11-23 10:00'));
      await f.asker.delete(`/api/threads/${id}/accept`).expect(200);
      const t = await f.thread(id);
      assert.equal(t.status, 'open');
      assert.equal(local(t.firstResponseDueAt), '2026-11-24 10:00');
      const item = (await queue()).awaitingSupport.items.find((i: { id: string }) => i.id === id);
      assert.equal(item.overdue, false);
      assert.match(item.badge, /^due in 1d business time$/);
    });
  });

  describe('item 7: `lock-sweep` sends the due reminders too', () => {
    it('--dry-run lists the reminder and sends nothing; then the reminder is sent once, with its notification', async () => {
      const id = await awaitingThread(f, '2026-12-01 09:00', '2026-12-01 10:00', 'Reminder through the CLI');
      const dry = await f.t.cli('lock-sweep', ['--now', '2026-12-02T10:30', '--dry-run']);
      assert.equal(dry.code, 0);
      assert.ok(
        dry.out.some((l) => l.startsWith(`would remind  ${id}  closes Thursday, December 3, 2026 at 10:00 AM ET`)),
        dry.out.join('\n'),
      );
      assert.ok(dry.out.includes('Would send 1 close reminder.'));
      assert.equal(await f.t.col('notifications').countDocuments({ threadId: oid(id), kind: { $in: LOCK_KINDS } }), 0);

      const run = await f.t.cli('lock-sweep', ['--now', '2026-12-02T10:30']);
      assert.ok(run.out.includes('Sent 1 close reminder.'), run.out.join('\n'));
      const [n] = await f.t
        .col('notifications')
        .find({ threadId: oid(id), kind: { $in: LOCK_KINDS } })
        .toArray();
      assert.equal(n!.kind, 'lock_reminder');
      assert.equal(String(n!.userId), f.asker.user.id);
      assert.ok((await f.thread(id)).reminderSentAt instanceof Date);
      const again = await f.t.cli('lock-sweep', ['--now', '2026-12-02T11:00']);
      assert.ok(!again.out.some((l) => l.includes(id)));
      assert.equal(await f.t.col('notifications').countDocuments({ threadId: oid(id), kind: { $in: LOCK_KINDS } }), 1);
    });
  });

  describe('item 16: "No" under "Did this solve your problem?"', () => {
    it('gives the thread back to support, marks the reply, tells its author, and shows it to staff', async () => {
      const id = await awaitingThread(f, '2026-12-07 09:00', '2026-12-07 10:00', 'Printer driver still missing');
      const replyId = await firstReplyId(id);
      f.t.clock.set(et('2026-12-07 11:00'));

      // Someone else, or a reply that is not the asker's to judge: refused, nothing changes.
      assert.equal((await f.other.post(`/api/threads/${id}/not-solved`, { replyId })).status, 403);
      assert.equal((await f.mod.post(`/api/threads/${id}/not-solved`, { replyId })).status, 403);
      assert.equal((await f.asker.post(`/api/threads/${id}/not-solved`, { replyId: '0123456789abcdef01234567' })).status, 404);
      assert.equal((await f.t.agent().post(`/api/threads/${id}/not-solved`).send({ replyId })).status, 401);
      assert.equal((await f.thread(id)).status, 'awaiting_asker');

      // The asker's "No", as the page sends it (a form button, no JavaScript needed).
      const page = await f.asker.get(`/threads/${id}`).redirects(1).expect(200);
      assert.match(page.text, /formaction="\/threads\/[0-9a-f]{24}\/not-solved"/);
      const res = await f.asker.form(`/threads/${id}/not-solved`, { replyId });
      assert.equal(res.status, 303);
      assert.match(res.headers.location!, /\?said=no#reply-form$/);

      const t = await f.thread(id);
      assert.equal(t.status, 'open', 'back with support: the asker responded');
      assert.equal(local(t.firstResponseDueAt), '2026-12-08 11:00');
      assert.equal(t.lockDueAt, undefined);
      assert.equal(local(t.notSolvedAt), '2026-12-07 11:00');
      assert.equal(local((await f.t.col('replies').findOne({ _id: oid(replyId) }))!.notSolvedAt), '2026-12-07 11:00');
      const [n] = await f.t
        .col('notifications')
        .find({ threadId: oid(id), kind: 'not_solved' })
        .toArray();
      assert.equal(String(n!.userId), f.mod.user.id);
      assert.match(n!.text, /said your reply did not solve their problem/);

      const back = await f.asker.get(res.headers.location!).expect(200);
      assert.match(back.text, /support has been told this did not solve your problem/);
      assert.match(back.text, /You said this reply did not solve your problem/);
      assert.doesNotMatch(back.text, /Did this solve your problem\?/, 'asked once');
      assert.match(back.text, /Mark as answer/, 'the asker can still accept it later');
      const staffPage = await f.mod.get(`/threads/${id}`).redirects(1).expect(200);
      assert.match(staffPage.text, /The asker said this reply did not solve their problem/);
      const anon = await f.t.agent().get(`/threads/${id}`).redirects(1).expect(200);
      assert.doesNotMatch(anon.text, /did not solve/);
      const item = (await queue()).awaitingSupport.items.find((i: { id: string }) => i.id === id);
      assert.equal(local(new Date(item.notSolvedAt)), '2026-12-07 11:00');
      const html = await f.mod.get('/support/queue').expect(200);
      assert.match(html.text, /Asker: not solved/);

      // Saying No twice changes nothing and tells nobody again.
      const twice = await f.asker.post(`/api/threads/${id}/not-solved`, { replyId }).expect(200);
      assert.equal(twice.body.recorded, false);
      assert.equal(await f.t.col('notifications').countDocuments({ threadId: oid(id), kind: 'not_solved' }), 1);

      // The next staff reply clears the flag.
      f.t.clock.set(et('2026-12-07 12:00'));
      await f.reply(f.mod, id, 'Please try the driver from the downloads page instead.');
      const after = await f.thread(id);
      assert.equal(after.notSolvedAt, undefined);
      assert.equal(after.status, 'awaiting_asker');
    });

    it('on an accepted or locked thread the answer is refused (409), nothing changes', async () => {
      const id = await awaitingThread(f, '2026-12-08 09:00', '2026-12-08 10:00');
      const replyId = await firstReplyId(id);
      await f.asker.post(`/api/threads/${id}/accept`, { replyId }).expect(200);
      assert.equal((await f.asker.post(`/api/threads/${id}/not-solved`, { replyId })).status, 409);
      await f.mod.post(`/api/threads/${id}/lock`, { reason: 'Done' }).expect(200);
      const locked = await f.asker.post(`/api/threads/${id}/not-solved`, { replyId });
      assert.equal(locked.status, 409);
      assert.equal(locked.body.error.code, 'locked');
      assert.equal((await f.t.col('replies').findOne({ _id: oid(replyId) }))!.notSolvedAt, undefined);
    });
  });
});
