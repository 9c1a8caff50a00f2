import assert from 'node:assert/strict';
import { FakeClock } from '../../../server/kernel/clock';
import { oid, type Person } from '../../helpers/kit';
import { startMailWorld, type MailWorld } from './mail-world';

/**
 * The daily digest: events a person chose to get "in a daily summary" are collected per local
 * day in the person's time zone and sent as one mail at 07:00 the next local day; the job is
 * idempotent (one mail per person and day, however often it runs).
 */
describe('notifications: the daily digest collects a day of events', function () {
  let w: MailWorld;
  let asker: Person;
  let mod: Person;
  let reader: Person;
  const clock = new FakeClock('2026-11-18T07:00:00Z');

  before(async () => {
    w = await startMailWorld({ clock });
    asker = await w.forum.person('member', { name: 'asker', verified: true });
    mod = await w.forum.person('moderator', { name: 'mod', verified: true });
    reader = await w.forum.person('member', { name: 'reader', displayName: 'Reader', verified: true });
    // The reader lives in Berlin (UTC+1 in November); watched replies and answers go to the digest (the default).
    await reader.patch('/api/account', { timeZone: 'Europe/Berlin' }).expect(200);
    await w.deliver();
  });
  after(async () => {
    await w?.close();
  });

  const digests = (mails: Awaited<ReturnType<MailWorld['deliver']>>) =>
    mails.filter((m) => m.envelope.to.includes(`${reader.user.username}@example.test`));

  it('one mail at 07:00 the next local day, with each thread and how many events', async () => {
    clock.set('2026-11-18T08:00:00Z'); // 09:00 in Berlin, Wednesday
    const printer = await asker.ask({ title: 'Printer prints blank pages' });
    const scanner = await asker.ask({ title: 'Scanner is not detected' });
    await reader.post(`/api/threads/${printer.id}/watch`, { level: 'watching' }).expect(200);
    await reader.post(`/api/threads/${scanner.id}/same-question`).expect(200); // watches too
    await mod.reply(printer.id, 'Check the ink cartridges first, please.');
    clock.set('2026-11-18T14:00:00Z');
    await mod.reply(printer.id, 'Also run the nozzle check from the menu.');
    const answer = await mod.reply(scanner.id, 'Install the 5.1 driver from our download page.');
    await asker.post(`/api/threads/${scanner.id}/accept`, { replyId: answer.id }).expect(200);
    clock.set('2026-11-18T22:30:00Z'); // 23:30 in Berlin: still Wednesday there
    await mod.reply(printer.id, 'And clean the print head twice.');
    clock.set('2026-11-18T23:30:00Z'); // 00:30 Thursday in Berlin (still Wednesday in New York)
    await mod.reply(printer.id, 'A new firmware is out, too.');
    assert.equal(digests(await w.deliver()).length, 0, 'nothing is mailed at once');

    clock.set('2026-11-19T05:59:00Z'); // 06:59 in Berlin
    assert.equal((await w.forum.services.notifications.sendDigests()).queued, 0);
    assert.equal(digests(await w.deliver()).length, 0);

    clock.set('2026-11-19T06:05:00Z'); // the hourly job after 07:00 in Berlin
    await w.forum.services.jobs.runNow('mail-digest');
    const [digest, ...more] = digests(await w.deliver());
    assert.equal(more.length, 0);
    assert.ok(digest, 'the digest arrived');
    assert.equal(digest.parsed.subject, '[Support Community] Your daily summary: 5 updates');
    const text = digest.parsed.text!;
    // Times in the reader's own zone.
    assert.match(text, /3 new replies: "Printer prints blank pages" \(latest Wednesday, November 18 at 11:30 PM GMT\+1\)/);
    assert.match(text, /New reply: "Scanner is not detected"/);
    assert.match(text, /An answer was accepted: "Scanner is not detected"/);
    assert.ok(!text.includes('A new firmware is out'), 'no reply text in the digest');
    assert.match(String(digest.raw), /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
    // Thursday's reply waits for Thursday's digest.
    const left = await w.forum
      .col('digest_entries')
      .find({ userId: oid(reader.user.id) })
      .toArray();
    assert.deepEqual(
      left.map((e) => [e.day, e.kind, e.count]),
      [['2026-11-19', 'watched_reply', 1]],
    );
    assert.equal(left[0]!.dueAt.toISOString(), '2026-11-20T06:00:00.000Z');

    // Running again sends nothing new.
    await w.forum.services.jobs.runNow('mail-digest');
    assert.equal(digests(await w.deliver()).length, 0);
    assert.equal(await w.forum.col('outbound_mail').countDocuments({ userId: oid(reader.user.id), kind: 'digest' }), 1);
  });

  it('reads the choices again at send time: a kind switched off is left out, nothing left means no mail', async () => {
    await reader.patch('/api/account', { notifications: { watched_reply: 'off' } }).expect(200);
    clock.set('2026-11-20T06:05:00Z');
    const r = await w.forum.services.notifications.sendDigests();
    assert.ok(r.dropped >= 1, JSON.stringify(r));
    assert.equal(await w.forum.col('outbound_mail').countDocuments({ userId: oid(reader.user.id), kind: 'digest' }), 1);
    assert.equal(await w.forum.col('digest_entries').countDocuments({ userId: oid(reader.user.id) }), 0);
    assert.equal(digests(await w.deliver()).length, 0);
  });
});
