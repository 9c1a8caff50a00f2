import { Schema, type Types } from 'mongoose';

/** What can be flagged: a question, a reply, a private message. */
export const FLAG_POST_TYPES = ['thread', 'reply', 'message'] as const;
export type FlagPostType = (typeof FLAG_POST_TYPES)[number];

/**
 * Why. `private_information` goes first in the moderation queue; `other` needs a text.
 * `held_for_review` is the forum's own entry for a new account's post with links (no flagger).
 */
export const FLAG_REASONS = ['spam', 'abusive', 'off_topic', 'private_information', 'other'] as const;
export type FlagReason = (typeof FLAG_REASONS)[number] | 'held_for_review';

/** How a flag was handled, told to the flagger (notification kind `flag_handled`). */
export const FLAG_OUTCOMES = ['kept', 'hidden', 'deleted', 'edited', 'redacted', 'author_suspended'] as const;
export type FlagOutcome = (typeof FLAG_OUTCOMES)[number];

/**
 * One person's flag on one post (docs/moderation.md). The unique index makes "one flag per
 * person per post" hold under concurrent requests. `weight` is the flagger's standing when they
 * flagged (staff, trusted, member): it decides whether flags hide the post before review.
 * `text` may quote private information (a `private_information` flag says what is private):
 * a redaction of the post replaces the span here too.
 */
/**
 * Which post an entry is about, shared by flags and moderation items (models/moderation-item.ts):
 * its kind and id, its thread or conversation, and its author ("flags against" a member on the
 * admin users page).
 */
export const postRefFields = {
  postType: { type: String, enum: FLAG_POST_TYPES, required: true },
  postId: { type: Schema.Types.ObjectId, required: true },
  threadId: { type: Schema.Types.ObjectId, default: null },
  conversationId: { type: Schema.Types.ObjectId, default: null },
  authorId: { type: Schema.Types.ObjectId, default: null },
};

export const flagSchema = new Schema(
  {
    ...postRefFields,
    /** null for the forum's own `held_for_review` entries. */
    flaggerId: { type: Schema.Types.ObjectId, default: null },
    flaggerUsername: { type: String, default: '' },
    reason: { type: String, enum: [...FLAG_REASONS, 'held_for_review'], required: true },
    text: { type: String, default: '', maxlength: 1000 },
    weight: { type: String, enum: ['staff', 'trusted', 'member', 'system'], required: true },
    itemId: { type: Schema.Types.ObjectId, required: true },
    /**
     * `<postType>:<postId>:<flaggerId>` for a person's flag: its unique index is "one flag per
     * person per post". The forum's own entries use `<postType>:<postId>:held:<flag id>`.
     */
    dedupeKey: { type: String, required: true },
    status: { type: String, enum: ['open', 'handled'], default: 'open' },
    outcome: { type: String, enum: [...FLAG_OUTCOMES, null], default: null },
    handledAt: { type: Date, default: null },
    handledBy: { type: Schema.Types.ObjectId, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'flags', versionKey: false },
);

flagSchema.index({ dedupeKey: 1 }, { unique: true });
flagSchema.index({ itemId: 1, status: 1 });
flagSchema.index({ authorId: 1, createdAt: -1 });
flagSchema.index({ flaggerId: 1, createdAt: -1 });

export interface FlagDoc {
  _id: Types.ObjectId;
  postType: FlagPostType;
  postId: Types.ObjectId;
  threadId: Types.ObjectId | null;
  conversationId: Types.ObjectId | null;
  authorId: Types.ObjectId | null;
  flaggerId: Types.ObjectId | null;
  flaggerUsername: string;
  reason: FlagReason;
  text: string;
  weight: 'staff' | 'trusted' | 'member' | 'system';
  itemId: Types.ObjectId;
  dedupeKey: string;
  status: 'open' | 'handled';
  outcome: FlagOutcome | null;
  handledAt: Date | null;
  handledBy: Types.ObjectId | null;
  createdAt: Date;
}
