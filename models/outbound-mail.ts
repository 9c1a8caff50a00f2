import { Schema, type Types } from 'mongoose';

/**
 * The durable outbox (server/mail/outbox.ts, docs/email.md): one document per e-mail to one
 * person, written when a notification should e-mail and sent by the outbox job.
 *
 * Only the schema lives here; the mail module receives the model bound to a connection
 * (server/mail/index.ts bindMailModels), so tests and processes choose their connection.
 *
 * Lifecycle: queued -> sending -> sent | queued (retry) | failed. `dueAt` exists only while
 * the mail is pending: for `queued` it is when the next attempt may start, for `sending` it is
 * when the claimer's lease runs out (then any process may reclaim it). Its sparse index holds
 * pending mail only, so the claim query costs what is due, not what was ever sent.
 */
export const MAIL_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

export const OUTBOUND_MAIL_MODEL = 'OutboundMail';

export const outboundMailSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    /** The caller's idempotency key (e.g. the notification's id): one mail per (userId, key). */
    key: { type: String, required: true, maxlength: 200 },
    /** Template kind (server/mail/kinds.ts). */
    kind: { type: String, required: true },
    /** RFC 5322 addr-spec of the recipient. */
    to: { type: String, required: true },
    subject: { type: String, required: true },
    /** Rendered bodies; removed once sent (and on failure when `secret`). */
    text: { type: String },
    html: { type: String },
    /** The body carries a single-use link (verification, reset): never kept, never retried by hand. */
    secret: { type: Boolean, default: false },
    /** Message-ID with angle brackets (RFC 5322 §3.6.4). */
    messageId: { type: String, required: true },
    /** References (RFC 5322 §3.6.4): the thread's root id, so clients group a thread's mail. */
    references: { type: [String], default: [] },
    /** List-Unsubscribe targets (RFC 2369, RFC 8058): https one-click URL and optional mailto. */
    unsubscribeUrl: { type: String, default: null },
    unsubscribeMailto: { type: String, default: null },
    /** Signed per-recipient, per-thread reply address (reply by e-mail), or null. */
    replyTo: { type: String, default: null },
    status: { type: String, enum: MAIL_STATUSES, required: true, default: 'queued' },
    dueAt: { type: Date },
    attempts: { type: Number, required: true, default: 0 },
    /** Id of the process that holds the lease while `sending`. */
    claimedBy: { type: String, default: null },
    lastError: { type: String, default: null },
    lastAttemptAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    sentAt: { type: Date },
    failedAt: { type: Date },
    /** TTL: sent and failed mail is removed this long after it settled (server/mail/outbox.ts). */
    expiresAt: { type: Date },
  },
  { collection: 'outbound_mail', versionKey: false },
);

outboundMailSchema.index({ userId: 1, key: 1 }, { unique: true });
outboundMailSchema.index({ dueAt: 1 }, { sparse: true });
outboundMailSchema.index({ status: 1, failedAt: -1 });
outboundMailSchema.index({ sentAt: 1 }, { sparse: true });
outboundMailSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export interface OutboundMailDoc {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  key: string;
  kind: string;
  to: string;
  subject: string;
  text?: string;
  html?: string;
  secret: boolean;
  messageId: string;
  references: string[];
  unsubscribeUrl: string | null;
  unsubscribeMailto: string | null;
  replyTo: string | null;
  status: MailStatus;
  dueAt?: Date;
  attempts: number;
  claimedBy: string | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  createdAt: Date;
  sentAt?: Date;
  failedAt?: Date;
  expiresAt?: Date;
}
