import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';
import pino from 'pino';
import { simpleParser } from 'mailparser';
import { startTestDatabase } from '../../../server/db/connect';
import { FakeClock } from '../../../server/kernel/clock';
import { createLogger, REDACT_PATHS } from '../../../server/kernel/logger';
import {
  bindMailModels,
  createFileTransport,
  createMailer,
  createMailLinks,
  createMailRenderer,
  createMailTokens,
  createSmtpTransport,
  parseSmtpUrl,
  type MailModels,
  type MailTransport,
  type Mailer,
  type OutboxOptions,
  type Recipient,
} from '../../../server/mail';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink';

const DOMAIN = 'forum.example.test';
const INBOUND = 'reply.example.test';
const ann: Recipient = { userId: '65f0c0ffee0000000000a001', email: 'ann@example.test', displayName: 'Ann' };
const thread = { id: '65f0c0ffee0000000000b001', title: 'Printer jams on page 2' };
const reply = { id: '65f0c0ffee0000000000c001', authorName: 'Sam', text: 'Open the rear tray and pull gently.' };
const settings = {
  from: '"Support Community" <no-reply@forum.example.test>',
  messageIdDomain: DOMAIN,
  inbound: { host: '127.0.0.1', port: 0, domain: INBOUND, maxBytes: 1 << 20, tls: null },
  timeZone: 'America/New_York',
};
const tokens = createMailTokens('outbox-test-secret-of-at-least-32-chars');
const links = createMailLinks(`https://${DOMAIN}`);
const renderer = createMailRenderer({ forumName: 'Support Community', links, timeZone: settings.timeZone });

function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, logger: pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined }, stream) };
}

describe('mail outbox (real SMTP server, embedded database)', function () {
  let db: { uri: string; close(): Promise<void> };
  let models: MailModels;
  let clock: FakeClock;
  const open: { close(): unknown }[] = [];

  function mailer(transport: MailTransport, options: OutboxOptions = {}, m = models, logger = createLogger('silent')): Mailer {
    open.push(transport);
    const made = createMailer({
      model: m.outboundMail,
      transport,
      renderer,
      tokens,
      links,
      clock,
      logger,
      settings,
      options: { random: () => 0.5, ...options },
    });
    open.push(made);
    return made;
  }
  const smtp = (sink: SmtpSink) => createSmtpTransport({ host: '127.0.0.1', port: sink.port, secure: false, auth: null });
  const enqueueReply = (m: Mailer, key = 'notification:1', who = ann) =>
    m.enqueue({ key, recipient: who, mail: { kind: 'support_reply', thread, reply } });

  before(async () => {
    db = await startTestDatabase();
    models = bindMailModels();
    await Promise.all([models.outboundMail.init(), models.accountToken.init()]);
  });
  beforeEach(async () => {
    clock = new FakeClock('2026-11-17T15:00:00Z');
    await models.outboundMail.deleteMany({});
  });
  /** Mailers and their pooled SMTP connections first, so the sink's close() has no client to wait for. */
  async function closeOpen() {
    for (const o of open.splice(0)) await o.close();
  }
  afterEach(closeOpen);
  after(() => db.close());

  it('sends a queued mail with threading, unsubscribe, auto-submitted and reply-to headers', async () => {
    const sink = await startSmtpSink();
    try {
      const m = mailer(smtp(sink));
      const { id, created } = await enqueueReply(m);
      assert.equal(created, true);
      assert.deepEqual(await m.sendDue(), { sent: 1, retried: 0, failed: 0 });
      assert.equal(sink.received.length, 1);
      const { parsed, envelope } = sink.received[0];
      const h = parsed.headers;
      assert.deepEqual(envelope.to, ['ann@example.test']);
      assert.equal(parsed.subject, '[Support Community] Printer jams on page 2');
      assert.equal(parsed.messageId, `<support_reply.${id}@${DOMAIN}>`);
      assert.equal(parsed.inReplyTo, `<thread.${thread.id}@${DOMAIN}>`);
      assert.equal(parsed.references, `<thread.${thread.id}@${DOMAIN}>`);
      assert.equal(h.get('auto-submitted'), 'auto-generated');
      const fields = (name: string) => parsed.headerLines.filter((l) => l.key === name).map((l) => l.line.replace(/\r?\n\s+/g, ' '));
      assert.deepEqual(fields('list-unsubscribe-post'), ['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
      const unsubscribeFields = fields('list-unsubscribe');
      assert.equal(unsubscribeFields.length, 1, 'one List-Unsubscribe field (RFC 2369)');
      const listUnsubscribe = unsubscribeFields[0];
      const urls = [...listUnsubscribe.matchAll(/<([^>]+)>/g)].map((x) => x[1]);
      assert.equal(urls.length, 2, listUnsubscribe);
      assert.match(urls[0], new RegExp(`^https://${DOMAIN}/unsubscribe/`));
      assert.deepEqual(tokens.verifyUnsubscribeToken(urls[0].split('/').pop()!), { userId: ann.userId, kind: 'support_reply' });
      assert.match(
        urls[1],
        new RegExp(`^mailto:u\\+[a-z2-7.]+[a-z_]+\\.[a-z2-7]+@${INBOUND.replace(/\./g, '\\.')}\\?subject=unsubscribe$`),
      );
      const replyTo = (parsed.replyTo!.value[0].address ?? '').toLowerCase();
      assert.deepEqual(tokens.parseRecipient(replyTo, INBOUND), { type: 'reply', threadId: thread.id, userId: ann.userId });
      assert.ok(parsed.text!.includes('Open the rear tray and pull gently.'));
      assert.ok(parsed.text!.startsWith('## Reply above this line'));
      assert.ok(String(parsed.html).includes('Open the rear tray and pull gently.'));

      const doc = await models.outboundMail.findById(id).lean();
      assert.equal(doc!.status, 'sent');
      assert.equal(doc!.attempts, 1);
      assert.equal(doc!.dueAt, undefined);
      assert.equal(doc!.text, undefined, 'body is not kept after sending');
      assert.equal(doc!.sentAt!.getTime(), clock.now().getTime());
      const stats = await m.stats();
      assert.deepEqual(
        { ...stats, recentFailures: stats.recentFailures.length },
        { queued: 0, sending: 0, failed: 0, sentToday: 1, due: 0, recentFailures: 0 },
      );
    } finally {
      await closeOpen();
      await sink.close();
    }
  });

  it('enqueue is idempotent per (user, key): a retried caller sends one mail', async () => {
    const sink = await startSmtpSink();
    try {
      const m = mailer(smtp(sink));
      const [a, b] = await Promise.all([enqueueReply(m), enqueueReply(m)]);
      const c = await enqueueReply(m);
      assert.equal(a.id, b.id);
      assert.equal(a.id, c.id);
      assert.deepEqual([a.created, b.created, c.created].filter(Boolean).length, 1);
      await enqueueReply(m, 'notification:1', { ...ann, userId: '65f0c0ffee0000000000a002' });
      assert.equal(await models.outboundMail.countDocuments({}), 2, 'same key, another person: another mail');
      await m.sendDue();
      await m.sendDue();
      assert.equal(sink.received.length, 2);
    } finally {
      await closeOpen();
      await sink.close();
    }
  });

  it('retries a 4xx refusal with exponential backoff (injected clock), then sends once', async () => {
    const sink = await startSmtpSink({ answer: (n) => (n <= 2 ? { code: 451, message: '4.3.0 Try again later' } : null) });
    try {
      const m = mailer(smtp(sink), { baseDelayMs: 60_000, maxDelayMs: 3_600_000, random: () => 0.5 });
      const { id } = await enqueueReply(m);
      const t0 = clock.now().getTime();
      assert.deepEqual(await m.sendDue(), { sent: 0, retried: 1, failed: 0 });
      let doc = (await models.outboundMail.findById(id).lean())!;
      assert.equal(doc.status, 'queued');
      assert.match(doc.lastError!, /^451 /);
      // Equal jitter over 60 s with random 0.5: 30 s + 15 s.
      assert.equal(doc.dueAt!.getTime() - t0, 45_000);

      assert.deepEqual(await m.sendDue(), { sent: 0, retried: 0, failed: 0 }, 'not due yet');
      clock.advance(44_999);
      assert.deepEqual(await m.sendDue(), { sent: 0, retried: 0, failed: 0 }, 'still not due');
      clock.advance(1);
      assert.deepEqual(await m.sendDue(), { sent: 0, retried: 1, failed: 0 });
      doc = (await models.outboundMail.findById(id).lean())!;
      assert.equal(doc.dueAt!.getTime() - clock.now().getTime(), 90_000, 'second delay doubles (120 s, equal jitter)');

      clock.advance(90_000);
      assert.deepEqual(await m.sendDue(), { sent: 1, retried: 0, failed: 0 });
      assert.equal(sink.attempts, 3);
      assert.equal(sink.received.length, 1);
      doc = (await models.outboundMail.findById(id).lean())!;
      assert.equal(doc.status, 'sent');
      assert.equal(doc.attempts, 3);
      assert.equal(doc.lastError, null);
    } finally {
      await closeOpen();
      await sink.close();
    }
  });

  it('backoff is capped, and the mail fails after maxAttempts; retryFailed() starts over', async () => {
    let refuse = true;
    const sink = await startSmtpSink({ answer: () => (refuse ? { code: 421, message: '4.7.0 Busy' } : null) });
    try {
      const m = mailer(smtp(sink), { baseDelayMs: 60_000, maxDelayMs: 120_000, maxAttempts: 4, random: () => 0.999 });
      const { id } = await enqueueReply(m);
      const delays: number[] = [];
      for (let i = 0; i < 3; i++) {
        await m.sendDue();
        const doc = (await models.outboundMail.findById(id).lean())!;
        delays.push(doc.dueAt!.getTime() - clock.now().getTime());
        clock.set(doc.dueAt!);
      }
      assert.deepEqual(delays, [59_970, 119_940, 119_940]);
      assert.deepEqual(await m.sendDue(), { sent: 0, retried: 0, failed: 1 });
      const stats = await m.stats();
      assert.equal(stats.failed, 1);
      assert.equal(stats.recentFailures[0].id, id);
      assert.equal(stats.recentFailures[0].attempts, 4);
      assert.match(stats.recentFailures[0].lastError!, /^421 /);

      refuse = false;
      assert.equal(await m.retryFailed(id), 'retried');
      assert.equal(await m.retryFailed(id), 'not_failed');
      assert.equal(await m.retryFailed('65f0c0ffee0000000000ffff'), 'not_found');
      await assert.rejects(m.retryFailed('not-an-id'), TypeError);
      assert.deepEqual(await m.sendDue(), { sent: 1, retried: 0, failed: 0 });
      assert.equal(sink.received.length, 1);
    } finally {
      await closeOpen();
      await sink.close();
    }
  });

  it('a permanent 5xx fails at once; a secret (reset) mail loses its body and cannot be retried by hand', async () => {
    const sink = await startSmtpSink({ answer: () => ({ code: 550, message: '5.1.1 No such user' }) });
    try {
      const m = mailer(smtp(sink));
      const reset = await m.enqueue({
        key: 'reset:1',
        recipient: ann,
        mail: { kind: 'password_reset', token: 'SECRET-TOKEN-abc', expiresAt: new Date('2026-11-17T16:00:00Z') },
      });
      const plain = await enqueueReply(m);
      assert.deepEqual(await m.sendDue(), { sent: 0, retried: 0, failed: 2 });
      const doc = (await models.outboundMail.findById(reset.id).lean())!;
      assert.equal(doc.status, 'failed');
      assert.equal(doc.text, undefined);
      assert.equal(JSON.stringify(doc).includes('SECRET-TOKEN'), false);
      assert.equal(await m.retryFailed(reset.id), 'secret');
      assert.equal(await m.retryFailed(plain.id), 'retried');
    } finally {
      await closeOpen();
      await sink.close();
    }
  });

  it('an expired lease (a process died mid-send) is reclaimed; a live lease is not', async () => {
    const sink = await startSmtpSink();
    try {
      const m = mailer(smtp(sink), { leaseMs: 300_000 });
      const live = await enqueueReply(m, 'n:live');
      const dead = await enqueueReply(m, 'n:dead');
      const now = clock.now().getTime();
      await models.outboundMail.updateOne(
        { _id: live.id },
        { $set: { status: 'sending', claimedBy: 'other', dueAt: new Date(now + 1000), attempts: 1 } },
      );
      await models.outboundMail.updateOne(
        { _id: dead.id },
        { $set: { status: 'sending', claimedBy: 'gone', dueAt: new Date(now - 1), attempts: 1 } },
      );
      assert.deepEqual(await m.sendDue(), { sent: 1, retried: 0, failed: 0 });
      assert.equal((await models.outboundMail.findById(dead.id).lean())!.attempts, 2);
      assert.equal((await models.outboundMail.findById(live.id).lean())!.status, 'sending');
      const stats = await m.stats();
      assert.equal(stats.sending, 1);
    } finally {
      await closeOpen();
      await sink.close();
    }
  });

  it('two mailers (two processes, two connections) send each of 40 mails exactly once', async () => {
    const sink = await startSmtpSink();
    let second: Connection | null = null;
    try {
      second = await mongoose.createConnection(db.uri).asPromise();
      const otherModels = bindMailModels(second);
      const a = mailer(smtp(sink), { workerId: 'A' });
      const b = mailer(smtp(sink), { workerId: 'B' }, otherModels);
      for (let i = 0; i < 40; i++) {
        await enqueueReply(i % 2 ? a : b, `n:${i}`, { ...ann, userId: `65f0c0ffee0000000000${String(1000 + i)}` });
      }
      const [ra, rb] = await Promise.all([a.sendDue(), b.sendDue()]);
      assert.equal(ra.sent + rb.sent, 40);
      const ids = sink.received.map((r) => r.parsed.messageId);
      assert.equal(ids.length, 40);
      assert.equal(new Set(ids).size, 40, 'no mail sent twice');
      assert.equal(await models.outboundMail.countDocuments({ status: 'sent' }), 40);
    } finally {
      await second?.close();
      await closeOpen();
      await sink.close();
    }
  });

  it('authenticates with the credentials of an SMTP URL and never logs the password', async () => {
    const sink = await startSmtpSink({ auth: { user: 'forum', pass: 'p@ss:w/rd' } });
    try {
      const { logger, lines } = logSink();
      const smtpSettings = parseSmtpUrl(`smtp://forum:${encodeURIComponent('p@ss:w/rd')}@127.0.0.1:${sink.port}`);
      assert.deepEqual(smtpSettings.auth, { user: 'forum', pass: 'p@ss:w/rd' });
      const m = mailer(createSmtpTransport(smtpSettings), {}, models, logger);
      await enqueueReply(m);
      assert.deepEqual(await m.sendDue(), { sent: 1, retried: 0, failed: 0 });
      logger.info({ config: { SMTP_URL: `smtp://forum:p@ss@x`, SMTP_PASS: 'p@ss:w/rd' }, smtp: { auth: smtpSettings.auth } }, 'probe');
      assert.ok(lines.length >= 2);
      assert.ok(!lines.join('').includes('p@ss'), lines.join(''));
      assert.ok(!lines.join('').includes('Open the rear tray'), 'no body in logs');
    } finally {
      await closeOpen();
      await sink.close();
    }
  });

  it('without SMTP, writes RFC 5322 .eml files to the outbox directory and logs recipient, subject and file only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forum-outbox-'));
    try {
      const { logger, lines } = logSink();
      const m = mailer(createFileTransport(path.join(dir, 'outbox'), { logger, clock }), {}, models, logger);
      await enqueueReply(m);
      assert.deepEqual(await m.sendDue(), { sent: 1, retried: 0, failed: 0 });
      const files = fs.readdirSync(path.join(dir, 'outbox'));
      assert.equal(files.length, 1);
      assert.match(files[0], /^20261117T150000Z-[0-9a-f]{8}\.eml$/);
      const file = path.join(dir, 'outbox', files[0]);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const raw = fs.readFileSync(file);
      assert.ok(raw.includes('\r\n'), 'CRLF line ends');
      const parsed = await simpleParser(raw);
      assert.equal(parsed.subject, '[Support Community] Printer jams on page 2');
      assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
      assert.ok(parsed.text!.includes('Open the rear tray'));
      const logLine = lines.map((l) => JSON.parse(l)).find((l) => l.file);
      assert.deepEqual([logLine.to, logLine.subject, logLine.file], ['ann@example.test', parsed.subject, file]);
      assert.ok(!lines.join('').includes('Open the rear tray'), 'never the body');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad input with a clear error and stores nothing', async () => {
    const m = mailer(createFileTransport(os.tmpdir(), { logger: createLogger('silent'), clock }));
    await assert.rejects(m.enqueue({ key: '', recipient: ann, mail: { kind: 'support_reply', thread, reply } }), /key/);
    await assert.rejects(
      m.enqueue({ key: 'k', recipient: { ...ann, email: 'not an address' }, mail: { kind: 'support_reply', thread, reply } }),
      /e-mail address/,
    );
    await assert.rejects(
      m.enqueue({ key: 'k', recipient: { ...ann, userId: 'x' }, mail: { kind: 'support_reply', thread, reply } }),
      /ObjectId/,
    );
    await assert.rejects(m.enqueue({ key: 'k', recipient: ann, mail: { kind: 'bogus' } as never }), /unknown mail kind/);
    assert.equal(await models.outboundMail.countDocuments({}), 0);
  });
});
