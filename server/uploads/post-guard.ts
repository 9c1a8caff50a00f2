import { Types } from 'mongoose';
import { z } from 'zod';
import type { Actor } from '../kernel/actor';
import { ConflictError, ValidationError } from '../kernel/errors';
import { objectIdString, parseInput, stringList } from '../kernel/validate';
import type { Box } from '../images';
import { guardPublicPost, type ImageFinding } from '../privacy';
import type { UploadDoc, UploadsContext } from './context';
import type { ScanState } from './scanner';
import type { UploadService } from './service';
import { referencedUploadIds, replaceUploadReferences } from './references';

/** The author's answers to a held post, sent with the post again. */
export interface PostImageOptions {
  /** Areas of the author's own images in this post to blur before publishing. */
  blur?: { uploadId: string; boxes: Box[] }[];
  /** Publish the author's images whatever the guard found (or could not check); audited. */
  postAnyway?: boolean;
}

/** The public-post guard with images (the threads domain calls it before every public write). */
export type PublicPostGuard = (
  actor: Actor,
  post: { title?: string; body: string },
  options?: PostImageOptions,
) => Promise<{ body: string }>;

export const UNCHECKED_MESSAGE =
  'We could not check the images in this post for private information yet, so it was not published. Try again in a minute, ' +
  'send it privately to support, or post it anyway.';

const box = z.object({
  x: z.number().finite(),
  y: z.number().finite(),
  w: z.number().finite().positive(),
  h: z.number().finite().positive(),
});
const jsonOptions = z.object({
  postAnyway: z.boolean().optional(),
  blur: z
    .array(z.object({ uploadId: objectIdString, boxes: z.array(box).min(1).max(100) }))
    .max(20)
    .optional(),
});
// Forms: `imageChoice` is the button pressed; each checked area is "uploadId:x,y,w,h".
const AREA = /^([0-9a-fA-F]{24}):(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)$/;
const formOptions = z.object({
  imageChoice: z.enum(['blur', 'anyway', 'retry']).optional(),
  blur: stringList(200).pipe(z.array(z.string().regex(AREA, { message: 'is not an area of an image' }))),
});

/**
 * The held-post choices from a request body: JSON `{ postAnyway?: boolean, blur?: [{ uploadId,
 * boxes: [{x, y, w, h}] }] }`, or a form's `imageChoice` button (`blur` with the checked
 * `blur` areas, `anyway`, `retry`). Throws ValidationError (400) on malformed values.
 */
export function parsePostImageOptions(body: unknown, kind: 'page' | 'api'): PostImageOptions {
  if (kind === 'api') return parseInput(jsonOptions, body);
  const f = parseInput(formOptions, body);
  if (f.imageChoice === 'anyway') return { postAnyway: true };
  if (f.imageChoice !== 'blur') return {};
  const byUpload = new Map<string, Box[]>();
  for (const area of f.blur) {
    const [, id, x, y, w, h] = AREA.exec(area)!;
    const key = id!.toLowerCase();
    byUpload.set(key, [...(byUpload.get(key) ?? []), { x: Number(x), y: Number(y), w: Number(w), h: Number(h) }]);
  }
  if (byUpload.size === 0) throw new ValidationError('Tick at least one area to blur.', { blur: 'Tick at least one area to blur.' });
  return { blur: [...byUpload].map(([uploadId, boxes]) => ({ uploadId, boxes })) };
}

/**
 * The screenshot guard at publish time, and uploads in private messages.
 *
 * guardPost, for a question, reply or edit about to be published by `actor`:
 * 1. the per-post limit on uploaded files (400);
 * 2. the author's own private-message files cannot go public (400);
 * 3. the areas the author asked to blur are blurred (new uploads; the body now points at them);
 * 4. each of the author's public images not yet cleared is looked up in the guard's cache, waiting
 *    at most `publishWaitMs` for one still being read;
 * 5. text and image findings together: 422 `sensitive_data` (details.body: the post's text
 *    after blurring, when it changed; details.unchecked: images not read yet);
 * 6. images that could not be read (busy, timed out, unreadable): 409 `images_unchecked`: the
 *    post is held rather than published unchecked;
 * 7. "post anyway" (options.postAnyway) publishes the author's flagged or unchecked images and
 *    writes one audit entry per image (`post_images_anyway` / `post_images_unchecked`);
 * 8. the author's images in the post are then public (publishedAt).
 * Other people's uploads are neither checked nor published by someone else's post.
 */
export function createPostGuard(ctx: UploadsContext, service: UploadService) {
  const { Upload, clock, scanner, audit, limits } = ctx;

  function checkCount(body: string): string[] {
    const ids = referencedUploadIds(body);
    if (ids.length > limits.perPost) {
      const message = `A post can show at most ${limits.perPost} uploaded files; this one has ${ids.length}.`;
      throw new ValidationError(message, { body: message });
    }
    return ids;
  }

  const load = (ids: string[]) =>
    ids.length ? Upload.find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }).lean<UploadDoc[]>() : Promise.resolve([]);

  const guardPost: PublicPostGuard = async (actor, post, options = {}) => {
    let body = post.body;
    let docs = await load(checkCount(body));
    const mine = (u: UploadDoc) => String(u.ownerId) === actor.id && !u.deletedAt;
    const privateOnes = docs.filter((u) => mine(u) && u.scope === 'private');
    if (privateOnes.length) {
      const message = privateOnes.some((u) => u.kind === 'attachment')
        ? 'Files (PDF, ZIP, text) can only be attached to private messages. Remove the link to it from this post.'
        : 'That image was uploaded for a private message. Upload it again here to show it in a public post.';
      throw new ValidationError(message, { body: message });
    }

    const replaced = new Map<string, string>();
    for (const request of options.blur ?? []) {
      const u = docs.find((d) => String(d._id) === request.uploadId);
      if (!u || !mine(u) || u.kind !== 'image') continue;
      replaced.set(request.uploadId, (await service.blur(actor, request.uploadId, { boxes: request.boxes })).id);
    }
    if (replaced.size) {
      body = replaceUploadReferences(body, replaced);
      docs = await load(referencedUploadIds(body));
    }

    const pending = docs.filter(
      (u) =>
        mine(u) &&
        u.scope === 'public' &&
        u.kind === 'image' &&
        !(u.publishedAt && (u.postedAnywayAt || u.scan.status === 'clean' || u.scan.status === 'skipped')),
    );
    const states = await Promise.all(pending.map((u) => scanner.settle(u, limits.publishWaitMs)));
    const findings: ImageFinding[] = [];
    const unchecked: string[] = [];
    const cleared: Types.ObjectId[] = [];
    const anyway: { u: UploadDoc; state: ScanState }[] = [];
    pending.forEach((u, i) => {
      const state = states[i]!;
      if (state.status === 'clean' || state.status === 'skipped' || u.postedAnywayAt) return void cleared.push(u._id);
      if (options.postAnyway) {
        anyway.push({ u, state });
        return void cleared.push(u._id);
      }
      if (state.status === 'flagged') {
        for (const m of state.matches)
          findings.push({ source: 'image', uploadId: String(u._id), box: m.box, kind: m.kind, label: m.label });
      } else unchecked.push(String(u._id));
    });

    const rewritten = body !== post.body ? { body } : {};
    // The held images' sizes: a member's own blur rectangles are drawn in these pixels.
    const held = new Set([...findings.map((f) => f.uploadId), ...unchecked]);
    const images = pending
      .filter((u) => held.has(String(u._id)))
      .map((u) => ({ uploadId: String(u._id), width: u.width, height: u.height }));
    guardPublicPost({ title: post.title, body }, findings, { ...rewritten, images, ...(unchecked.length ? { unchecked } : {}) });
    if (unchecked.length) throw new ConflictError(UNCHECKED_MESSAGE, 'images_unchecked', { unchecked, images, ...rewritten });

    const now = clock.now();
    for (const { u, state } of anyway) {
      const flagged = state.status === 'flagged';
      await audit.record({
        actor,
        action: flagged ? 'post_images_anyway' : 'post_images_unchecked',
        targetType: 'upload',
        targetId: u._id,
        reason: flagged ? [...new Set(state.matches.map((m) => m.kind))].join(', ') : `not checked: ${state.error ?? state.status}`,
        at: now,
      });
    }
    if (anyway.length) {
      await Upload.updateMany({ _id: { $in: anyway.map((a) => a.u._id) }, postedAnywayAt: null }, { $set: { postedAnywayAt: now } });
    }
    if (cleared.length) await Upload.updateMany({ _id: { $in: cleared }, publishedAt: null }, { $set: { publishedAt: now } });
    return { body };
  };

  /** Before a private message is stored: the per-message limit on uploaded files (400). */
  function checkMessage(body: string): void {
    checkCount(body);
  }

  /**
   * After a private message is stored: the sender's files it shows that belong to no
   * conversation yet (uploaded while writing a new message, or held in a public post and
   * then sent privately to support) now belong to this one: its readers can open them.
   */
  async function attachToConversation(actor: Actor, conversationId: string, body: string): Promise<void> {
    const ids = referencedUploadIds(body);
    if (!ids.length) return;
    await Upload.updateMany(
      {
        _id: { $in: ids.map((id) => new Types.ObjectId(id)) },
        ownerId: new Types.ObjectId(actor.id),
        deletedAt: null,
        $or: [
          { scope: 'private', conversationId: null },
          { scope: 'public', publishedAt: null },
        ],
      },
      { $set: { scope: 'private', conversationId: new Types.ObjectId(conversationId) } },
    );
  }

  /**
   * Moderation changed whether a public post of `authorId` is visible: its author's public
   * images it shows are withheld (owner and staff only) while it is held, hidden or deleted,
   * and public again when it is approved or restored. A response served before as public may
   * still sit in a browser's cache (it was sent `immutable`).
   */
  async function setPostImagesVisible(authorId: string, body: string, visible: boolean): Promise<void> {
    const ids = referencedUploadIds(body);
    if (!ids.length) return;
    await Upload.updateMany(
      { _id: { $in: ids.map((id) => new Types.ObjectId(id)) }, ownerId: new Types.ObjectId(authorId), scope: 'public' },
      { $set: { withheldAt: visible ? null : clock.now() } },
    );
  }

  /**
   * Moderation hid, deleted or restored a private message of `authorId`: the files it shows in
   * its conversation are withheld from everyone but their owner and staff while it is hidden,
   * like its text (server/messages/views.ts).
   */
  async function setMessageFilesVisible(authorId: string, conversationId: string, body: string, visible: boolean): Promise<void> {
    const ids = referencedUploadIds(body);
    if (!ids.length) return;
    await Upload.updateMany(
      {
        _id: { $in: ids.map((id) => new Types.ObjectId(id)) },
        ownerId: new Types.ObjectId(authorId),
        scope: 'private',
        conversationId: new Types.ObjectId(conversationId),
      },
      { $set: { withheldAt: visible ? null : clock.now() } },
    );
  }

  return { guardPost, checkMessage, attachToConversation, setPostImagesVisible, setMessageFilesVisible };
}
