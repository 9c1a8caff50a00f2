import { Types } from 'mongoose';
import type { Readable } from 'node:stream';
import type { UploadScope } from '../../models/upload';
import { isStaff, type Actor } from '../kernel/actor';
import { AppError, NotFoundError, UnauthorizedError, ValidationError } from '../kernel/errors';
import {
  IMAGE_TYPES,
  UploadError,
  blurRegions,
  formatBytes,
  identifyAttachment,
  inspectAndNormalize,
  outlineRegions,
  sniffType,
  type BlurMode,
  type Box,
} from '../images';
import { visibilityOf } from './access';
import { uploadView, type UploadDoc, type UploadsContext, type UploadView } from './context';
import { altFromFileName, cleanFileName } from './references';

const DAY_MS = 24 * 3600 * 1000;

/** 429 `upload_quota`: the person's uploads of the last 24 hours reached a limit. */
export class UploadQuotaError extends AppError {
  constructor(message: string, retryAfterSeconds: number, details: Record<string, unknown>) {
    super(429, 'upload_quota', message, { retryAfterSeconds, ...details });
  }
}

export interface CreateInput {
  data: Buffer;
  /** The name the client gave the file (only for the download name and the suggested description). */
  fileName: string;
  scope: UploadScope;
  /** A private message's conversation (implies scope 'private'). */
  conversationId?: string;
  /** The uploader's description; default: one made from the file name. */
  alt?: string;
}

/** A file to send: its headers' facts and its bytes. */
export interface OpenedUpload {
  type: string;
  charset: string | null;
  kind: 'image' | 'attachment';
  name: string;
  /** Length of what `open()` gives, when known. */
  bytes: number | null;
  /** public: anyone, cacheable for a year; private: this reader, never stored. */
  visibility: 'public' | 'private';
  /** An ETag: the upload id and the variant (an upload's bytes never change). */
  etag: string;
  open(): Readable | Buffer;
}

export type UploadVariant = 'file' | 'thumb' | 'guard';

const oid = (id: string): Types.ObjectId => {
  if (!/^[0-9a-fA-F]{24}$/.test(id)) throw new NotFoundError('That file does not exist.');
  return new Types.ObjectId(id);
};

/** Uploading, serving and blurring files. The public-post guard is in post-guard.ts. */
export function createUploadService(ctx: UploadsContext) {
  const { Upload, clock, store, scanner, limits } = ctx;

  async function checkQuota(actor: Actor, bytes: number, now: Date): Promise<void> {
    if (isStaff(actor)) return;
    const since = new Date(now.getTime() - DAY_MS);
    // Blurred copies replace an upload already counted; they do not count again.
    const match = { ownerId: new Types.ObjectId(actor.id), createdAt: { $gt: since }, blurredFrom: null };
    const [used] = await Upload.aggregate<{ n: number; bytes: number }>([
      { $match: match },
      { $group: { _id: null, n: { $sum: 1 }, bytes: { $sum: '$bytes' } } },
    ]);
    const n = used?.n ?? 0;
    const total = used?.bytes ?? 0;
    if (n < limits.dailyCount && total + bytes <= limits.dailyBytes) return;
    const oldest = await Upload.findOne(match, { createdAt: 1 }).sort({ createdAt: 1 }).lean();
    const retryAfterSeconds = Math.max(1, Math.ceil(((oldest?.createdAt.getTime() ?? now.getTime()) + DAY_MS - now.getTime()) / 1000));
    const message =
      n >= limits.dailyCount
        ? `You have uploaded ${limits.dailyCount} files in the last 24 hours, the most allowed. Please try again later.`
        : `You have uploaded ${formatBytes(total)} in the last 24 hours; this file would go over the ${formatBytes(limits.dailyBytes)} allowed. Please try again later.`;
    throw new UploadQuotaError(message, retryAfterSeconds, { dailyCount: limits.dailyCount, dailyBytes: limits.dailyBytes });
  }

  /**
   * Stores an uploaded file for `actor`: PNG, JPEG, WebP and GIF images anywhere (decoded and
   * re-encoded to a fresh file, server/images), PDF, ZIP and text files in private messages
   * only (stored as sent, served only for download). The type comes from the bytes alone.
   * A public-post image is then read by the screenshot guard in the background.
   *
   * Order: conversation access (404), the moderation policy hook, the daily quota (429
   * upload_quota), the file (UploadError 413/415/422): nothing is stored when any refuses.
   */
  async function create(actor: Actor | null, input: CreateInput): Promise<UploadView> {
    if (!actor) throw new UnauthorizedError();
    const conversationId = input.conversationId ?? null;
    const scope: UploadScope = conversationId ? 'private' : input.scope;
    if (conversationId) {
      const access = /^[0-9a-fA-F]{24}$/.test(conversationId) ? await ctx.conversationAccess(actor, conversationId) : null;
      if (access !== 'participant') throw new NotFoundError('That conversation does not exist.');
    }
    await ctx.policy(actor, { scope, conversationId });
    const now = clock.now();
    await checkQuota(actor, input.data.length, now);

    const sniffed = await sniffType(input.data);
    const isImage = (IMAGE_TYPES as readonly string[]).includes(sniffed.mime);
    if (!isImage && scope === 'public') {
      throw new UploadError(
        'unsupported_type',
        `Only PNG, JPEG, WebP and GIF images can be shown in a public post (PDF, ZIP and text files can be attached to a private message); this file is ${sniffed.description}.`,
        { detected: sniffed.mime, description: sniffed.description },
      );
    }
    const _id = new Types.ObjectId();
    const stored: Types.ObjectId[] = [];
    try {
      let doc: Omit<UploadDoc, 'publishedAt' | 'blurredFrom' | 'postedAnywayAt' | 'deletedAt' | 'replacedBy'>;
      const base = {
        _id,
        ownerId: new Types.ObjectId(actor.id),
        ownerUsername: actor.username,
        scope,
        conversationId: conversationId ? new Types.ObjectId(conversationId) : null,
        createdAt: now,
      };
      if (isImage) {
        const image = await inspectAndNormalize(input.data, limits.image);
        const fileId = await store.put(image.data, { filename: `${_id}`, contentType: image.type });
        stored.push(fileId);
        const thumbnailId = image.thumbnail
          ? await store.put(image.thumbnail.data, { filename: `${_id}-thumb`, contentType: image.thumbnail.type })
          : null;
        if (thumbnailId) stored.push(thumbnailId);
        const scan = scope === 'public' && scanner.enabled ? 'pending' : 'skipped';
        doc = {
          ...base,
          kind: 'image',
          type: image.type,
          charset: null,
          name: cleanFileName(input.fileName || 'image', image.type.split('/')[1]!.replace('jpeg', 'jpg')),
          alt: (input.alt?.trim() || altFromFileName(input.fileName || '')).slice(0, 200),
          bytes: image.bytes,
          width: image.width,
          height: image.height,
          fileId,
          thumbnailId,
          scan: { status: scan, matches: [], error: null },
        };
        await Upload.create(doc);
        if (scan === 'pending') scanner.start(_id, image.data);
      } else {
        const file = await identifyAttachment(input.data, limits.attachment);
        const fileId = await store.put(input.data, { filename: `${_id}`, contentType: file.type });
        stored.push(fileId);
        doc = {
          ...base,
          kind: 'attachment',
          type: file.type,
          charset: file.charset ?? null,
          name: cleanFileName(input.fileName || 'file', file.extension),
          alt: '',
          bytes: file.bytes,
          width: null,
          height: null,
          fileId,
          thumbnailId: null,
          scan: { status: 'skipped', matches: [], error: null },
        };
        await Upload.create(doc);
      }
      return uploadView({ ...doc, publishedAt: null, blurredFrom: null, postedAnywayAt: null, deletedAt: null, replacedBy: null }, actor);
    } catch (err) {
      // Nothing half-stored: bytes written before a failure go again.
      await Promise.all(stored.map((id) => store.remove(id).catch(() => undefined)));
      throw err;
    }
  }

  /** The upload if `actor` may see it (else 404, whatever the reason), with how it may be cached. */
  async function loadVisible(actor: Actor | null, id: string) {
    const u = await Upload.findById(oid(id)).lean<UploadDoc>();
    if (!u || u.deletedAt || !u.fileId) throw new NotFoundError('That file does not exist.');
    const facts = {
      ownerId: String(u.ownerId),
      scope: u.scope,
      conversationId: u.conversationId ? String(u.conversationId) : null,
      publishedAt: u.publishedAt,
      withheldAt: u.withheldAt ?? null,
    };
    const visibility = await visibilityOf(actor, facts, ctx.conversationAccess);
    if (!visibility) throw new NotFoundError('That file does not exist.');
    return { u, visibility };
  }

  /** The owner's or staff's own view of an upload (with the guard's findings), for scripts. */
  async function describe(actor: Actor | null, id: string): Promise<UploadView> {
    const { u } = await loadVisible(actor, id);
    return uploadView(u, actor);
  }

  /**
   * A file to send to `actor`: the upload (`file`), its thumbnail (`thumb`; the image itself
   * when it has none) or, for its owner and staff, the guard's preview with the findings
   * outlined and numbered (`guard`). 404 for anything the reader may not see.
   */
  async function open(actor: Actor | null, id: string, variant: UploadVariant): Promise<OpenedUpload> {
    const { u, visibility } = await loadVisible(actor, id);
    const common = { charset: u.charset, kind: u.kind, name: u.name, etag: `"${u._id}-${variant}"` };
    if (variant === 'guard') {
      const mine = !!actor && (actor.id === String(u.ownerId) || isStaff(actor));
      if (!mine || u.kind !== 'image') throw new NotFoundError('That file does not exist.');
      const data = await store.read(u.fileId!);
      if (!data) throw new NotFoundError('That file does not exist.');
      const png = await outlineRegions(
        data,
        (u.scan.matches ?? []).map((m) => m.box),
        { limits: limits.image },
      );
      return {
        ...common,
        type: 'image/png',
        bytes: png.length,
        visibility: 'private',
        etag: `"${u._id}-guard-${u.scan.matches.length}"`,
        open: () => png,
      };
    }
    if (variant === 'thumb' && u.kind !== 'image') throw new NotFoundError('That file does not exist.');
    const fileId = variant === 'thumb' && u.thumbnailId ? u.thumbnailId : u.fileId!;
    const bytes = variant === 'thumb' && u.thumbnailId ? null : u.bytes;
    return { ...common, type: u.type, bytes, visibility, open: () => store.stream(fileId) };
  }

  /**
   * Hides rectangles of one of `actor`'s images (server/images blurRegions; default mode
   * 'fill', see docs/uploads.md for why) and returns the result as a new upload in the same
   * place (scope, conversation). The original's bytes are deleted; its document stays as a
   * tombstone pointing at the copy (`replacedBy`), so the daily quota still counts it and its
   * URL answers 404. A public image's copy is read again by the screenshot guard.
   * 404 for anyone else's upload, 400 invalid_region for bad boxes.
   */
  async function blur(actor: Actor | null, id: string, input: { boxes: Box[]; mode?: BlurMode }): Promise<UploadView> {
    if (!actor) throw new UnauthorizedError();
    const u = await Upload.findById(oid(id)).lean<UploadDoc>();
    if (!u || u.deletedAt || !u.fileId || String(u.ownerId) !== actor.id) throw new NotFoundError('That file does not exist.');
    if (u.kind !== 'image') throw new ValidationError('Only images can be blurred.');
    if (input.boxes.length === 0) throw new UploadError('invalid_region', 'Choose at least one area to blur.');
    const original = await store.read(u.fileId);
    if (!original) throw new NotFoundError('That file does not exist.');
    const out = await blurRegions(original, input.boxes, { mode: input.mode ?? 'fill', limits: limits.image });

    const now = clock.now();
    const _id = new Types.ObjectId();
    const fileId = await store.put(out.data, { filename: `${_id}`, contentType: out.type });
    const thumbnailId = out.thumbnail
      ? await store.put(out.thumbnail.data, { filename: `${_id}-thumb`, contentType: out.thumbnail.type })
      : null;
    // Claim the original first: of two concurrent blurs, one wins and the other stores nothing.
    const claimed = await Upload.updateOne(
      { _id: u._id, deletedAt: null },
      {
        $set: {
          deletedAt: now,
          replacedBy: _id,
          fileId: null,
          thumbnailId: null,
          scan: { status: u.scan.status, matches: [], error: null },
        },
      },
    );
    if (!claimed.modifiedCount) {
      await Promise.all([store.remove(fileId), thumbnailId ? store.remove(thumbnailId) : undefined]);
      throw new NotFoundError('That file does not exist.');
    }
    const scan = u.scope === 'public' && scanner.enabled ? 'pending' : 'skipped';
    const doc: UploadDoc = {
      ...u,
      _id,
      type: out.type,
      bytes: out.bytes,
      width: out.width,
      height: out.height,
      fileId,
      thumbnailId,
      createdAt: now,
      publishedAt: null,
      blurredFrom: u._id,
      scan: { status: scan, matches: [], error: null },
      postedAnywayAt: null,
      deletedAt: null,
      replacedBy: null,
    };
    await Upload.create(doc);
    await Promise.all([store.remove(u.fileId), u.thumbnailId ? store.remove(u.thumbnailId) : undefined]);
    if (scan === 'pending') scanner.start(_id, out.data);
    return uploadView(doc, actor);
  }

  return { create, describe, open, blur, loadVisible };
}

export type UploadService = ReturnType<typeof createUploadService>;
