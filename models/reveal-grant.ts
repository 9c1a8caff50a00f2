import { Schema, type Types } from 'mongoose';

/**
 * A reveal of one secure field, granted by the POST (audited there) and shown by the next GET
 * of the conversation page, once (server/messages/reveal.ts): POST-redirect-GET, so Back and
 * reload never post again and never show the value again. Holds ids and the outcome, never the
 * value (the GET decrypts it); single-use (deleted when shown) and short-lived (expiresAt, with
 * a TTL index that removes the ones never shown).
 */
export const REVEAL_OUTCOMES = ['ok', 'expired', 'cannot_decrypt'] as const;
export type RevealGrantOutcome = (typeof REVEAL_OUTCOMES)[number];

export const revealGrantSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    conversationId: { type: Schema.Types.ObjectId, required: true },
    messageId: { type: Schema.Types.ObjectId, required: true },
    fieldId: { type: String, required: true },
    outcome: { type: String, enum: REVEAL_OUTCOMES, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'reveal_grants', versionKey: false },
);

// The conversation page takes the reader's grants for that conversation.
revealGrantSchema.index({ userId: 1, conversationId: 1 });
revealGrantSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export interface RevealGrantDoc {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  conversationId: Types.ObjectId;
  messageId: Types.ObjectId;
  fieldId: string;
  outcome: RevealGrantOutcome;
  createdAt: Date;
  expiresAt: Date;
}
