import { Schema, type InferSchemaType, type Types } from 'mongoose';

/** Where an upload may be shown: a public post (question, reply) or a private conversation. */
export const UPLOAD_SCOPES = ['public', 'private'] as const;
export type UploadScope = (typeof UPLOAD_SCOPES)[number];

/**
 * What the screenshot guard knows about an image for a public post:
 * - pending: not read yet (OCR queued or running);
 * - clean: read, nothing private found;
 * - flagged: read, `matches` found (the post is held until they are blurred, or posted anyway);
 * - failed: could not be read (`error`: the OcrError code); the post is held as unchecked;
 * - skipped: not read on purpose (private-message files, or the guard is turned off).
 */
export const SCAN_STATUSES = ['pending', 'clean', 'flagged', 'failed', 'skipped'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

const boxSchema = new Schema({ x: Number, y: Number, w: Number, h: Number }, { _id: false });

const scanMatchSchema = new Schema(
  {
    box: { type: boxSchema, required: true },
    kind: { type: String, required: true },
    label: { type: String, required: true },
  },
  { _id: false },
);

/**
 * One uploaded file. The bytes live in GridFS (bucket `upload_blobs`: collections
 * `upload_blobs.files` and `upload_blobs.chunks`), `fileId` and `thumbnailId` point there;
 * this document holds who, where, what and the guard's findings.
 *
 * Visibility (server/uploads/access.ts): a public image is shown to everyone once a post of
 * its owner cleared it (`publishedAt`) and no moderator withholds it (`withheldAt`), otherwise
 * to its owner and staff only; a private
 * file to the readers of `conversationId`, before it is attached to one to its owner only.
 * The matches hold boxes and kinds, never the text that was read.
 */
export const uploadSchema = new Schema(
  {
    ownerId: { type: Schema.Types.ObjectId, required: true },
    ownerUsername: { type: String, required: true },
    scope: { type: String, enum: UPLOAD_SCOPES, required: true },
    /** Private files: the conversation they belong to (null until the message is sent). */
    conversationId: { type: Schema.Types.ObjectId, default: null },
    kind: { type: String, enum: ['image', 'attachment'], required: true },
    /** The media type it is served with (read from the bytes, never from the client). */
    type: { type: String, required: true },
    /** Text attachments: the charset they are served with. */
    charset: { type: String, default: null },
    /** The download name (attachments) or the original name (images), cleaned. */
    name: { type: String, required: true, maxlength: 200 },
    /** The description suggested from the file name (the member edits it in the post). */
    alt: { type: String, default: '', maxlength: 200 },
    bytes: { type: Number, required: true },
    width: { type: Number, default: null },
    height: { type: Number, default: null },
    /** The GridFS files (null once the bytes are deleted). */
    fileId: { type: Schema.Types.ObjectId, default: null },
    thumbnailId: { type: Schema.Types.ObjectId, default: null },
    createdAt: { type: Date, required: true },
    /** Set when a public post of its owner was allowed to show it; from then on, public. */
    publishedAt: { type: Date, default: null },
    /**
     * Set while the post that published it is held, hidden or deleted by moderation: its owner
     * and staff still see it, nobody else (server/uploads/access.ts). Cleared on approval or restore.
     */
    withheldAt: { type: Date, default: null },
    /** The upload this one was made from by blurring (whose bytes were then deleted). */
    blurredFrom: { type: Schema.Types.ObjectId, default: null },
    scan: {
      status: { type: String, enum: SCAN_STATUSES, required: true },
      matches: { type: [scanMatchSchema], default: [] },
      error: { type: String, default: null },
      at: { type: Date, default: null },
      /** Milliseconds the recognition ran on its worker. */
      ms: { type: Number, default: null },
    },
    /** The owner chose "post anyway" for this image's findings (audited). */
    postedAnywayAt: { type: Date, default: null },
    /**
     * Set when the bytes were deleted (after blurring: `replacedBy` is the blurred copy). The
     * document stays, without its bytes or findings, so the daily quota still counts it.
     */
    deletedAt: { type: Date, default: null },
    replacedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { collection: 'uploads', versionKey: false },
);

// The daily quota counts one person's uploads of the last 24 hours: an index range.
uploadSchema.index({ ownerId: 1, createdAt: -1 });

export type UploadAttrs = InferSchemaType<typeof uploadSchema>;
export type UploadRecord = UploadAttrs & { _id: Types.ObjectId };
