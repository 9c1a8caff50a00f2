import { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';

/**
 * A private conversation between members, or between a member and the support team.
 *
 * A support conversation (`support: true`, docs/support-team.md) is the shared inbox: its
 * `participantIds` hold the member side only, and every moderator and administrator may read
 * and answer it by role. It has an assignee, a status, and internal notes (messages with
 * `internal: true`) that only staff ever see.
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

    // The shared support inbox (support conversations only).
    support: { type: Boolean, default: false },
    /** 'open' until a moderator closes it; "Request the certification ID" reuses the open one. */
    status: { type: String, enum: ['open', 'closed'], default: 'open' },
    assigneeId: { type: Schema.Types.ObjectId, default: null },
    assigneeName: { type: String, default: null },
    /** The member wrote last (internal notes do not count): support owes an answer. */
    awaitingSupport: { type: Boolean, default: false },
    /**
     * `<threadId>:<memberId>` while an open support conversation is linked to a thread, unset
     * otherwise: the unique sparse index allows one open support conversation per thread and
     * member, so two clicks of "Request the certification ID" cannot create two.
     */
    openThreadKey: { type: String, default: undefined },
    /** Participants' usernames and display names, for the inbox search (text index). */
    participantNames: { type: [String], default: [] },
  },
  { collection: 'conversations', versionKey: false, minimize: false },
);

// Inboxes are keyset-paged newest first: (lastMessageAt, _id) is the cursor.
conversationSchema.index({ participantIds: 1, lastMessageAt: -1, _id: -1 });
conversationSchema.index({ threadId: 1 }, { sparse: true });
conversationSchema.index({ support: 1, lastMessageAt: -1, _id: -1 });
conversationSchema.index({ support: 1, assigneeId: 1, lastMessageAt: -1, _id: -1 });
conversationSchema.index({ support: 1, awaitingSupport: 1, lastMessageAt: -1, _id: -1 });
conversationSchema.index({ openThreadKey: 1 }, { unique: true, sparse: true });
conversationSchema.index({ subject: 'text', participantNames: 'text' }, { name: 'conversation_search', default_language: 'none' });

export type ConversationAttrs = InferSchemaType<typeof conversationSchema>;
export type ConversationDoc = HydratedDocument<ConversationAttrs>;
