import { Schema, type Types } from 'mongoose';

export const NOTIFICATION_KINDS = ['lock_reminder', 'thread_locked', 'flag_handled'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * An in-app notification for one person (the header bell). The text is written by the
 * forum itself from public facts (a thread title, a deadline): never private message
 * content, never a secure field.
 */
export const notificationSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    kind: { type: String, enum: NOTIFICATION_KINDS, required: true },
    threadId: { type: Schema.Types.ObjectId, ref: 'Thread', default: null },
    text: { type: String, required: true, maxlength: 500 },
    createdAt: { type: Date, required: true },
    readAt: { type: Date, default: null },
  },
  { collection: 'notifications', versionKey: false },
);

// The list page (newest first) and the bell count (unread = readAt null).
notificationSchema.index({ userId: 1, createdAt: -1 });
notificationSchema.index({ userId: 1, readAt: 1 });

export interface NotificationDoc {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  kind: NotificationKind;
  threadId: Types.ObjectId | null;
  text: string;
  createdAt: Date;
  readAt: Date | null;
}
