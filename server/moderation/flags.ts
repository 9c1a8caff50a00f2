import { Types } from 'mongoose';
import type { Models } from '../../models';
import type { FlagDoc, FlagPostType, FlagReason } from '../../models/flag';
import type { ModerationItemDoc } from '../../models/moderation-item';
import type { Config } from '../config';
import { isStaff, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../kernel/errors';
import type { StandingGate } from '../kernel/standing';
import type { Messages, ReviewMessage } from '../messages';
import type { ReviewPost, Threads } from '../threads';
import type { TrustLevel } from './standing';

/**
 * Flags and the moderation queue's entries (docs/moderation.md, "Flags and the moderation
 * queue"). Any signed-in member may flag a question, reply or private message they can see,
 * once (the unique index on flags decides under concurrency). Flags on one post join one queue
 * entry (models/moderation-item.ts). A post is hidden pending review by any staff flag, or by
 * FLAGS_TO_HIDE flags from trusted members; a new account's post with links arrives held
 * (the threads domain stores it so) and gets an entry of its own.
 */
export const QUEUE_PAGE_SIZE = 25;
/** At most this many open flags are listed per queue page (a post with hundreds shows the first ones). */
const FLAGS_PER_PAGE_MAX = 500;

export interface FlagView {
  id: string;
  postType: FlagPostType;
  postId: string;
  reason: FlagReason;
  text: string;
  status: 'open' | 'handled';
  createdAt: Date;
  /** The post was hidden pending review as a result (staff flag, or enough trusted flags). */
  hidden: boolean;
}

export interface QueueFlag {
  id: string;
  reason: FlagReason;
  text: string;
  flagger: string | null;
  weight: string;
  createdAt: Date;
}

export interface QueueItem {
  id: string;
  kind: 'flagged' | 'held';
  postType: FlagPostType;
  postId: string;
  reasons: string[];
  privateInformation: boolean;
  flagCount: number;
  trustedFlagCount: number;
  staffFlagged: boolean;
  hiddenPendingReview: boolean;
  openedAt: Date;
  author: { id: string | null; username: string };
  /** The post as it is now (null when it no longer exists). */
  post: ReviewPost | null;
  message: ReviewMessage | null;
  flags: QueueFlag[];
  /** Spans "contains private information" flags quoted that still appear in the post: one-click redactions. */
  redactionSuggestions: string[];
  /** Any open flag's id: the one POST /api/moderation/flags/:id acts on. */
  flagId: string | null;
}

export interface QueuePage {
  items: QueueItem[];
  next: string | null;
  kind: 'flagged' | 'held' | null;
}

export interface FlagsDeps {
  models: Pick<Models, 'Flag' | 'ModerationItem'>;
  config: Pick<Config, 'FLAGS_TO_HIDE'>;
  clock: Clock;
  gate: StandingGate;
  level: (actor: Actor) => Promise<TrustLevel>;
  threads: Pick<Threads, 'postRef' | 'postsForReview' | 'setVisibility'>;
  messages: Pick<Messages, 'moderation'>;
}

/** `<priority>|<ISO time>|<id>`: private information first, then oldest first (see models/moderation-item.ts). */
export const sortKeyOf = (priority: 0 | 1, openedAt: Date, id: Types.ObjectId): string =>
  `${priority}|${openedAt.toISOString()}|${String(id)}`;

/** Hides a post pending review (the forum acting on flags), whatever its type. */
export function hidePost(deps: Pick<FlagsDeps, 'threads' | 'messages'>, postType: FlagPostType, postId: string) {
  return postType === 'message'
    ? deps.messages.moderation.setVisibility(null, { messageId: postId, visibility: 'hidden', reason: 'flags' })
    : deps.threads.setVisibility(null, { postType, postId, visibility: 'hidden', reason: 'flags' });
}

export function createFlags(deps: FlagsDeps) {
  const { config, clock, gate, threads, messages } = deps;
  const { Flag, ModerationItem } = deps.models;

  /** The post being flagged, if this person may see it: its thread, conversation and author. */
  async function target(actor: Actor, postType: FlagPostType, postId: string) {
    if (postType === 'message') {
      const m = await messages.moderation.flaggable(actor, postId);
      return { threadId: null, conversationId: m.conversationId, authorId: m.authorId, authorUsername: m.authorUsername, visibility: null };
    }
    const p = await threads.postRef(postType, postId);
    const visible = p && (!p.visibility || isStaff(actor) || (p.visibility !== 'deleted' && p.authorId === actor.id));
    if (!p || !visible) throw new NotFoundError('That post does not exist.');
    return { threadId: p.threadId, conversationId: null, authorId: p.authorId, authorUsername: p.authorUsername, visibility: p.visibility };
  }

  /** The queue entry of a post, created open or reopened when it was resolved. */
  async function openItem(
    ref: {
      postType: FlagPostType;
      postId: Types.ObjectId;
      threadId: string | null;
      conversationId: string | null;
      authorId: string | null;
      authorUsername: string;
    },
    kind: 'flagged' | 'held',
    now: Date,
  ): Promise<ModerationItemDoc> {
    const _id = new Types.ObjectId();
    const fresh = {
      kind,
      state: 'open',
      reasons: [],
      flagCount: 0,
      trustedFlagCount: 0,
      staffFlagged: false,
      hiddenPendingReview: kind === 'held',
      sortKey: sortKeyOf(1, now, _id),
      openedAt: now,
      lastFlagAt: now,
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
    };
    const reopened = await ModerationItem.findOneAndUpdate(
      { postType: ref.postType, postId: ref.postId, state: 'resolved' },
      { $set: { ...fresh, sortKey: sortKeyOf(1, now, _id) } },
      { returnDocument: 'after' },
    ).lean<ModerationItemDoc>();
    if (reopened) return reopened;
    try {
      const item = await ModerationItem.findOneAndUpdate(
        { postType: ref.postType, postId: ref.postId },
        {
          $setOnInsert: {
            _id,
            postType: ref.postType,
            postId: ref.postId,
            threadId: ref.threadId ? new Types.ObjectId(ref.threadId) : null,
            conversationId: ref.conversationId ? new Types.ObjectId(ref.conversationId) : null,
            authorId: ref.authorId ? new Types.ObjectId(ref.authorId) : null,
            authorUsername: ref.authorUsername,
            ...fresh,
          },
        },
        { upsert: true, returnDocument: 'after' },
      ).lean<ModerationItemDoc>();
      return item!;
    } catch (err) {
      // Two first flags at once: the loser's upsert meets the unique index; the winner's entry is there.
      if ((err as { code?: number }).code !== 11000) throw err;
      const item = await ModerationItem.findOne({ postType: ref.postType, postId: ref.postId }).lean<ModerationItemDoc>();
      if (!item) throw err;
      return item;
    }
  }

  /**
   * Flags a post (POST /api/flags). 400 for one's own post or a missing text with "other", 404
   * for a post the flagger cannot see, 409 when they flagged it before, 403 when restricted.
   * A staff flag, or the FLAGS_TO_HIDE-th trusted member's, hides the post pending review.
   */
  async function flag(
    actor: Actor | null,
    input: { postType: FlagPostType; postId: string; reason: Exclude<FlagReason, 'held_for_review'>; text?: string },
  ): Promise<FlagView> {
    if (!actor) throw new UnauthorizedError();
    await gate.assert(actor, 'flag');
    const t = await target(actor, input.postType, input.postId);
    if (t.authorId === actor.id) throw new ValidationError('You cannot flag your own post.', { postId: 'You cannot flag your own post.' });
    const text = (input.text ?? '').trim();
    if (input.reason === 'other' && !text)
      throw new ValidationError('Say what is wrong with the post.', { text: 'Say what is wrong with the post.' });
    const level = await deps.level(actor);
    const weight = level === 'staff' ? 'staff' : level === 'trusted' ? 'trusted' : 'member';
    const now = clock.now();
    const postId = new Types.ObjectId(input.postId);
    const dedupeKey = `${input.postType}:${input.postId}:${actor.id}`;
    const already = await Flag.exists({ dedupeKey });
    if (already) throw new ConflictError('You have already flagged this post.', 'already_flagged');
    const item = await openItem({ postType: input.postType, postId, ...t }, 'flagged', now);
    let doc: FlagDoc;
    try {
      doc = (
        await Flag.create({
          postType: input.postType,
          postId,
          threadId: t.threadId ? new Types.ObjectId(t.threadId) : null,
          conversationId: t.conversationId ? new Types.ObjectId(t.conversationId) : null,
          authorId: t.authorId ? new Types.ObjectId(t.authorId) : null,
          flaggerId: new Types.ObjectId(actor.id),
          flaggerUsername: actor.username,
          reason: input.reason,
          text: text.slice(0, 1000),
          weight,
          itemId: item._id,
          dedupeKey,
          status: 'open',
          createdAt: now,
        })
      ).toObject() as FlagDoc;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) throw new ConflictError('You have already flagged this post.', 'already_flagged');
      throw err;
    }
    // Counters only grow while the entry is open ($max), so racing flags cannot lower them.
    const [count, trusted] = await Promise.all([
      Flag.countDocuments({ itemId: item._id, status: 'open' }),
      Flag.countDocuments({ itemId: item._id, status: 'open', weight: { $in: ['trusted', 'staff'] } }),
    ]);
    const hide = (weight === 'staff' || trusted >= config.FLAGS_TO_HIDE) && !t.visibility;
    const update: Record<string, unknown> = {
      $max: { flagCount: count, trustedFlagCount: trusted, lastFlagAt: now },
      $addToSet: { reasons: input.reason },
      $set: { kind: 'flagged', ...(weight === 'staff' ? { staffFlagged: true } : {}), ...(hide ? { hiddenPendingReview: true } : {}) },
    };
    if (input.reason === 'private_information') update.$min = { sortKey: sortKeyOf(0, item.openedAt, item._id) };
    await ModerationItem.updateOne({ _id: item._id, state: 'open' }, update);
    if (hide) await hidePost(deps, input.postType, input.postId);
    return {
      id: String(doc._id),
      postType: doc.postType,
      postId: String(doc.postId),
      reason: doc.reason,
      text: doc.text,
      status: doc.status,
      createdAt: doc.createdAt,
      hidden: hide || !!t.visibility,
    };
  }

  /** A new account's post arrived held (event 'post.held'): its queue entry, with the forum's own flag. */
  async function held(input: {
    postType: 'thread' | 'reply';
    postId: string;
    threadId: string;
    authorId: string;
    authorUsername: string;
    at: Date;
  }): Promise<void> {
    const postId = new Types.ObjectId(input.postId);
    const item = await openItem(
      {
        postType: input.postType,
        postId,
        threadId: input.threadId,
        conversationId: null,
        authorId: input.authorId,
        authorUsername: input.authorUsername,
      },
      'held',
      input.at,
    );
    const flagId = new Types.ObjectId();
    await Flag.create({
      _id: flagId,
      dedupeKey: `${input.postType}:${input.postId}:held:${String(flagId)}`,
      postType: input.postType,
      postId,
      threadId: new Types.ObjectId(input.threadId),
      authorId: new Types.ObjectId(input.authorId),
      flaggerId: null,
      flaggerUsername: '',
      reason: 'held_for_review',
      text: '',
      weight: 'system',
      itemId: item._id,
      status: 'open',
      createdAt: input.at,
    });
    await ModerationItem.updateOne(
      { _id: item._id },
      { $addToSet: { reasons: 'held_for_review' }, $set: { kind: 'held', hiddenPendingReview: true } },
    );
  }

  /**
   * One page of the open queue in `sortKey` order (private information first, then oldest),
   * keyset-paged: `after` is the last entry's key. Three more queries for the page whatever
   * its depth: the flags, the posts, the messages.
   */
  async function queue(input: { kind?: 'flagged' | 'held'; after?: string } = {}): Promise<QueuePage> {
    const filter: Record<string, unknown> = { state: 'open' };
    if (input.kind) filter.kind = input.kind;
    if (input.after) filter.sortKey = { $gt: input.after };
    const rows = await ModerationItem.find(filter)
      .sort({ sortKey: 1 })
      .limit(QUEUE_PAGE_SIZE + 1)
      .lean<ModerationItemDoc[]>();
    const page = rows.slice(0, QUEUE_PAGE_SIZE);
    const [flags, posts, msgs] = await Promise.all([
      page.length
        ? Flag.find({ itemId: { $in: page.map((i) => i._id) }, status: 'open' })
            .sort({ createdAt: 1 })
            .limit(FLAGS_PER_PAGE_MAX)
            .lean<FlagDoc[]>()
        : Promise.resolve([] as FlagDoc[]),
      threads.postsForReview(
        page.filter((i) => i.postType !== 'message').map((i) => ({ postType: i.postType as 'thread' | 'reply', postId: String(i.postId) })),
      ),
      messages.moderation.forReview(page.filter((i) => i.postType === 'message').map((i) => String(i.postId))),
    ]);
    const items = page.map((i): QueueItem => {
      const own = flags.filter((f) => f.itemId.equals(i._id));
      const post = i.postType === 'message' ? null : (posts.get(`${i.postType}:${String(i.postId)}`) ?? null);
      const message = i.postType === 'message' ? (msgs.get(String(i.postId)) ?? null) : null;
      const source = post ? `${post.title ?? ''}\n${post.bodySource}` : '';
      return {
        id: String(i._id),
        kind: i.kind,
        postType: i.postType,
        postId: String(i.postId),
        reasons: i.reasons,
        privateInformation: i.reasons.includes('private_information'),
        flagCount: i.flagCount,
        trustedFlagCount: i.trustedFlagCount,
        staffFlagged: i.staffFlagged,
        hiddenPendingReview: i.hiddenPendingReview,
        openedAt: i.openedAt,
        author: { id: i.authorId ? String(i.authorId) : null, username: i.authorUsername },
        post,
        message,
        flags: own.map((f) => ({
          id: String(f._id),
          reason: f.reason,
          text: f.text,
          flagger: f.flaggerUsername || null,
          weight: f.weight,
          createdAt: f.createdAt,
        })),
        redactionSuggestions: [
          ...new Set(
            own.filter((f) => f.reason === 'private_information' && f.text.length >= 3 && source.includes(f.text)).map((f) => f.text),
          ),
        ],
        flagId: own[0] ? String(own[0]._id) : null,
      };
    });
    return { items, next: rows.length > QUEUE_PAGE_SIZE ? page[page.length - 1]!.sortKey : null, kind: input.kind ?? null };
  }

  /** Flags raised against a person's posts, newest first (admin users page). */
  async function against(userId: string, limit = 20) {
    const rows = await Flag.find({ authorId: new Types.ObjectId(userId), flaggerId: { $ne: null } })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean<FlagDoc[]>();
    return rows.map((f) => ({
      id: String(f._id),
      postType: f.postType,
      postId: String(f.postId),
      threadId: f.threadId ? String(f.threadId) : null,
      reason: f.reason,
      flagger: f.flaggerUsername,
      status: f.status,
      outcome: f.outcome,
      createdAt: f.createdAt,
    }));
  }

  return { flag, held, queue, against };
}

export type Flags = ReturnType<typeof createFlags>;
