import { Schema, type Types } from 'mongoose';

export const THREAD_STATUSES = ['open', 'awaiting_asker', 'answered', 'locked'] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];
export const LOCK_REASONS = ['no_response', 'moderator', 'duplicate'] as const;
export type LockReason = (typeof LOCK_REASONS)[number];
export const POSTER_ROLES = ['member', 'moderator', 'admin'] as const;

/**
 * Who may see a post besides staff (docs/moderation.md). null (or missing): everyone.
 * `held`: a new account's post with links, waiting for review (its author sees it);
 * `hidden`: hidden pending review by flags, or hidden by a moderator (its author sees it);
 * `deleted`: soft-deleted by a moderator, restorable (staff only).
 */
export const VISIBILITIES = ['held', 'hidden', 'deleted'] as const;
export type Visibility = (typeof VISIBILITIES)[number];
/** Why a post is not visible: a new account's links, members' flags, a moderator's decision. */
export const VISIBILITY_REASONS = ['new_account_links', 'flags', 'moderator'] as const;
export type VisibilityReason = (typeof VISIBILITY_REASONS)[number];

/** The moderation fields threads and replies share. */
export const visibilityFields = {
  visibility: { type: String, enum: [...VISIBILITIES, null], default: null },
  visibilityReason: { type: String, enum: [...VISIBILITY_REASONS, null], default: null },
  visibilityChangedAt: { type: Date, default: null },
  visibilityChangedBy: { type: Schema.Types.ObjectId, ref: 'User', default: null },
} as const;

/**
 * A question thread. The question itself lives on the thread (not as reply #0), so the
 * thread page is two queries: this document by _id and its replies by threadId.
 *
 * Author, product names and the last poster are denormalised for fast list and thread
 * pages. Counters (replyCount, views) change only by atomic $inc. State changes (accept,
 * lock, status) are conditional single-document updates; see server/threads/index.ts.
 */
export const threadSchema = new Schema(
  {
    title: { type: String, required: true, maxlength: 200 },
    slug: { type: String, default: '' },
    bodySource: { type: String, required: true },
    bodyHtml: { type: String, required: true },
    rendererVersion: { type: Number, required: true },

    author: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    authorName: { type: String, required: true },
    authorUsername: { type: String, required: true },
    authorRole: { type: String, enum: POSTER_ROLES, default: 'member' },

    products: { type: [Schema.Types.ObjectId], ref: 'Product', default: [] },
    /** Same order as `products`. */
    productNames: { type: [String], default: [] },

    status: { type: String, enum: THREAD_STATUSES, default: 'open', required: true },
    acceptedReplyId: { type: Schema.Types.ObjectId, ref: 'Reply', default: null },
    acceptedAt: { type: Date, default: null },
    acceptedBy: { type: Schema.Types.ObjectId, ref: 'User', default: null },

    replyCount: { type: Number, default: 0 },
    views: { type: Number, default: 0 },

    lastActivityAt: { type: Date, required: true },
    /** Role of whoever posted last (the question or a human reply); drives impliedStatus(). */
    lastPosterRole: { type: String, enum: POSTER_ROLES, default: 'member' },
    lastPosterId: { type: Schema.Types.ObjectId, ref: 'User', default: null },
    lastPosterName: { type: String, default: '' },
    /** Whether the last human post was by the asker (a staff asker still counts as the asker). */
    lastPosterIsAsker: { type: Boolean, default: true },

    // Support lifecycle (server/threads/lifecycle.ts). Deadlines exist only while they apply
    // and are $unset otherwise, so the sparse indexes below hold only the threads a sweep or
    // the moderator queue may need: lockDueAt/reminderDueAt only on awaiting_asker threads.
    awaitingSince: { type: Date },
    /** Start of the current wait for support (question or asker response); firstResponseDueAt counts from it. */
    openSince: { type: Date },
    lockDueAt: { type: Date },
    reminderDueAt: { type: Date },
    reminderSentAt: { type: Date },
    firstResponseDueAt: { type: Date },

    lockedAt: { type: Date, default: null },
    lockReason: { type: String, enum: [...LOCK_REASONS, null], default: null },
    lockNote: { type: String, default: '' },
    lockedBy: { type: Schema.Types.ObjectId, ref: 'User', default: null },

    /**
     * Search only (server/threads/search-text.ts): the source of the thread's human replies,
     * joined and capped, so replies' words find their thread. Never selected by default,
     * never shown; only public reply text goes in (private messages live elsewhere).
     */
    searchText: { type: String, default: '', select: false },
    /** searchText's length in code points, so a reply appends without counting it (server/threads/search-text.ts). */
    searchTextLength: { type: Number, default: 0, select: false },

    /**
     * The asker said a staff reply did not solve the problem, and no staff reply has come
     * since (server/threads/solved-prompt.ts): the queue shows it. Absent otherwise.
     */
    notSolvedAt: { type: Date },
    notSolvedReplyId: { type: Schema.Types.ObjectId },

    /** Set once support writes privately about this thread: a content-free notice shown to the asker only. */
    privateMessageNoticeAt: { type: Date, default: null },

    /** People who pressed "I have the same question" (server/notifications/watching.ts), by $inc. */
    sameQuestionCount: { type: Number, default: 0 },
    /**
     * The asker wrote again after an accepted answer ("it broke again"): the thread is back in
     * the moderator queue until support replies. Exists only while it applies (sparse index).
     */
    followUpAt: { type: Date },
    ...visibilityFields,
    /** The support moderator who owns this question (support queue filters "mine", "unassigned"). */
    assigneeId: { type: Schema.Types.ObjectId, ref: 'User', default: null },
    assigneeName: { type: String, default: null },
    /** Closed as a duplicate of this thread (lockReason 'duplicate'). */
    duplicateOf: { type: Schema.Types.ObjectId, ref: 'Thread', default: null },

    editedAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  // Timestamps come from the injected clock (services set them), never from Date.now().
  { versionKey: false },
);

// One index per list query: all threads, by status, by product; _id breaks ties so
// skip/limit pages are stable. The lists show public threads only ({visibility: null}), so
// visibility leads each key: the index then answers the list's filter exactly, and the
// embedded engine counts a filtered total and skips to a deep page inside SQLite without
// reading a document (without it, page 9000 of 1M threads read 180k documents: 15 s).
threadSchema.index({ visibility: 1, lastActivityAt: -1, _id: -1 });
threadSchema.index({ visibility: 1, status: 1, lastActivityAt: -1, _id: -1 });
threadSchema.index({ visibility: 1, products: 1, lastActivityAt: -1, _id: -1 });
threadSchema.index({ author: 1, createdAt: -1 });
// Support lifecycle: the lock and reminder sweeps are range queries on these (cost grows with
// the due threads only); the moderator queue walks status + first-response target.
threadSchema.index({ lockDueAt: 1 }, { sparse: true });
threadSchema.index({ reminderDueAt: 1 }, { sparse: true });
threadSchema.index({ status: 1, firstResponseDueAt: 1, _id: 1 });
// The queue's follow-ups: only threads with a follow-up waiting carry the field.
threadSchema.index({ followUpAt: 1 }, { sparse: true });
// The support queue filtered by assignee ("mine", "unassigned": assigneeId null).
threadSchema.index({ assigneeId: 1, status: 1, firstResponseDueAt: 1, _id: 1 });
threadSchema.index({ assigneeId: 1, status: 1, lockDueAt: 1, _id: 1 });
// Search (server/search/): a title word counts five times a body word, ten times a reply word.
threadSchema.index(
  { title: 'text', bodySource: 'text', searchText: 'text' },
  { name: 'thread_search', weights: { title: 10, bodySource: 2, searchText: 1 }, default_language: 'english' },
);

export interface ThreadDoc {
  _id: Types.ObjectId;
  title: string;
  slug: string;
  bodySource: string;
  bodyHtml: string;
  rendererVersion: number;
  author: Types.ObjectId;
  authorName: string;
  authorUsername: string;
  authorRole: (typeof POSTER_ROLES)[number];
  products: Types.ObjectId[];
  productNames: string[];
  status: ThreadStatus;
  acceptedReplyId: Types.ObjectId | null;
  acceptedAt: Date | null;
  acceptedBy: Types.ObjectId | null;
  replyCount: number;
  views: number;
  lastActivityAt: Date;
  lastPosterRole: (typeof POSTER_ROLES)[number];
  lastPosterId: Types.ObjectId | null;
  lastPosterName: string;
  lastPosterIsAsker: boolean;
  awaitingSince?: Date;
  openSince?: Date;
  lockDueAt?: Date;
  reminderDueAt?: Date;
  reminderSentAt?: Date;
  firstResponseDueAt?: Date;
  lockedAt: Date | null;
  lockReason: LockReason | null;
  lockNote: string;
  lockedBy: Types.ObjectId | null;
  privateMessageNoticeAt: Date | null;
  notSolvedAt?: Date;
  notSolvedReplyId?: Types.ObjectId;
  sameQuestionCount?: number;
  followUpAt?: Date;
  visibility?: Visibility | null;
  visibilityReason?: VisibilityReason | null;
  visibilityChangedAt?: Date | null;
  visibilityChangedBy?: Types.ObjectId | null;
  assigneeId?: Types.ObjectId | null;
  assigneeName?: string | null;
  duplicateOf?: Types.ObjectId | null;
  searchText?: string;
  /** Absent on threads stored before it existed (the first reply records it). */
  searchTextLength?: number;
  editedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
