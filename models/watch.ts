import { Schema, type Types } from 'mongoose';

/**
 * How one person follows one thread (server/notifications/watching.ts):
 * - watching: every reply and accepted answer;
 * - normal: only what is addressed to them (a staff reply on their question, their reply
 *   accepted, the close reminder and the lock);
 * - muted: nothing about the thread but the close reminder and the lock of their own question.
 * The asker and everyone who replies start watching automatically; a person who chose a level
 * keeps it. `sameQuestion` is "I have the same question" (counted on the thread).
 */
export const WATCH_LEVELS = ['watching', 'normal', 'muted'] as const;
export type WatchLevel = (typeof WATCH_LEVELS)[number];
export const WATCH_SOURCES = ['asked', 'replied', 'chosen', 'same_question'] as const;

export const watchSchema = new Schema(
  {
    threadId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    level: { type: String, enum: WATCH_LEVELS, required: true },
    source: { type: String, enum: WATCH_SOURCES, required: true },
    sameQuestion: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'thread_watches', versionKey: false },
);

watchSchema.index({ threadId: 1, userId: 1 }, { unique: true });
// Fan-out: the watchers of a thread (an index range over one thread's watching people).
watchSchema.index({ threadId: 1, level: 1, userId: 1 });

export interface WatchDoc {
  _id: Types.ObjectId;
  threadId: Types.ObjectId;
  userId: Types.ObjectId;
  level: WatchLevel;
  source: (typeof WATCH_SOURCES)[number];
  sameQuestion: boolean;
  createdAt: Date;
  updatedAt: Date;
}
