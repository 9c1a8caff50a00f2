import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { FakeClock } from '../../../server/kernel/clock';
import { oid, type Person } from '../../helpers/kit';
import { linkIn, pathOf, startMailWorld, type MailWorld } from './mail-world';

/** 'YYYY-MM-DD HH:mm' New York local time -> instant. */
const et = (local: string) => DateTime.fromFormat(local, 'yyyy-MM-dd HH:mm', { zone: 'America/New_York' }).toJSDate();

/**
 * The close reminder by e-mail (docs/support-policy.md: one business day before the lock),
 * with the closing time in the support calendar's zone (EST in winter, EDT in summer), from the
 * scheduled job and from the `lock-sweep` CLI; and the lock notice by e-mail.
 */
describe('notifications: the close reminder and the lock notice by e-mail', function () {
  let w: MailWorld;
  let asker: Person;
  let mod: Person;
  const clock = new FakeClock();

  before(async () => {
    w = await startMailWorld({ clock });
    asker = await w.forum.person('member', { name: 'asker', verified: true });
    mod = await w.forum.person('moderator', { name: 'mod', verified: true });
    await w.deliver();
  });
  after(async () => {
    await w?.close();
  });

  /** A question answered by a moderator at `replyAt` (New York time): the lock clock starts. */
  async function awaiting(title: string, replyAt: string): Promise<string> {
    clock.set(et(replyAt));
    const thread = await asker.ask({ title });
    await mod.reply(thread.id, 'Which version of the installer do you use? Please tell us here.');
    await w.deliver(); // the "Support replied" mail
    return thread.id;
  }
  const toAsker = (mails: Awaited<ReturnType<MailWorld['deliver']>>) =>
    mails.filter((m) => m.envelope.to.includes(`${asker.user.username}@example.test`));

  it('arrives one business day before the lock, says when in Eastern time (EST), and links to the thread', async () => {
    const id = await awaiting('Installer stops at 99 percent', '2026-11-17 10:00'); // Tue; locks Thu 11-19 10:00
    const stored = await w.forum.col('threads').findOne({ _id: oid(id) });
    assert.equal(stored!.lockDueAt.toISOString(), et('2026-11-19 10:00').toISOString());

    clock.set(et('2026-11-18 09:59'));
    await w.forum.services.jobs.runNow('lock-sweep');
    assert.equal(toAsker(await w.deliver()).length, 0, 'not a minute early');

    clock.set(et('2026-11-18 10:00'));
    const result = (await w.forum.services.jobs.runNow('lock-sweep')) as { reminded: number };
    assert.equal(result.reminded, 1);
    const [mail] = toAsker(await w.deliver());
    assert.ok(mail, 'the reminder arrived');
    assert.equal(
      mail.parsed.subject,
      '[Support Community] Reply by Thursday, November 19 at 10:00 AM EST or "Installer stops at 99 percent" will close',
    );
    assert.match(mail.parsed.text!, /This thread will close on Thursday, November 19 at 10:00 AM EST unless you reply\./);
    assert.equal(pathOf(linkIn(mail.parsed, `/threads/${id}`)), `/threads/${id}`);
    // In-app too, and only once however often the sweep runs.
    await w.forum.services.jobs.runNow('lock-sweep');
    assert.equal(toAsker(await w.deliver()).length, 0);
    assert.equal(await w.forum.col('notifications').countDocuments({ userId: oid(asker.user.id), kind: 'lock_reminder' }), 1);

    // The lock itself, at the deadline: the lock notice by e-mail.
    clock.set(et('2026-11-19 10:00'));
    await w.forum.services.jobs.runNow('lock-sweep');
    const [locked] = toAsker(await w.deliver());
    assert.equal(locked!.parsed.subject, '[Support Community] "Installer stops at 99 percent" was closed');
    assert.match(locked!.parsed.text!, /closed and locked after 2 business days without a response/);
  });

  it('says EDT after the switch to daylight saving time', async () => {
    const id = await awaiting('Driver update fails on reboot', '2026-03-06 09:00'); // Fri EST; locks Tue 03-10 09:00 EDT
    clock.set(et('2026-03-09 09:00'));
    await w.forum.services.jobs.runNow('lock-sweep');
    const [mail] = toAsker(await w.deliver());
    assert.match(mail!.parsed.text!, /This thread will close on Tuesday, March 10 at 9:00 AM EDT unless you reply\./);
    assert.ok(mail!.parsed.text!.includes(`/threads/${id}`));
    // The asker answers: the clock stops, nothing more is due on this thread.
    await asker.reply(id, 'Version 3.2 of the installer, downloaded yesterday.');
    assert.equal((await w.forum.col('threads').findOne({ _id: oid(id) }))!.lockDueAt, undefined);
  });

  it('the lock-sweep CLI prints the reminders it sends and sends their mail', async () => {
    const id = await awaiting('Touchpad gestures stopped working', '2026-12-01 14:00'); // Tue; locks Thu 12-03 14:00
    const dry = await w.forum.cli('lock-sweep', ['--now', '2026-12-02T14:00', '--dry-run']);
    assert.equal(dry.code, 0, dry.err.join('\n'));
    assert.match(dry.out.join('\n'), new RegExp(`would remind  ${id}  closes Thursday, December 3, 2026 at 2:00 PM ET`));
    assert.equal(toAsker(await w.deliver()).length, 0, 'a dry run sends nothing');

    const run = await w.forum.cli('lock-sweep', ['--now', '2026-12-02T14:00']);
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.match(
      run.out.join('\n'),
      new RegExp(`reminded  ${id}  closes Thursday, December 3, 2026 at 2:00 PM ET  "Touchpad gestures stopped working"`),
    );
    assert.ok(run.out.includes('Sent 1 close reminder.'), run.out.join('\n'));
    assert.ok(run.out.includes('Sent 1 e-mail.'), run.out.join('\n'));
    // The CLI sent it already: it is in the SMTP server, not waiting in the outbox.
    const inSink = w
      .mailsTo(`${asker.user.username}@example.test`)
      .filter((m) => /Touchpad gestures stopped working" will close/.test(m.parsed.subject!));
    assert.equal(inSink.length, 1);
    assert.match(inSink[0]!.parsed.text!, /Thursday, December 3 at 2:00 PM EST/);
  });
});
