import { Schema, type Types } from 'mongoose';

/**
 * Reply-by-e-mail messages already handled, by Message-ID and person, so a sending server's
 * retry of the same message posts nothing twice. Kept 30 days (TTL).
 */
export const inboundReplySchema = new Schema(
  {
    /** sha256(messageId + userId), hex. */
    _id: { type: String, required: true },
    threadId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    /** 'posting' while being handled, then 'posted' or 'held'. */
    state: { type: String, enum: ['posting', 'posted', 'held'], required: true },
    replyId: { type: Schema.Types.ObjectId, default: null },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'inbound_replies', versionKey: false },
);

inboundReplySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export interface InboundReplyDoc {
  _id: string;
  threadId: Types.ObjectId;
  userId: Types.ObjectId;
  state: 'posting' | 'posted' | 'held';
  replyId: Types.ObjectId | null;
  createdAt: Date;
  expiresAt: Date;
}
