import mongoose, { Types } from 'mongoose';
import { startEmbeddedServer } from '../server/db/embedded';
import { FakeClock } from '../server/kernel/clock';
import { createLogger } from '../server/kernel/logger';
import {
  bindMailModels,
  createMailer,
  createMailLinks,
  createMailRenderer,
  createMailTokens,
  createSmtpTransport,
  type MailTransport,
} from '../server/mail';
import { startSmtpSink } from '../test/helpers/smtp-sink';

/**
 * The mail outbox against the embedded database, in process. The claim query is a range on
 * the sparse dueAt index, which holds pending mail only, so its cost must follow the number
 * of DUE mails, not all mail ever sent. Prints numbers; asserts nothing.
 *
 *   npx tsx bench/mail-outbox.ts
 */
const NOW = new Date('2026-11-24T21:00:00Z');
const DUE = 300;
const BATCH = 1000;
const REPEAT = 21;
const clock = new FakeClock(NOW);
const logger = createLogger('silent');
const links = createMailLinks('https://forum.example.test');
const renderer = createMailRenderer({ forumName: 'Support Community', links, timeZone: 'America/New_York' });
const tokens = createMailTokens('bench-secret-of-at-least-thirty-two-chars');
const settings = { from: 'x@forum.example.test', messageIdDomain: 'forum.example.test', inbound: null, timeZone: 'America/New_York' };
/** Accepts at once: measures the outbox's own cost (claim, compose, settle). */
const nullTransport: MailTransport = { kind: 'file', send: async (m) => ({ messageId: String(m.messageId) }), close: () => undefined };
const thread = { id: '65f0c0ffee0000000000b001', title: 'Printer jams on page 2' };
const reply = { id: '65f0c0ffee0000000000c001', authorName: 'Sam', text: 'Open the rear tray and pull gently. '.repeat(10) };

const models = () => bindMailModels();

async function seedSent(total: number) {
  const col = models().outboundMail.collection;
  await col.deleteMany({});
  for (let start = 0; start < total; start += BATCH) {
    const docs = [];
    for (let i = start; i < Math.min(total, start + BATCH); i++) {
      const sentAt = new Date(NOW.getTime() - (i % 1000) * 60_000);
      docs.push({
        _id: new Types.ObjectId(),
        userId: new Types.ObjectId(),
        key: `n:${i}`,
        kind: 'watched_reply',
        to: `p${i}@example.test`,
        subject: 'x',
        secret: false,
        messageId: `<m${i}@x>`,
        references: [],
        status: 'sent',
        attempts: 1,
        createdAt: sentAt,
        sentAt,
        expiresAt: new Date(sentAt.getTime() + 30 * 86_400_000),
      });
    }
    await col.insertMany(docs, { ordered: false });
  }
}

async function enqueueDue(mailer: ReturnType<typeof createMailer>, n: number, tag: string) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await mailer.enqueue({
      key: `${tag}:${i}`,
      recipient: { userId: new Types.ObjectId().toHexString(), email: `r${i}@example.test`, displayName: 'R' },
      mail: { kind: 'watched_reply', thread, reply },
    });
  }
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function scenario(sent: number) {
  await seedSent(sent);
  const m = createMailer({ model: models().outboundMail, transport: nullTransport, renderer, tokens, links, clock, logger, settings });
  const enqueueMs = await enqueueDue(m, DUE, `s${sent}`);
  const t0 = performance.now();
  const r = await m.sendDue();
  const sendMs = performance.now() - t0;
  const idle: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    await m.sendDue();
    idle.push(performance.now() - t);
  }
  const statsT = performance.now();
  await m.stats();
  const statsMs = performance.now() - statsT;
  return { sent, enqueueMs, sendMs, done: r.sent, idleMs: median(idle), statsMs };
}

async function main() {
  const server = await startEmbeddedServer({ dataDir: null });
  await mongoose.connect(`${server.uri}/bench_mail_outbox`);
  await models().outboundMail.init();
  const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
  try {
    const small = await scenario(1_000);
    const big = await scenario(50_000);
    console.log(`mail outbox (embedded db, in process, a transport that accepts at once), ${DUE} due mails`);
    for (const s of [small, big]) {
      console.log(
        `  ${String(s.sent).padStart(6)} sent before: enqueue ${(s.enqueueMs / DUE).toFixed(2)} ms/mail, sendDue ${fmt(s.sendMs)} (${(s.sendMs / s.done).toFixed(2)} ms/mail, ${Math.round((s.done / s.sendMs) * 1000)} mails/s), idle sendDue ${fmt(s.idleMs)}, stats ${fmt(s.statsMs)}`,
      );
    }
    console.log('ratios (50k / 1k sent before)');
    console.log(`  sendDue per mail : ${(big.sendMs / big.done / (small.sendMs / small.done)).toFixed(2)}x`);
    console.log(`  idle sendDue     : ${(big.idleMs / small.idleMs).toFixed(2)}x`);
    console.log(`  stats            : ${(big.statsMs / small.statsMs).toFixed(2)}x`);

    // Real SMTP to a local smtp-server: one connection per mail.
    const sink = await startSmtpSink();
    await models().outboundMail.deleteMany({});
    const smtp = createSmtpTransport({ host: '127.0.0.1', port: sink.port, secure: false, auth: null });
    const m = createMailer({ model: models().outboundMail, transport: smtp, renderer, tokens, links, clock, logger, settings });
    await enqueueDue(m, 100, 'smtp');
    const t0 = performance.now();
    const r = await m.sendDue();
    const ms = performance.now() - t0;
    console.log(`  real SMTP (loopback smtp-server): ${r.sent} mails in ${fmt(ms)} (${(ms / r.sent).toFixed(1)} ms/mail)`);
    smtp.close();
    await sink.close();
  } finally {
    await mongoose.disconnect();
    await server.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
