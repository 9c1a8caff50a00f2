import { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { visibilityFields } from './thread';

export const SECURE_FIELD_KINDS = ['certification_id', 'access_code', 'other'] as const;
export type SecureFieldKind = (typeof SECURE_FIELD_KINDS)[number];

/**
 * A secure field: the value is only ever stored as `enc`, an AES-256-GCM EncryptedValue
 * sealed by server/messages/secure-fields.ts with aad `message:<id>:field:<fieldId>`.
 * `maskEnc` is the masked form shown on pages (`••••-••••-MR2T`: up to four characters of the
 * value), encrypted the same way under its own aad, so nothing of the value is readable at
 * rest. After expiry the purge removes both and sets `purgedAt`.
 *
 * `maskHint`: the masked form in plain text, as messages stored before issue 18 hold it.
 * Nothing writes it any more; `npm run forum -- encrypt-secure-hints` moves it into maskEnc.
 */
const secureFieldSchema = new Schema(
  {
    fieldId: { type: String, required: true },
    kind: { type: String, enum: SECURE_FIELD_KINDS, required: true },
    label: { type: String, required: true, maxlength: 80 },
    enc: { type: Schema.Types.Mixed, default: null },
    maskEnc: { type: Schema.Types.Mixed, default: null },
    maskHint: { type: String },
    expiresAt: { type: Date, default: null },
    purgedAt: { type: Date, default: null },
  },
  { _id: false },
);

/** A request for the other side to send a secure field (moderator templates). */
const fieldRequestSchema = new Schema(
  {
    kind: { type: String, enum: SECURE_FIELD_KINDS, required: true },
    label: { type: String, required: true, maxlength: 80 },
  },
  { _id: false },
);

export const messageSchema = new Schema(
  {
    conversationId: { type: Schema.Types.ObjectId, required: true },
    authorId: { type: Schema.Types.ObjectId, required: true },
    authorUsername: { type: String, required: true },
    /** Display name and role at the time of writing (support conversations show "Support · name"). */
    authorName: { type: String, default: '' },
    authorRole: { type: String, default: 'member' },
    /** A staff-only note in a support conversation: never shown to, counted for or sent to the member. */
    internal: { type: Boolean, default: false },
    body: { type: String, default: '' },
    html: { type: String, default: '' },
    rendererVersion: { type: Number, default: 1 },
    createdAt: { type: Date, required: true },
    fields: { type: [secureFieldSchema], default: [] },
    requests: { type: [fieldRequestSchema], default: [] },
    /** Earliest expiresAt among fields not yet purged; unset when nothing is due. */
    secretsPurgeAt: { type: Date, default: undefined },
    /** Hidden or deleted by moderation after a flag (models/thread.ts VISIBILITIES). */
    ...visibilityFields,
  },
  { collection: 'messages', versionKey: false },
);

messageSchema.index({ conversationId: 1, createdAt: 1 });
messageSchema.index({ conversationId: 1, 'fields.fieldId': 1 });
// The purge job's range query: cost grows with the number of due messages only.
messageSchema.index({ secretsPurgeAt: 1 }, { sparse: true });

export type MessageAttrs = InferSchemaType<typeof messageSchema>;
export type MessageDoc = HydratedDocument<MessageAttrs>;
