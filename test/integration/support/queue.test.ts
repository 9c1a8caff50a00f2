import assert from 'node:assert/strict';
import { awaitingThread, et, startSupportForum, type Forum } from './helpers';

/** The moderator queue: /support/queue and GET /api/support/queue. */
describe('support lifecycle: the moderator queue', function () {
  let f: Forum;
  const ids: Record<string, string> = {};
  before(async () => {
    f = await startSupportForum();
    // Awaiting support, asked at different times: targets one business day later.
    f.t.clock.set(et('2026-11-16 09:00'));
    ids.oldest = await f.ask(f.asker, 'Oldest question, overdue by now');
    f.t.clock.set(et('2026-11-17 08:00'));
    ids.middle = await f.ask(f.asker, 'Middle question, overdue a little');
    f.t.clock.set(et('2026-11-17 14:00'));
    ids.newest = await f.ask(f.asker, 'Newest question, due tomorrow');
    // Awaiting the asker.
    ids.closesLater = await awaitingThread(f, '2026-11-16 08:00', '2026-11-17 11:00', 'Waiting on the asker, closes later');
    ids.closesSooner = await awaitingThread(f, '2026-11-16 08:00', '2026-11-16 15:00', 'Waiting on the asker, closes sooner');
    // Answered threads are in neither list.
    ids.answered = await awaitingThread(f, '2026-11-16 08:00', '2026-11-16 09:00', 'Answered question is not listed');
    const replies = (await f.asker.agent.get(`/api/threads/${ids.answered}`).expect(200)).body.replies;
    await f.asker.agent
      .post(`/api/threads/${ids.answered}/accept`)
      .set('X-CSRF-Token', f.asker.csrf)
      .send({ replyId: replies[0].id })
      .expect(200);
  });
  after(async () => {
    await f?.close();
  });

  it('lists threads awaiting support by first-response target, with business-time badges', async () => {
    f.t.clock.set(et('2026-11-18 10:00'));
    const res = await f.mod.agent.get('/api/support/queue').expect(200);
    const open = res.body.awaitingSupport.items;
    assert.deepEqual(
      open.map((i: { id: string }) => i.id),
      [ids.oldest, ids.middle, ids.newest],
    );
    assert.equal(res.body.awaitingSupport.total, 3);
    // oldest: due Tue 11-17 09:00; now Wed 10:00 -> 8h30m left Tue + 2h30m Wed = 11h = 1d 1h overdue.
    assert.equal(open[0].badge, 'overdue by 1d 1h');
    assert.equal(open[0].overdue, true);
    // middle: due Wed 11-18 08:00 -> 2h overdue.
    assert.equal(open[1].badge, 'overdue by 2h');
    // newest: due Wed 11-18 14:00 -> 4h of business time left.
    assert.equal(open[2].badge, 'due in 4h business time');
    assert.equal(open[2].businessMinutesLeft, 240);
    assert.equal(open[2].dueLocal, 'Wednesday, November 18, 2026 at 2:00 PM ET');
  });

  it('lists threads awaiting the asker by lock deadline, with "closes in" badges', async () => {
    f.t.clock.set(et('2026-11-18 10:00'));
    const res = await f.mod.agent.get('/api/support/queue').expect(200);
    const waiting = res.body.awaitingAsker.items;
    assert.deepEqual(
      waiting.map((i: { id: string }) => i.id),
      [ids.closesSooner, ids.closesLater],
    );
    // sooner: due Wed 11-18 15:00 -> 5h; later: due Thu 11-19 11:00 -> 7h30m Wed + 3h30m Thu = 11h.
    assert.equal(waiting[0].badge, 'closes in 5h business time');
    assert.equal(waiting[1].badge, 'closes in 1d 1h business time');
  });

  it('counts business time only: over a weekend the badge does not move', async () => {
    f.t.clock.set(et('2026-11-21 12:00')); // Saturday
    const sat = (await f.mod.agent.get('/api/support/queue').expect(200)).body;
    f.t.clock.set(et('2026-11-23 07:30')); // Monday opening
    const mon = (await f.mod.agent.get('/api/support/queue').expect(200)).body;
    assert.equal(sat.awaitingSupport.items[2].badge, mon.awaitingSupport.items[2].badge);
  });

  it('renders the queue page for staff', async () => {
    f.t.clock.set(et('2026-11-18 10:00'));
    const res = await f.mod.agent.get('/support/queue').expect(200);
    assert.match(res.text, /Awaiting support/);
    assert.match(res.text, /Awaiting the asker/);
    assert.match(res.text, /overdue by 1d 1h/);
    assert.match(res.text, /closes in 5h business time/);
    assert.ok(res.text.indexOf('Oldest question') < res.text.indexOf('Newest question'));
  });

  it('is for staff only: members are refused, anonymous readers must sign in', async () => {
    const member = await f.asker.agent.get('/api/support/queue');
    assert.equal(member.status, 403);
    assert.equal(member.body.error.code, 'forbidden');
    assert.equal((await f.asker.agent.get('/support/queue')).status, 403);
    assert.equal((await f.t.agent().get('/api/support/queue')).status, 401);
  });

  it('admins see it too', async () => {
    const admin = await f.t.person('admin');
    await admin.get('/api/support/queue').expect(200);
  });

  it('pages by 50', async () => {
    f.t.clock.set(et('2026-11-19 09:00'));
    for (let i = 0; i < 50; i++) await f.ask(f.other, `Bulk question number ${i} for paging`);
    const first = (await f.mod.agent.get('/api/support/queue').expect(200)).body.awaitingSupport;
    assert.equal(first.items.length, 50);
    assert.equal(first.total, 53);
    assert.equal(first.hasMore, true);
    const second = (await f.mod.agent.get('/api/support/queue?page=2').expect(200)).body.awaitingSupport;
    assert.equal(second.items.length, 3);
    assert.equal(second.hasMore, false);
    const seen = new Set([...first.items, ...second.items].map((i: { id: string }) => i.id));
    assert.equal(seen.size, 53);
    assert.equal((await f.mod.agent.get('/api/support/queue?page=abc')).status, 400);
  });
});
