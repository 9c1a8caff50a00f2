import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { createServices, type Services } from '../../../server/compose';
import { testConfig } from '../../../server/config';
import { startTestDatabase } from '../../../server/db/connect';
import type { Actor } from '../../../server/kernel/actor';
import { FakeClock } from '../../../server/kernel/clock';
import { createLogger } from '../../../server/kernel/logger';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink';

/**
 * Two forum processes on one database (two composition roots, two connections, two outbox
 * workers) send each mail once: the outbox's claims are conditional single-document updates,
 * its keys are unique per person, and the digest job's keys too.
 */
describe('notifications: two forums on one database send one mail each', function () {
  let db: Awaited<ReturnType<typeof startTestDatabase>>;
  let second: Connection;
  let sink: SmtpSink;
  let a: Services;
  let b: Services;
  let dataDir: string;
  const clock = new FakeClock('2026-11-17T15:00:00Z');
  const people: Actor[] = [];
  let mod: Actor;

  before(async () => {
    db = await startTestDatabase();
    second = await mongoose.createConnection(db.uri).asPromise();
    sink = await startSmtpSink();
    dataDir = mkdtempSync(path.join(tmpdir(), 'forum-two-'));
    const config = testConfig({ SMTP_URL: `smtp://127.0.0.1:${sink.port}`, PUBLIC_URL: 'https://forum.example.test', DATA_DIR: dataDir });
    const logger = createLogger('silent');
    a = createServices({ config, clock, logger, db: db.connection });
    b = createServices({ config, clock, logger, db: second });
    await a.start({ jobs: false, demo: false });
    await b.start({ jobs: false, demo: false });
    for (let i = 0; i < 12; i++) {
      const u = await a.auth.register({ username: `member${i}`, email: `member${i}@example.test`, password: 'a long enough password' });
      await a.auth.confirmEmail(u.id, `member${i}@example.test`);
      people.push(u);
    }
    // Made a moderator at once, the way an administrator does (reserved words are for staff).
    const m = await a.auth.register({ username: 'mod', email: 'mod@example.test', password: 'a long enough password' }, { trusted: true });
    mod = await a.auth.setRole(m.username, 'moderator');
    await a.auth.confirmEmail(mod.id, 'mod@example.test');
    await a.accounts.idle();
    // The verification mails from registration, sent by both at once.
    await Promise.all([a.notifications.sendMail(), b.notifications.sendMail()]);
    sink.received.length = 0;
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await second?.close();
    await db?.close();
    await sink?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('mail queued by one forum and sent by both workers at once arrives once per person', async () => {
    const [product] = await a.threads.products.list();
    for (const p of people) {
      const thread = await a.threads.createThread(p, {
        title: `Question from ${p.username} about sync`,
        body: 'Sync stops after a minute.',
        products: [product!.id],
      });
      await a.threads.createReply(mod, thread.id, { body: 'Please send us the log file from the settings page.' });
    }
    assert.equal(await a.db.collection('outbound_mail').countDocuments({ status: 'queued', kind: 'support_reply' }), people.length);
    const [ra, rb] = await Promise.all([a.notifications.sendMail(), b.notifications.sendMail()]);
    assert.equal(ra.sent + rb.sent, people.length, JSON.stringify({ ra, rb }));
    assert.equal(sink.received.length, people.length);
    const to = sink.received.map((m) => m.envelope.to[0]).sort();
    assert.deepEqual(to, people.map((p) => `${p.username}@example.test`).sort());
    assert.equal(await a.db.collection('outbound_mail').countDocuments({ kind: 'support_reply', status: 'sent' }), people.length);
  });

  it('the same event told by both forums queues one mail (keyed by the event)', async () => {
    sink.received.length = 0;
    const who = people[0]!;
    const input = {
      kind: 'thread_unlocked' as const,
      text: 'Your question was reopened by support.',
      eventId: 'unlock:same-event',
    };
    await Promise.all([a.notifications.notify(who.id, input), b.notifications.notify(who.id, input)]);
    await Promise.all([a.notifications.sendMail(), b.notifications.sendMail()]);
    assert.equal(await a.db.collection('outbound_mail').countDocuments({ key: 'notification:thread_unlocked:unlock:same-event' }), 0);
    // thread_unlocked goes to the digest by default: switch to immediately and tell again.
    await a.notifications.preferences.set(who.id, { thread_unlocked: 'immediately' });
    await Promise.all([
      a.notifications.notify(who.id, { ...input, eventId: 'unlock:second' }),
      b.notifications.notify(who.id, { ...input, eventId: 'unlock:second' }),
    ]);
    await Promise.all([a.notifications.sendMail(), b.notifications.sendMail()]);
    assert.equal(await a.db.collection('outbound_mail').countDocuments({ key: 'notification:thread_unlocked:unlock:second' }), 1);
    assert.equal(sink.received.length, 1);
  });

  it('both forums running the digest job at once queue one digest per person', async () => {
    sink.received.length = 0;
    await a.notifications.preferences.set(people[0]!.id, { thread_unlocked: 'digest' });
    clock.set('2026-11-18T13:00:00Z'); // after 07:00 New York the next day
    const [da, dbr] = await Promise.all([a.notifications.sendDigests(), b.notifications.sendDigests()]);
    const digests = await a.db.collection('outbound_mail').countDocuments({ kind: 'digest' });
    assert.equal(digests, 1, 'the first person had a digest (the unlock notices of the day before)');
    assert.equal(da.queued + dbr.queued, digests);
    await Promise.all([a.notifications.sendMail(), b.notifications.sendMail()]);
    const perPerson = new Map<string, number>();
    for (const m of sink.received.filter((x) => /daily summary/.test(x.parsed.subject!))) {
      perPerson.set(m.envelope.to[0]!, (perPerson.get(m.envelope.to[0]!) ?? 0) + 1);
    }
    assert.ok(
      [...perPerson.values()].every((n) => n === 1),
      JSON.stringify([...perPerson]),
    );
    assert.equal(await a.db.collection('digest_entries').countDocuments({}), 0);
  });
});
