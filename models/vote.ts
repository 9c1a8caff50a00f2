import mongoose, { Schema, type Types } from 'mongoose';

/**
 * A reader's feedback on one reply: the helpful vote ("Was this reply helpful? Yes / No") and
 * the satisfaction rating (1-5 with an optional comment) live in ONE document per
 * (reply, user). Both are optional and independent (null = not given), so the thread page
 * reads a reader's feedback for a page of replies in one index range, and the unique index
 * below is the whole "one vote and one rating per user per reply" rule.
 *
 * The reply's counters (helpfulCount, notHelpfulCount, satisfactionSum, satisfactionCount)
 * are derived from these documents with atomic $inc; `npm run forum -- recount` rebuilds them.
 */
export const voteSchema = new Schema(
  {
    replyId: { type: Schema.Types.ObjectId, ref: 'Reply', required: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    threadId: { type: Schema.Types.ObjectId, ref: 'Thread', required: true },
    /** true = helpful, false = not helpful, null = no vote (withdrawn or never given). */
    helpful: { type: Boolean, default: null },
    /** 1..5, null = no rating. */
    score: { type: Number, min: 1, max: 5, default: null },
    comment: { type: String, default: '', maxlength: 1000 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'votes', versionKey: false },
);

// Integrity (one document per reader per reply), the recount ($match replyId $in, grouped
// per reply) and the thread page (a reader's votes for a page of replies) all use it.
voteSchema.index({ replyId: 1, userId: 1 }, { unique: true });

export interface VoteDoc {
  _id: Types.ObjectId;
  replyId: Types.ObjectId;
  userId: Types.ObjectId;
  threadId: Types.ObjectId;
  helpful: boolean | null;
  score: number | null;
  comment: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Running totals for the support dashboard, per UTC day, per moderator and per product of the
 * thread: the feedback on staff replies (by the day the reply was posted), the staff replies
 * themselves and how many are accepted answers, and the first responses given that day.
 * `productId: null` is the all-products row of a moderator's day, so per-moderator totals
 * never double-count a thread that applies to two products.
 *
 * Feedback changes with $inc in the same service call as the vote, from the delta the vote
 * write actually made; replies, accepted answers and first responses change from the threads'
 * events (server/feedback/hooks.ts). The dashboard aggregates over (days x moderators x
 * products) documents, never over votes or replies. The recount rebuilds them all from the
 * votes, replies and threads.
 */
export const feedbackDailySchema = new Schema(
  {
    productId: { type: Schema.Types.ObjectId, ref: 'Product', default: null },
    /** 'YYYY-MM-DD', UTC day the reply was posted. */
    day: { type: String, required: true },
    moderatorId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    yes: { type: Number, default: 0 },
    no: { type: Number, default: 0 },
    satSum: { type: Number, default: 0 },
    satCount: { type: Number, default: 0 },
    s1: { type: Number, default: 0 },
    s2: { type: Number, default: 0 },
    s3: { type: Number, default: 0 },
    s4: { type: Number, default: 0 },
    s5: { type: Number, default: 0 },
    /** Staff replies posted that day (reply.created events). */
    replies: { type: Number, default: 0 },
    /** Of those replies, how many are the accepted answer now. */
    accepted: { type: Number, default: 0 },
    /** First staff responses given that day, and each one's business minutes since the question. */
    firstResponses: { type: Number, default: 0 },
    frMinutes: { type: [Number], default: [] },
  },
  { collection: 'feedback_daily', versionKey: false },
);

// Product first: the dashboard asks for "productId = null (or one product), day in range"
// and "productId in [the products], day in range", both tight index intervals.
feedbackDailySchema.index({ productId: 1, day: 1, moderatorId: 1 }, { unique: true });

export interface FeedbackDailyDoc {
  _id: Types.ObjectId;
  productId: Types.ObjectId | null;
  day: string;
  moderatorId: Types.ObjectId;
  yes: number;
  no: number;
  satSum: number;
  satCount: number;
  s1: number;
  s2: number;
  s3: number;
  s4: number;
  s5: number;
  replies: number;
  accepted: number;
  firstResponses: number;
  frMinutes: number[];
}

/**
 * Which staff reply was a thread's first response. `_id` is the thread, so the unique _id
 * index lets exactly one reply claim it, however many staff replies race.
 */
export const firstResponseSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, ref: 'Thread', required: true },
    replyId: { type: Schema.Types.ObjectId, ref: 'Reply', required: true },
    moderatorId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    at: { type: Date, required: true },
    minutes: { type: Number, required: true },
  },
  { collection: 'feedback_first_responses', versionKey: false },
);

export interface FirstResponseDoc {
  _id: Types.ObjectId;
  replyId: Types.ObjectId;
  moderatorId: Types.ObjectId;
  at: Date;
  minutes: number;
}
