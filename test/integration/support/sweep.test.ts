import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import { awaitingThread, et, local, startSupportForum, type Forum } from './helpers';

/**
 * The no-response lock job and its reminder against the real database, with the fake
 * clock: never sleeps, calls the sweeps the way the cron job does.
 */
describe('support lifecycle: the lock sweep', function () {
  let f: Forum;
  before(async () => {
    f = await startSupportForum();
  });
  after(async () => {
    await f?.close();
  });

  const sweep = (at: string) => f.lockSweep({ now: et(at) });
  const locked = async (r: Promise<{ locked: { threadId: string }[] }>) => (await r).locked.map((l) => l.threadId);

  it('locks at the deadline and not a minute before, with a system note and a notification', async () => {
    const id = await awaitingThread(f, '2026-11-20 09:00', '2026-11-20 16:00'); // due Tue 11-24 16:00
    assert.ok(!(await locked(sweep('2026-11-24 15:59'))).includes(id));
    assert.equal((await f.thread(id)).status, 'awaiting_asker');

    const result = await sweep('2026-11-24 16:00');
    assert.equal(result.skipped, null);
    const mine = result.locked.find((l) => l.threadId === id);
    assert.ok(mine, 'locked at 16:00');
    assert.equal(local(mine.lockDueAt), '2026-11-24 16:00');

    const t = await f.thread(id);
    assert.equal(t.status, 'locked');
    assert.equal(t.lockReason, 'no_response');
    assert.equal(local(t.lockedAt), '2026-11-24 16:00');
    assert.equal(t.lockDueAt, undefined);
    assert.equal(t.reminderDueAt, undefined);

    const notes = await f.models.Reply.find({ threadId: new Types.ObjectId(id), system: true }).lean();
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.author, null);
    assert.match(notes[0]!.bodySource, /closed and locked after two business days without a response/);
    assert.equal(t.replyCount, 2, 'the moderator reply and the note');

    // Everyone sees the note and the reason in the thread JSON.
    const json = (await f.other.agent.get(`/api/threads/${id}`).expect(200)).body;
    assert.equal(json.thread.status, 'locked');
    assert.equal(json.thread.lockReason, 'no_response');
    const note = json.replies.find((r: { system: boolean }) => r.system);
    assert.ok(note);
    assert.equal(note.author, null);

    const n = await f.models.Notification.find({ threadId: new Types.ObjectId(id), kind: 'thread_locked' }).lean();
    assert.equal(n.length, 1);
    assert.equal(String(n[0]!.userId), f.asker.user.id);
  });

  it('a locked thread refuses replies with 409 and does not re-open by itself', async () => {
    const id = await awaitingThread(f, '2026-11-20 09:00', '2026-11-20 16:00');
    await sweep('2026-11-24 16:05');
    f.t.clock.set(et('2026-11-24 16:10'));
    const res = await f.reply(f.asker, id, 'Sorry, I was away. It still does not work.');
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'locked');
    assert.equal((await f.thread(id)).status, 'locked');
    assert.equal(await f.models.Reply.countDocuments({ threadId: new Types.ObjectId(id), system: false }), 1);
  });

  for (const [when, at] of [
    ['on a Saturday', '2026-11-28 12:00'],
    ['at 18:00 on a weekday', '2026-11-24 18:00'],
    ['on Thanksgiving', '2026-11-26 12:00'],
    ['one minute before opening', '2026-11-30 07:29'],
  ] as const) {
    it(`does nothing while support is closed (${when}), even for overdue threads`, async () => {
      const id = await awaitingThread(f, '2026-11-17 09:00', '2026-11-17 10:00'); // due Thu 11-19 10:00
      const result = await sweep(at);
      assert.equal(result.skipped, 'closed');
      assert.deepEqual(result.locked, []);
      assert.equal((await f.thread(id)).status, 'awaiting_asker');
      assert.equal(await f.systemNotes(id), 0);
      // ...and locks it at the next sweep while open.
      assert.ok((await locked(sweep('2026-11-30 07:30'))).includes(id));
    });
  }

  it('two sweeps at once (two processes) lock each thread once and write one note', async () => {
    const ids = [
      await awaitingThread(f, '2026-12-01 09:00', '2026-12-01 10:00'),
      await awaitingThread(f, '2026-12-01 09:00', '2026-12-01 10:30'),
      await awaitingThread(f, '2026-12-01 09:00', '2026-12-01 11:00'),
    ];
    const [a, b] = await Promise.all([sweep('2026-12-03 12:00'), sweep('2026-12-03 12:00')]);
    const all = [...a.locked, ...b.locked].map((l) => l.threadId).filter((id) => ids.includes(id));
    assert.deepEqual([...all].sort(), [...ids].sort(), 'each thread reported by exactly one sweep');
    for (const id of ids) {
      assert.equal((await f.thread(id)).status, 'locked');
      assert.equal(await f.systemNotes(id), 1);
      assert.equal(await f.models.Notification.countDocuments({ threadId: new Types.ObjectId(id), kind: 'thread_locked' }), 1);
    }
    // Running it again changes nothing.
    assert.deepEqual(
      (await locked(sweep('2026-12-03 12:05'))).filter((id) => ids.includes(id)),
      [],
    );
  });

  it('a reply racing the lock is either stored before it or refused with 409, never half-stored', async () => {
    for (let i = 0; i < 6; i++) {
      const id = await awaitingThread(f, '2026-12-07 09:00', '2026-12-07 10:00'); // due Wed 12-09 10:00
      f.t.clock.set(et('2026-12-09 10:00'));
      const [res, result] = await Promise.all([
        f.reply(f.asker, id, 'Here is the information you asked for.'),
        f.lockSweep({ now: et('2026-12-09 10:00') }),
      ]);
      const t = await f.thread(id);
      const askerReplies = await f.models.Reply.countDocuments({
        threadId: new Types.ObjectId(id),
        author: new Types.ObjectId(f.asker.user.id),
      });
      const wasLocked = result.locked.some((l) => l.threadId === id);
      if (res.status === 201) {
        assert.equal(wasLocked, false, 'the reply landed first, so the sweep found nothing to lock');
        assert.equal(t.status, 'open');
        assert.equal(askerReplies, 1);
        assert.equal(await f.systemNotes(id), 0);
      } else {
        assert.equal(res.status, 409, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'locked');
        assert.equal(wasLocked, true);
        assert.equal(t.status, 'locked');
        assert.equal(askerReplies, 0, 'nothing stored');
        assert.equal(await f.systemNotes(id), 1);
      }
      assert.equal(t.replyCount, await f.models.Reply.countDocuments({ threadId: new Types.ObjectId(id) }));
    }
  });

  it('catches up after downtime: every overdue thread locks in one sweep', async () => {
    const ids = [
      await awaitingThread(f, '2026-12-14 08:00', '2026-12-14 09:00'), // due Wed 12-16 09:00
      await awaitingThread(f, '2026-12-14 08:00', '2026-12-15 14:00'), // due Thu 12-17 14:00
      await awaitingThread(f, '2026-12-14 08:00', '2026-12-16 17:00'), // due Fri 12-18 17:00
    ];
    const notYet = await awaitingThread(f, '2026-12-14 08:00', '2026-12-21 08:00'); // due Wed 12-23 08:00
    // The app was down from Monday to the next Tuesday; the start-up sweep catches up.
    const result = await f.lockSweep({ now: et('2026-12-22 09:00'), batchSize: 2 });
    const mine = result.locked.filter((l) => ids.includes(l.threadId));
    assert.deepEqual(
      mine.map((l) => l.threadId),
      ids,
      'in deadline order',
    );
    for (const id of ids) assert.equal((await f.thread(id)).status, 'locked');
    assert.equal((await f.thread(notYet)).status, 'awaiting_asker');
  });

  it('a dry run lists the due threads and changes nothing', async () => {
    const id = await awaitingThread(f, '2027-01-04 08:00', '2027-01-04 09:00'); // due Wed 01-06 09:00
    const result = await f.lockSweep({ now: et('2027-01-06 09:30'), dryRun: true, batchSize: 1 });
    assert.ok(result.locked.some((l) => l.threadId === id));
    assert.equal((await f.thread(id)).status, 'awaiting_asker');
    assert.equal(await f.systemNotes(id), 0);
  });

  it('answered threads never lock', async () => {
    const id = await awaitingThread(f, '2027-01-11 08:00', '2027-01-11 09:00');
    const replies = (await f.asker.agent.get(`/api/threads/${id}`).expect(200)).body.replies;
    f.t.clock.set(et('2027-01-11 10:00'));
    await f.asker.agent.post(`/api/threads/${id}/accept`).set('X-CSRF-Token', f.asker.csrf).send({ replyId: replies[0].id }).expect(200);
    assert.ok(!(await locked(sweep('2027-01-20 12:00'))).includes(id));
    assert.equal((await f.thread(id)).status, 'answered');
  });

  it('reminds the asker once, one business day before the deadline', async () => {
    const id = await awaitingThread(f, '2027-02-01 08:00', '2027-02-01 10:00'); // due Wed 02-03 10:00, remind Tue 10:00
    const remind = (at: string) => f.reminderSweep({ now: et(at) });
    const sent = async (r: ReturnType<typeof remind>) => (await r).reminded.map((x) => x.threadId).filter((x) => x === id);
    assert.deepEqual(await sent(remind('2027-02-02 09:59')), []);
    const [a, b] = await Promise.all([remind('2027-02-02 10:00'), remind('2027-02-02 10:00')]);
    assert.equal([...a.reminded, ...b.reminded].filter((x) => x.threadId === id).length, 1);
    assert.deepEqual(await sent(remind('2027-02-02 10:05')), []);

    const n = await f.models.Notification.find({ threadId: new Types.ObjectId(id), kind: 'lock_reminder' }).lean();
    assert.equal(n.length, 1);
    assert.equal(String(n[0]!.userId), f.asker.user.id);
    assert.match(n[0]!.text, /will close on Wednesday, February 3, 2027 at 10:00 AM ET unless you reply/);
    const t = await f.thread(id);
    assert.equal(local(t.reminderSentAt), '2027-02-02 10:00');

    // A new moderator reply starts a new wait, with a new reminder.
    f.t.clock.set(et('2027-02-02 11:00'));
    assert.equal((await f.reply(f.mod, id, 'One more thing: which edition?')).status, 201);
    assert.equal((await f.thread(id)).reminderSentAt, undefined);
    assert.deepEqual(await sent(remind('2027-02-03 11:00')), [id]);
  });

  it('registers the lock sweep and the secure-field purge; the job runs reminders and locks with the injected clock', async () => {
    // The forum registers its jobs at start (tests start none): the same registry main.ts runs.
    const { jobs } = f.t.services;
    assert.deepEqual(jobs.names().sort(), ['lock-sweep', 'mail-digest', 'mail-send', 'secure-field-purge']);
    const id = await awaitingThread(f, '2027-03-01 08:00', '2027-03-01 09:00'); // due Wed 03-03 09:00
    f.t.clock.set(et('2027-03-03 09:00'));
    const result = (await jobs.runNow('lock-sweep')) as { locked: number; skipped: string | null };
    assert.equal(result.skipped, null);
    assert.ok(result.locked >= 1);
    assert.equal((await f.thread(id)).status, 'locked');
    const purge = await jobs.runNow('secure-field-purge');
    assert.ok(purge && typeof purge === 'object');
  });
});
