import type { Types } from 'mongoose';
import type { Models } from '../../models';
import type { UploadScope } from '../../models/upload';
import type { AuditLog } from '../audit';
import type { Actor } from '../kernel/actor';
import { isStaff } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import type { AttachmentLimits, ImageLimits } from '../images';
import type { ScanState, Scanner } from './scanner';
import type { BlobStore } from './store';
import type { ConversationAccess } from './access';
import { uploadMarkdown, uploadUrl } from './references';

/**
 * Moderation's say on uploading, called before a file is read (issue 15's rules for
 * suspended and brand-new accounts plug in here, from server/compose.ts). Throw an AppError
 * (a ForbiddenError, 403) to refuse; the message is shown to the member. Default: allowed.
 */
export type UploadPolicy = (actor: Actor, request: { scope: UploadScope; conversationId: string | null }) => void | Promise<void>;

/** The limits the uploads domain enforces (from configuration, server/config.ts). */
export interface UploadLimits {
  image: ImageLimits;
  attachment: AttachmentLimits;
  /** Uploads per person in any 24 hours (staff exempt). */
  dailyCount: number;
  /** Bytes per person in any 24 hours (staff exempt). */
  dailyBytes: number;
  /** Uploaded files one post or message may show. */
  perPost: number;
  /** Milliseconds publishing waits for an image still being read. */
  publishWaitMs: number;
}

/** What the uploads domain's services share: built once in server/uploads/index.ts. */
export interface UploadsContext {
  Upload: Models['Upload'];
  clock: Clock;
  logger: Logger;
  store: BlobStore;
  scanner: Scanner;
  audit: AuditLog;
  limits: UploadLimits;
  policy: UploadPolicy;
  conversationAccess: ConversationAccess;
}

/** An upload as stored (lean). */
export interface UploadDoc {
  _id: Types.ObjectId;
  ownerId: Types.ObjectId;
  ownerUsername: string;
  scope: UploadScope;
  conversationId: Types.ObjectId | null;
  kind: 'image' | 'attachment';
  type: string;
  charset: string | null;
  name: string;
  alt: string;
  bytes: number;
  width: number | null;
  height: number | null;
  fileId: Types.ObjectId | null;
  thumbnailId: Types.ObjectId | null;
  createdAt: Date;
  publishedAt: Date | null;
  /** Its post is held, hidden or deleted (models/upload.ts); absent on documents made before. */
  withheldAt?: Date | null;
  blurredFrom: Types.ObjectId | null;
  scan: ScanState & { at?: Date | null; ms?: number | null };
  postedAnywayAt: Date | null;
  deletedAt: Date | null;
  replacedBy: Types.ObjectId | null;
}

/**
 * An upload for its owner's page and the JSON API: `{ id, url, type, width?, height?, bytes }`
 * (issue 16's contract) plus what the forms use. The guard's findings (`scan.matches`: boxes
 * and kinds) only for the owner and staff.
 */
export interface UploadView {
  id: string;
  url: string;
  type: string;
  width?: number;
  height?: number;
  bytes: number;
  kind: 'image' | 'attachment';
  name: string;
  /** The description suggested from the file name (images). */
  alt: string;
  /** What to put in a post: `![alt](url)` or `[name](url)`. */
  markdown: string;
  thumbnailUrl?: string;
  scope: UploadScope;
  conversationId: string | null;
  scan?: { status: ScanState['status']; matches: ScanState['matches'] };
}

export function uploadView(u: UploadDoc, viewer: Actor | null): UploadView {
  const id = String(u._id);
  const mine = !!viewer && (viewer.id === String(u.ownerId) || isStaff(viewer));
  return {
    id,
    url: uploadUrl(id),
    type: u.type,
    ...(u.width ? { width: u.width } : {}),
    ...(u.height ? { height: u.height } : {}),
    bytes: u.bytes,
    kind: u.kind,
    name: u.name,
    alt: u.alt,
    markdown: uploadMarkdown({ id, kind: u.kind, alt: u.alt, name: u.name }),
    ...(u.thumbnailId ? { thumbnailUrl: `${uploadUrl(id)}/thumb` } : {}),
    scope: u.scope,
    conversationId: u.conversationId ? String(u.conversationId) : null,
    ...(mine && u.kind === 'image' ? { scan: { status: u.scan.status, matches: u.scan.matches ?? [] } } : {}),
  };
}
