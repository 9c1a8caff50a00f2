/**
 * Uploads: screenshots and files in posts and private messages, stored in GridFS, served
 * under strict rules, and the screenshot guard that reads public-post images (OCR) before
 * they are published. The public entry of the uploads domain; docs/uploads.md has the rules.
 *
 * A low domain: threads and messages call it through functions the composition root hands
 * them (the guard, the per-message checks); it learns who may read a conversation the same
 * way (`conversationAccess`, from messages), and never imports a higher domain.
 */
import type { AuditLog } from '../audit';
import type { CoreDeps } from '../kernel/deps';
import { DEFAULT_ATTACHMENT_LIMITS, DEFAULT_IMAGE_LIMITS } from '../images';
import { createOcrPool, type OcrPool } from '../ocr';
import type { ConversationAccess } from './access';
import type { UploadLimits, UploadPolicy, UploadsContext } from './context';
import { uploadEndpoints, formAttachments } from './endpoints';
import { multipartParser } from './multipart';
import { createPostGuard } from './post-guard';
import { createScanner } from './scanner';
import { createUploadService } from './service';
import { createBlobStore } from './store';

export interface UploadsDeps {
  audit: AuditLog;
  /** Who may read a conversation (messages' rule, passed down by server/compose.ts). */
  conversationAccess: ConversationAccess;
  /** Moderation's rules for uploading (issue 15); default: every signed-in person may upload. */
  policy?: UploadPolicy;
  /** The OCR pool (tests and benchmarks pass their own); default: one from configuration. */
  ocrPool?: OcrPool | null;
}

export function createUploads(core: CoreDeps, deps: UploadsDeps) {
  const { config, models, clock, logger } = core;
  const limits: UploadLimits = {
    image: {
      ...DEFAULT_IMAGE_LIMITS,
      maxBytes: config.UPLOAD_IMAGE_MAX_BYTES,
      maxPixels: config.UPLOAD_IMAGE_MAX_PIXELS,
      maxEdge: config.UPLOAD_IMAGE_MAX_EDGE,
    },
    attachment: { ...DEFAULT_ATTACHMENT_LIMITS, maxBytes: config.UPLOAD_ATTACHMENT_MAX_BYTES },
    dailyCount: config.UPLOAD_DAILY_MAX,
    dailyBytes: config.UPLOAD_DAILY_MAX_MB * 1024 * 1024,
    perPost: config.UPLOAD_PER_POST_MAX,
    publishWaitMs: config.OCR_PUBLISH_WAIT_MS,
  };
  // One pool per process, lazy (no thread before the first image), closed by stop().
  const pool =
    deps.ocrPool !== undefined
      ? deps.ocrPool
      : config.OCR_WORKERS === 0
        ? null
        : createOcrPool({
            ...(config.OCR_WORKERS !== undefined ? { size: config.OCR_WORKERS } : {}),
            queueLimit: config.OCR_QUEUE_LIMIT,
            jobTimeoutMs: config.OCR_JOB_TIMEOUT_MS,
            logger,
          });
  const db = models.Upload.db.db;
  if (!db) throw new Error('uploads need a connected database');
  const store = createBlobStore(db);
  const scanner = createScanner({ pool, Upload: models.Upload, store, clock, logger });
  const ctx: UploadsContext = {
    Upload: models.Upload,
    clock,
    logger,
    store,
    scanner,
    audit: deps.audit,
    limits,
    policy: deps.policy ?? (() => undefined),
    conversationAccess: deps.conversationAccess,
  };
  const service = createUploadService(ctx);
  const guard = createPostGuard(ctx, service);
  const multipart = multipartParser({
    maxFileBytes: Math.max(limits.image.maxBytes, limits.attachment.maxBytes),
    fieldBytes: config.BODY_LIMIT_KB * 1024,
  });

  return {
    ...service,
    ...guard,
    limits,
    /** Multipart parsing for the upload API and the forms (multer, memory storage, capped). */
    multipart,
    /** Stops the OCR workers and waits for scans in flight to record their outcome. */
    async stop(): Promise<void> {
      await pool?.close();
      await scanner.drain();
    },
  };
}

export type Uploads = ReturnType<typeof createUploads>;

export { uploadEndpoints, formAttachments };
export { parsePostImageOptions, type PostImageOptions, type PublicPostGuard } from './post-guard';
export type { UploadPolicy } from './context';
export type { ConversationAccess } from './access';
