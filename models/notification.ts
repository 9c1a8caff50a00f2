import { Schema, type Types } from 'mongoose';

/** How a person wants a kind of notification e-mailed (the account page's preferences). */
export const DELIVERIES = ['immediately', 'digest', 'off'] as const;
export type Delivery = (typeof DELIVERIES)[number];

export interface NotificationKindSpec {
  /** What the account page calls this kind. */
  label: string;
  /** E-mail delivery until the person chooses (issue 14: staff replies, private messages, the reminder and the lock immediately). */
  email: Delivery;
  /** How a grouped entry counts events of this kind: [one, many]. */
  noun: readonly [string, string];
  /** Shown only to support staff on the account page. */
  staffOnly?: boolean;
  /**
   * Always its own in-app entry, never merged into the thread's group: a deadline ("will close
   * on …") and the thread's state changing must each stay visible, not be replaced by the next
   * event's text.
   */
  alone?: boolean;
}

/**
 * Every kind of notification, one line each: adding a kind is adding a line here (the
 * in-app entry, the preference and its default, the digest's wording follow from it). Mail
 * for a kind without its own template is a short notice with the forum-written text and a
 * link (server/mail/kinds.ts 'notice').
 */
export const NOTIFICATION_KIND_TABLE = {
  support_reply: { label: 'Support replied to your question', email: 'immediately', noun: ['support reply', 'support replies'] },
  watched_reply: { label: 'New replies in threads you watch', email: 'digest', noun: ['new reply', 'new replies'] },
  reply_accepted: { label: 'Your reply was accepted as the answer', email: 'digest', noun: ['accepted reply', 'accepted replies'] },
  watched_accepted: {
    label: 'An answer was accepted in a thread you watch',
    email: 'digest',
    noun: ['accepted answer', 'accepted answers'],
  },
  private_message: { label: 'New private messages', email: 'immediately', noun: ['private message', 'private messages'] },
  lock_reminder: {
    label: 'Reminder before your question closes',
    email: 'immediately',
    noun: ['close reminder', 'close reminders'],
    alone: true,
  },
  thread_locked: { label: 'Your question was closed', email: 'immediately', noun: ['closing', 'closings'], alone: true },
  thread_unlocked: { label: 'Your question was reopened', email: 'digest', noun: ['reopening', 'reopenings'], alone: true },
  // "Did this solve your problem?" No: the staff member who wrote the reply (server/support/index.ts).
  not_solved: {
    label: 'An asker said your reply did not solve their problem',
    email: 'immediately',
    noun: ['reply that did not solve it', 'replies that did not solve it'],
    staffOnly: true,
  },
  follow_up: { label: 'An asker followed up after your answer', email: 'immediately', noun: ['follow-up', 'follow-ups'], staffOnly: true },
  reply_held: { label: 'A reply you sent by e-mail was held', email: 'off', noun: ['held reply', 'held replies'] },
  // Told to each member whose flag a moderator handled (server/moderation/actions.ts), from public facts only.
  flag_handled: { label: 'What happened to a post you flagged', email: 'digest', noun: ['handled flag', 'handled flags'] },
} as const satisfies Record<string, NotificationKindSpec>;

export type NotificationKind = keyof typeof NOTIFICATION_KIND_TABLE;
export const NOTIFICATION_KINDS = Object.keys(NOTIFICATION_KIND_TABLE) as NotificationKind[];

/**
 * An in-app notification for one person (the header bell), grouped: while a group is
 * unread (`open: true`), every new event for the same thread (or conversation) updates it
 * instead of adding an entry, so ten replies are one entry. The text is written by the
 * forum from public facts (a thread title, a deadline, a name): never private message
 * content, never a secure field.
 */
export const notificationSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    /** The latest event's kind. */
    kind: { type: String, enum: NOTIFICATION_KINDS, required: true },
    /** `thread:<id>`, `conversation:<id>` or `single:<id>`: what events join. */
    groupKey: { type: String, required: true },
    /** Present (true) only while the group is unread and takes new events. */
    open: { type: Boolean },
    threadId: { type: Schema.Types.ObjectId, ref: 'Thread', default: null },
    conversationId: { type: Schema.Types.ObjectId, default: null },
    /** The thread's title when the events are about a thread. */
    subject: { type: String, default: '', maxlength: 300 },
    /** The latest event's text. */
    text: { type: String, required: true, maxlength: 500 },
    /** Events in the group, in all and per kind. */
    count: { type: Number, default: 1 },
    counts: { type: Map, of: Number, default: undefined },
    createdAt: { type: Date, required: true },
    /** The latest event. */
    updatedAt: { type: Date, required: true },
    readAt: { type: Date, default: null },
  },
  { collection: 'notifications', versionKey: false },
);

// The list page (latest first) and the bell count (unread = readAt null).
notificationSchema.index({ userId: 1, updatedAt: -1, _id: -1 });
notificationSchema.index({ userId: 1, readAt: 1 });
// At most one open group per person and thread: concurrent events upsert into the same one.
notificationSchema.index({ userId: 1, groupKey: 1 }, { unique: true, partialFilterExpression: { open: true }, name: 'open_group' });

export interface NotificationDoc {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  kind: NotificationKind;
  groupKey: string;
  open?: boolean;
  threadId: Types.ObjectId | null;
  conversationId: Types.ObjectId | null;
  subject: string;
  text: string;
  count: number;
  counts?: Record<string, number>;
  createdAt: Date;
  updatedAt: Date;
  readAt: Date | null;
}

/** One person's e-mail choices per kind (absent kinds use the table's default). */
export const notificationSettingsSchema = new Schema(
  {
    /** The user's id. */
    _id: { type: Schema.Types.ObjectId, required: true },
    email: { type: Map, of: { type: String, enum: DELIVERIES }, default: {} },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'notification_settings', versionKey: false },
);

export interface NotificationSettingsDoc {
  _id: Types.ObjectId;
  email?: Record<string, Delivery>;
  updatedAt: Date;
}

/**
 * Events waiting for a person's daily digest: one document per (person, local day, kind,
 * thread or conversation), counted with $inc. `dueAt` is 07:00 on the next local day in the
 * person's time zone; the digest job takes what is due (an index range), sends one mail per
 * person and day and deletes the entries.
 */
export const digestEntrySchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    /** Local calendar day of the events, YYYY-MM-DD. */
    day: { type: String, required: true },
    dueAt: { type: Date, required: true },
    kind: { type: String, enum: NOTIFICATION_KINDS, required: true },
    groupKey: { type: String, required: true },
    threadId: { type: Schema.Types.ObjectId, default: null },
    conversationId: { type: Schema.Types.ObjectId, default: null },
    subject: { type: String, default: '' },
    count: { type: Number, default: 0 },
    lastAt: { type: Date, required: true },
  },
  { collection: 'digest_entries', versionKey: false },
);

digestEntrySchema.index({ userId: 1, day: 1, kind: 1, groupKey: 1 }, { unique: true });
digestEntrySchema.index({ dueAt: 1 });

export interface DigestEntryDoc {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  day: string;
  dueAt: Date;
  kind: NotificationKind;
  groupKey: string;
  threadId: Types.ObjectId | null;
  conversationId: Types.ObjectId | null;
  subject: string;
  count: number;
  lastAt: Date;
}
