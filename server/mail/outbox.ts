import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { DateTime } from 'luxon';
import { Types, type Model } from 'mongoose';
import type { OutboundMailDoc } from '../../models/outbound-mail';
import type { Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import type { MailInput, Recipient } from './kinds';
import type { MailLinks } from './links';
import type { MailRenderer } from './render';
import type { MailSettings } from './settings';
import type { MailTokens } from './signed-tokens';
import type { MailTransport, OutgoingMessage } from './transport';

/**
 * The durable outbox (docs/email.md, "The outbox").
 *
 * enqueue() renders a mail and stores it as a `queued` document, once per (userId, key): the
 * unique index makes a caller's retry (or two processes handling one event) a no-op.
 *
 * sendDue() is the job. It claims due mail one document at a time with a conditional
 * findOneAndUpdate (dueAt <= now -> status 'sending', dueAt = now + lease, claimedBy = this
 * worker), so with any number of processes each claim goes to exactly one of them. After the
 * attempt the claimer settles the mail only if it still holds the claim (same claimedBy and
 * attempt number). A lease that runs out (the process died mid-send) makes the mail due again.
 * The SMTP attempt is aborted well before the lease ends, so a live process never loses a
 * lease it is using; only a crash between the server's "250 OK" and the settle can make a
 * mail go out twice (at-least-once, the most SMTP allows).
 *
 * Retries: exponential backoff with jitter after a transient failure (4yz replies, network
 * errors; RFC 5321 §4.2.1 and §4.5.4.1 ask senders to retry later), up to `maxAttempts`; a
 * permanent rejection (5yz except 503) fails at once. Failed mail stays for admins (stats(),
 * retryFailed()).
 */
export interface OutboxOptions {
  /** How long a claim is exclusive, ms (default 5 minutes). */
  leaseMs?: number;
  /** Abort an attempt after this long, ms (default leaseMs / 2). */
  sendTimeoutMs?: number;
  /** Attempts before a mail fails (default 8: about a day of retries with the default delays). */
  maxAttempts?: number;
  /** Delay after the first failure, ms (default 1 minute); doubles with each attempt. */
  baseDelayMs?: number;
  /** Longest delay between attempts, ms (default 6 hours). */
  maxDelayMs?: number;
  /** Random number in [0, 1) for jitter; inject for tests. */
  random?: () => number;
  /** Identifies this process's claims (default host:pid:random). */
  workerId?: string;
  /** How long sent mail is kept (idempotency window and "sent today"), ms (default 30 days). */
  keepSentMs?: number;
  /** How long failed mail is kept for admins, ms (default 30 days). */
  keepFailedMs?: number;
  /** Most mails one sendDue() call sends (default 200). */
  batchLimit?: number;
}

export interface EnqueueInput {
  /** Idempotency key from the caller, e.g. `notification:<id>`; at most 200 characters. */
  key: string;
  recipient: Recipient;
  mail: MailInput;
  /** Not before this instant (e.g. a digest's send time); default now. */
  notBefore?: Date;
}

export interface EnqueueResult {
  id: string;
  /** false: a mail with this (userId, key) existed already; nothing new was queued. */
  created: boolean;
}

export interface SendDueResult {
  sent: number;
  retried: number;
  failed: number;
}

export interface FailedMail {
  id: string;
  kind: string;
  to: string;
  subject: string;
  attempts: number;
  lastError: string | null;
  failedAt: Date | null;
  /** Account mail with a single-use link: cannot be retried by hand (ask for a new link). */
  secret: boolean;
}

export interface OutboxStats {
  queued: number;
  sending: number;
  failed: number;
  /** Sent since local midnight in the support calendar's zone. */
  sentToday: number;
  /** Queued or leased mail whose time has come (a growing number means the job is not keeping up). */
  due: number;
  /** The 20 most recent failures, newest first. */
  recentFailures: FailedMail[];
}

export type RetryResult = 'retried' | 'not_found' | 'not_failed' | 'secret';

export interface Mailer {
  /** @throws TypeError for a bad recipient, key or mail input (nothing is stored). */
  enqueue(input: EnqueueInput): Promise<EnqueueResult>;
  /** The job: sends due mail until none is due or batchLimit is reached. `now` defaults to the clock. */
  sendDue(now?: Date): Promise<SendDueResult>;
  stats(now?: Date): Promise<OutboxStats>;
  /** Requeues a failed mail for a fresh series of attempts. @throws TypeError for a malformed id. */
  retryFailed(id: string): Promise<RetryResult>;
  /** Waits for a running sendDue() and refuses new ones. The transport is closed by its owner. */
  close(): Promise<void>;
  readonly workerId: string;
}

export interface MailerDeps {
  model: Model<OutboundMailDoc>;
  transport: MailTransport;
  renderer: MailRenderer;
  tokens: MailTokens;
  links: MailLinks;
  clock: Clock;
  logger: Logger;
  settings: Pick<MailSettings, 'from' | 'messageIdDomain' | 'inbound' | 'timeZone'>;
  options?: OutboxOptions;
}

const ADDR_SPEC = /^[^\s@<>()",;:\\[\]]{1,64}@[^\s@<>()",;:\\[\]]{1,253}$/;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Delay before attempt n+1 after n failed attempts: equal jitter over min(cap, base * 2^(n-1)). */
export function retryDelayMs(attempts: number, base: number, cap: number, random: () => number): number {
  const exp = Math.min(cap, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

function errorText(err: unknown): string {
  const e = err as { responseCode?: number; code?: string; message?: string };
  const code = e?.responseCode ?? e?.code;
  const text = `${code ? `${code} ` : ''}${e?.message ?? String(err)}`;
  return text.replace(/\s+/g, ' ').slice(0, 500);
}

export function createMailer(deps: MailerDeps): Mailer {
  const { model, transport, renderer, tokens, links, clock, logger, settings } = deps;
  const o = deps.options ?? {};
  const leaseMs = o.leaseMs ?? 5 * MINUTE;
  const sendTimeoutMs = o.sendTimeoutMs ?? Math.floor(leaseMs / 2);
  const maxAttempts = o.maxAttempts ?? 8;
  const baseDelayMs = o.baseDelayMs ?? MINUTE;
  const maxDelayMs = o.maxDelayMs ?? 6 * 60 * MINUTE;
  const random = o.random ?? Math.random;
  const workerId = o.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const keepSentMs = o.keepSentMs ?? 30 * DAY;
  const keepFailedMs = o.keepFailedMs ?? 30 * DAY;
  const batchLimit = o.batchLimit ?? 200;
  if (sendTimeoutMs >= leaseMs) throw new TypeError('sendTimeoutMs must be shorter than leaseMs');

  let running: Promise<SendDueResult> | null = null;
  let closed = false;
  const domain = settings.messageIdDomain;
  const inbound = settings.inbound;

  async function enqueue({ key, recipient, mail, notBefore }: EnqueueInput): Promise<EnqueueResult> {
    if (typeof key !== 'string' || !key || key.length > 200) throw new TypeError('enqueue: key must be 1-200 characters');
    if (!recipient || !Types.ObjectId.isValid(recipient.userId) || !/^[0-9a-f]{24}$/i.test(recipient.userId)) {
      throw new TypeError('enqueue: recipient.userId must be an ObjectId');
    }
    const to = String(recipient.email ?? '').trim();
    if (to.length > 254 || !ADDR_SPEC.test(to)) throw new TypeError('enqueue: recipient.email is not an e-mail address');
    const userId = new Types.ObjectId(recipient.userId);

    const existing = await model.findOne({ userId, key }, { _id: 1 }).lean();
    if (existing) return { id: String(existing._id), created: false };

    const p = renderer.present(mail, recipient);
    const unsubscribeToken = p.unsubscribeKind ? tokens.unsubscribeToken({ userId: recipient.userId, kind: p.unsubscribeKind }) : null;
    const unsubscribeUrl = unsubscribeToken ? links.unsubscribe(unsubscribeToken) : null;
    const replyTo =
      inbound && p.replyable && p.threadId ? tokens.replyAddress({ threadId: p.threadId, userId: recipient.userId }, inbound.domain) : null;
    const rendered = renderer.render(p, { unsubscribeUrl, replyMarker: Boolean(replyTo) });

    const now = clock.now();
    const _id = new Types.ObjectId();
    try {
      await model.create({
        _id,
        userId,
        key,
        kind: p.kind,
        to,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        secret: p.secret,
        messageId: `<${p.kind}.${_id.toHexString()}@${domain}>`,
        references: p.threadId ? [`<thread.${p.threadId}@${domain}>`] : [],
        unsubscribeUrl,
        unsubscribeMailto: unsubscribeToken && inbound ? `mailto:u+${unsubscribeToken}@${inbound.domain}?subject=unsubscribe` : null,
        replyTo,
        status: 'queued',
        dueAt: notBefore && notBefore > now ? notBefore : now,
        attempts: 0,
        createdAt: now,
      });
    } catch (err) {
      // Two callers raced past the findOne: the unique index let exactly one insert win.
      if ((err as { code?: number }).code === 11000) {
        const winner = await model.findOne({ userId, key }, { _id: 1 }).lean();
        if (winner) return { id: String(winner._id), created: false };
      }
      throw err;
    }
    logger.debug({ mailId: String(_id), kind: p.kind, userId: recipient.userId }, 'mail queued');
    return { id: String(_id), created: true };
  }

  function compose(doc: OutboundMailDoc, now: Date): OutgoingMessage {
    const headers: Record<string, string> = {
      // RFC 3834 §5: machine-generated, so auto-responders stay silent.
      'Auto-Submitted': 'auto-generated',
      // Microsoft's equivalent for Exchange out-of-office replies.
      'X-Auto-Response-Suppress': 'All',
    };
    const unsubscribe = [doc.unsubscribeUrl, doc.unsubscribeMailto].filter((u): u is string => Boolean(u));
    // RFC 2369 §3.2: one List-Unsubscribe field, URIs in angle brackets, comma separated
    // (nodemailer's `list` option would write one field per URI).
    if (unsubscribe.length) headers['List-Unsubscribe'] = unsubscribe.map((u) => `<${u}>`).join(', ');
    // RFC 8058 §3.1: one-click needs an https URI in List-Unsubscribe plus this exact field.
    if (doc.unsubscribeUrl) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    return {
      from: deps.settings.from,
      to: doc.to,
      subject: doc.subject,
      text: doc.text ?? '',
      html: doc.html ?? undefined,
      messageId: doc.messageId,
      date: now,
      ...(doc.references.length ? { references: doc.references, inReplyTo: doc.references[doc.references.length - 1] } : {}),
      ...(doc.replyTo ? { replyTo: { name: `Reply to post in the thread`, address: doc.replyTo } } : {}),
      headers,
    };
  }

  async function claim(now: Date): Promise<OutboundMailDoc | null> {
    return model
      .findOneAndUpdate(
        { dueAt: { $lte: now } },
        {
          $set: { status: 'sending', dueAt: new Date(now.getTime() + leaseMs), claimedBy: workerId, lastAttemptAt: now },
          $inc: { attempts: 1 },
        },
        { sort: { dueAt: 1 }, returnDocument: 'after' },
      )
      .lean<OutboundMailDoc>();
  }

  async function settle(doc: OutboundMailDoc, update: Record<string, unknown>): Promise<boolean> {
    const res = await model.updateOne({ _id: doc._id, status: 'sending', claimedBy: workerId, attempts: doc.attempts }, update);
    if (res.modifiedCount !== 1) {
      logger.warn({ mailId: String(doc._id), workerId }, 'mail lease was lost before the attempt settled');
      return false;
    }
    return true;
  }

  async function attempt(doc: OutboundMailDoc, now: Date): Promise<keyof SendDueResult> {
    const id = String(doc._id);
    if (doc.text === undefined && doc.html === undefined) {
      // A mail whose body was erased (a secret mail that failed) cannot be sent again.
      await settle(doc, {
        $set: { status: 'failed', failedAt: now, lastError: 'no body', claimedBy: null, expiresAt: new Date(now.getTime() + keepFailedMs) },
        $unset: { dueAt: 1 },
      });
      return 'failed';
    }
    try {
      const result = await transport.send(compose(doc, now), AbortSignal.timeout(sendTimeoutMs));
      await settle(doc, {
        $set: { status: 'sent', sentAt: now, claimedBy: null, lastError: null, expiresAt: new Date(now.getTime() + keepSentMs) },
        $unset: { dueAt: 1, text: 1, html: 1 },
      });
      logger.info(
        {
          mailId: id,
          kind: doc.kind,
          userId: String(doc.userId),
          attempts: doc.attempts,
          transport: transport.kind,
          response: result.response,
        },
        'mail sent',
      );
      return 'sent';
    } catch (err) {
      const lastError = errorText(err);
      const permanent = (err as { permanent?: boolean }).permanent === true;
      if (permanent || doc.attempts >= maxAttempts) {
        await settle(doc, {
          $set: { status: 'failed', failedAt: now, lastError, claimedBy: null, expiresAt: new Date(now.getTime() + keepFailedMs) },
          $unset: doc.secret ? { dueAt: 1, text: 1, html: 1 } : { dueAt: 1 },
        });
        logger.error({ mailId: id, kind: doc.kind, attempts: doc.attempts, permanent, error: lastError }, 'mail failed');
        return 'failed';
      }
      const delay = retryDelayMs(doc.attempts, baseDelayMs, maxDelayMs, random);
      const dueAt = new Date(now.getTime() + delay);
      await settle(doc, { $set: { status: 'queued', dueAt, lastError, claimedBy: null } });
      logger.warn(
        { mailId: id, kind: doc.kind, attempts: doc.attempts, retryAt: dueAt, error: lastError },
        'mail attempt failed; will retry',
      );
      return 'retried';
    }
  }

  async function runSendDue(now: Date): Promise<SendDueResult> {
    const result: SendDueResult = { sent: 0, retried: 0, failed: 0 };
    for (let n = 0; n < batchLimit && !closed; n++) {
      const doc = await claim(now);
      if (!doc) break;
      result[await attempt(doc, now)]++;
    }
    return result;
  }

  return {
    workerId,
    enqueue,
    async sendDue(now = clock.now()) {
      if (closed) return { sent: 0, retried: 0, failed: 0 };
      // One run per mailer at a time: a scheduler tick during a long run joins it.
      running ??= runSendDue(now).finally(() => {
        running = null;
      });
      return running;
    },

    async stats(now = clock.now()) {
      const midnight = DateTime.fromJSDate(now, { zone: settings.timeZone }).startOf('day').toJSDate();
      const [queued, sending, failed, sentToday, due, recent] = await Promise.all([
        model.countDocuments({ status: 'queued' }),
        model.countDocuments({ status: 'sending' }),
        model.countDocuments({ status: 'failed' }),
        model.countDocuments({ sentAt: { $gte: midnight } }),
        model.countDocuments({ dueAt: { $lte: now } }),
        model
          .find({ status: 'failed' }, { kind: 1, to: 1, subject: 1, attempts: 1, lastError: 1, failedAt: 1, secret: 1 })
          .sort({ failedAt: -1 })
          .limit(20)
          .lean<OutboundMailDoc[]>(),
      ]);
      return {
        queued,
        sending,
        failed,
        sentToday,
        due,
        recentFailures: recent.map((d) => ({
          id: String(d._id),
          kind: d.kind,
          to: d.to,
          subject: d.subject,
          attempts: d.attempts,
          lastError: d.lastError,
          failedAt: d.failedAt ?? null,
          secret: d.secret,
        })),
      };
    },

    async retryFailed(id) {
      if (typeof id !== 'string' || !/^[0-9a-f]{24}$/i.test(id)) throw new TypeError('retryFailed: id must be an ObjectId');
      const _id = new Types.ObjectId(id);
      const res = await model.updateOne(
        { _id, status: 'failed', secret: false },
        { $set: { status: 'queued', dueAt: clock.now(), attempts: 0, claimedBy: null }, $unset: { failedAt: 1, expiresAt: 1 } },
      );
      if (res.modifiedCount === 1) {
        logger.info({ mailId: id }, 'failed mail requeued');
        return 'retried';
      }
      const doc = await model.findById(_id, { status: 1, secret: 1 }).lean();
      if (!doc) return 'not_found';
      return doc.status === 'failed' && doc.secret ? 'secret' : 'not_failed';
    },

    async close() {
      closed = true;
      await running;
    },
  };
}
