import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';

/**
 * A private conversation between a member and one or more moderators (or two members).
 *
 * Per-participant state lives in two maps keyed by user id (`unread.<userId>`,
 * `lastReadAt.<userId>`), so a new message is one `$inc` per recipient path and marking
 * read is one `$set`: plain dotted paths, no array filters.
 *
 * `participantIds` is the access list: every query for a conversation includes it (or a
 * live break-glass grant), so a non-participant cannot learn that one exists.
 */
const participantSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    username: { type: String, required: true },
    displayName: { type: String, default: '' },
    role: { type: String, default: 'member' },
  },
  { _id: false },
);

/** An admin's audited, time-limited read access (POST /messages/:id/break-glass). */
const grantSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    until: { type: Date, required: true },
  },
  { _id: false },
);

export const conversationSchema = new Schema(
  {
    subject: { type: String, required: true, maxlength: 200 },
    participants: { type: [participantSchema], default: [] },
    participantIds: { type: [Schema.Types.ObjectId], required: true },
    startedBy: { type: Schema.Types.ObjectId, required: true },
    /** The question thread this conversation is about (optional). */
    threadId: { type: Schema.Types.ObjectId, default: null },
    /** The thread's asker when linked: their messages here count as the asker's response. */
    threadAskerId: { type: Schema.Types.ObjectId, default: null },
    createdAt: { type: Date, required: true },
    lastMessageAt: { type: Date, required: true },
    messageCount: { type: Number, default: 0 },
    unread: { type: Map, of: Number, default: {} },
    lastReadAt: { type: Map, of: Date, default: {} },
    accessGrants: { type: [grantSchema], default: [] },
  },
  { collection: 'conversations', versionKey: false, minimize: false },
);

conversationSchema.index({ participantIds: 1, lastMessageAt: -1 });
conversationSchema.index({ threadId: 1 }, { sparse: true });

export type ConversationAttrs = InferSchemaType<typeof conversationSchema>;
export type ConversationDoc = HydratedDocument<ConversationAttrs>;
