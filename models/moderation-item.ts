import { Schema, type Types } from 'mongoose';
import { postRefFields, type FlagPostType } from './flag';

/**
 * One entry of the moderation queue per post that was flagged or held for review
 * (docs/moderation.md). Flags on the same post join its entry; handling it resolves every open
 * flag at once; a later flag reopens it.
 *
 * The queue is read in `sortKey` order, keyset-paged (`sortKey > cursor`): the key is
 * `<priority digit>|<opened at, ISO 8601>|<_id hex>`, priority 0 for entries with a
 * "contains private information" flag (they come first) and 1 otherwise. One string range
 * on one index, so a page costs the same at any depth and queue size.
 */
export const moderationItemSchema = new Schema(
  {
    ...postRefFields,
    authorUsername: { type: String, default: '' },
    /** 'held': a new account's post with links; 'flagged': members or staff flagged it. */
    kind: { type: String, enum: ['flagged', 'held'], required: true },
    state: { type: String, enum: ['open', 'resolved'], required: true },
    reasons: { type: [String], default: [] },
    flagCount: { type: Number, default: 0 },
    trustedFlagCount: { type: Number, default: 0 },
    staffFlagged: { type: Boolean, default: false },
    /** The post was hidden pending review (staff flag or enough trusted flags), or held. */
    hiddenPendingReview: { type: Boolean, default: false },
    sortKey: { type: String, required: true },
    openedAt: { type: Date, required: true },
    lastFlagAt: { type: Date, required: true },
    resolvedAt: { type: Date, default: null },
    resolvedBy: { type: Schema.Types.ObjectId, default: null },
    resolution: { type: String, default: null },
  },
  { collection: 'moderation_items', versionKey: false },
);

moderationItemSchema.index({ postType: 1, postId: 1 }, { unique: true });
moderationItemSchema.index({ state: 1, sortKey: 1 });
moderationItemSchema.index({ state: 1, kind: 1, sortKey: 1 });

export interface ModerationItemDoc {
  _id: Types.ObjectId;
  postType: FlagPostType;
  postId: Types.ObjectId;
  threadId: Types.ObjectId | null;
  conversationId: Types.ObjectId | null;
  authorId: Types.ObjectId | null;
  authorUsername: string;
  kind: 'flagged' | 'held';
  state: 'open' | 'resolved';
  reasons: string[];
  flagCount: number;
  trustedFlagCount: number;
  staffFlagged: boolean;
  hiddenPendingReview: boolean;
  sortKey: string;
  openedAt: Date;
  lastFlagAt: Date;
  resolvedAt: Date | null;
  resolvedBy: Types.ObjectId | null;
  resolution: string | null;
}
