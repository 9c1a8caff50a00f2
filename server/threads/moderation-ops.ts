import { Types } from 'mongoose';
import type { ThreadDoc, Visibility, VisibilityReason } from '../../models/thread';
import { isStaff, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../kernel/errors';
import type { ThreadsContext } from './context';
import { toObjectId } from './ids';
import * as lifecycle from './lifecycle';
import { canManageThread } from './policy';
import { threadUrl } from './present';
import type { SearchText } from './search-text';
import { escapeMarkdown } from './thread-service';

/**
 * The thread writes moderation and the support team ask for (docs/moderation.md,
 * docs/support-team.md), kept inside the threads domain like every thread write:
 * - visibility: hold, hide, soft-delete, restore a question or reply;
 * - the posts a moderator reviews, loaded in two queries for a queue page;
 * - assigning a thread to a moderator, closing it as a duplicate, moving it to other products;
 * - recomputing stored deadlines after the support rules change.
 */
export type PostType = 'thread' | 'reply';

/** A post as the moderation queue shows it to staff. */
export interface ReviewPost {
  postType: PostType;
  id: string;
  threadId: string;
  threadTitle: string;
  threadUrl: string;
  /** Where the post is on its thread page. */
  url: string;
  authorId: string | null;
  authorUsername: string;
  authorName: string;
  title: string | null;
  bodySource: string;
  bodyHtml: string;
  visibility: Visibility | null;
  visibilityReason: VisibilityReason | null;
  createdAt: Date;
  editedAt: Date | null;
}

export const DUPLICATE_NOTE_KIND = 'duplicate_notice';

type AddNote = (threadId: string, input: { body: string; kind: string }, clock?: Clock) => Promise<unknown>;

/** What the moderation queue shows of a question or a reply, besides their own fields. */
const POST_FIELDS = {
  bodySource: 1,
  bodyHtml: 1,
  author: 1,
  authorUsername: 1,
  authorName: 1,
  visibility: 1,
  visibilityReason: 1,
  createdAt: 1,
  editedAt: 1,
} as const;

export function createModerationOps(ctx: ThreadsContext, deps: { searchText: SearchText; addNote: AddNote }) {
  const { models, events, pageCache, products, audit, rules } = ctx;
  const { Thread, Reply, User } = models;
  const requireStaff = (actor: Actor | null, what: string): Actor => {
    if (!actor || !isStaff(actor)) throw new ForbiddenError(`Only support moderators can ${what}.`);
    return actor;
  };

  /** Tells every page cache and reader the thread changed (signed-in readers compare updatedAt). */
  async function touched(threadId: Types.ObjectId, now: Date): Promise<void> {
    await Thread.updateOne({ _id: threadId }, { $set: { updatedAt: now } });
    pageCache.invalidate(String(threadId));
    await events.emit('thread.changed', { threadId: String(threadId) });
  }

  /**
   * Sets who may see a post: `null` publishes it (approve a held post, keep or restore a hidden
   * or deleted one), 'hidden' / 'deleted' take it out of public view, restorably. `by` is the
   * moderator, or null for the forum itself (members' flags hiding a post). One conditional
   * update on the visibility read, so two moderators acting at once cannot both "win" with
   * different results unnoticed (the second gets 409). Publishing a held post announces it
   * then (thread.created / reply.created), as if it had just been posted.
   */
  async function setVisibility(
    by: Actor | null,
    input: { postType: PostType; postId: string; visibility: Visibility | null; reason: VisibilityReason | null },
    clock: Clock = ctx.clock,
  ): Promise<{ before: Visibility | null; after: Visibility | null; threadId: string }> {
    if (by && !isStaff(by)) throw new ForbiddenError('Only support moderators can hide or restore posts.');
    const _id = toObjectId(input.postId, 'That post');
    const now = clock.now();
    const model = (input.postType === 'thread' ? Thread : Reply) as unknown as typeof Reply;
    const post = await model
      .findById(_id, {
        visibility: 1,
        threadId: 1,
        author: 1,
        authorUsername: 1,
        authorName: 1,
        authorRole: 1,
        system: 1,
        createdAt: 1,
        bodySource: 1,
      })
      .lean();
    if (!post || post.system) throw new NotFoundError('That post does not exist.');
    const before = post.visibility ?? null;
    const after = input.visibility;
    const threadId = input.postType === 'thread' ? _id : post.threadId;
    if (before === after) return { before, after, threadId: String(threadId) };
    const set = after
      ? {
          visibility: after,
          visibilityReason: input.reason,
          visibilityChangedAt: now,
          visibilityChangedBy: by ? new Types.ObjectId(by.id) : null,
        }
      : { visibility: null, visibilityReason: null, visibilityChangedAt: now, visibilityChangedBy: by ? new Types.ObjectId(by.id) : null };
    const res = await model.updateOne({ _id, visibility: before }, { $set: set });
    if (!res.matchedCount) throw new ConflictError('Someone else changed this post at the same time. Reload and try again.');
    if (input.postType === 'reply') await deps.searchText.rebuild(threadId);
    // The post's own images are seen by whoever may see the post.
    if (post.author) await ctx.postImagesVisible(String(post.author), post.bodySource, after === null);
    await touched(threadId, now);
    if (before === 'held' && after === null && post.author) {
      const author: Actor = {
        id: String(post.author),
        username: post.authorUsername,
        displayName: post.authorName,
        role: (post.authorRole ?? 'member') as Actor['role'],
      };
      if (input.postType === 'thread') await events.emit('thread.created', { actor: author, threadId: String(_id), at: post.createdAt });
      else {
        const t = await Thread.findById(threadId, { status: 1, author: 1, followUpAt: 1 }).lean();
        if (t) {
          const byAsker = t.author.equals(author.id);
          // Still a follow-up if the asker's reply reopened the answered thread and support has not replied since.
          const followUp = byAsker && !isStaff(author) && !!t.followUpAt;
          await events.emit('reply.created', {
            actor: author,
            threadId: String(threadId),
            replyId: String(_id),
            status: t.status,
            byAsker,
            byStaff: isStaff(author),
            followUp,
            at: post.createdAt,
          });
        }
      }
    }
    return { before, after, threadId: String(threadId) };
  }

  /** The posts of a queue page (two queries, plus one for the titles of replies' threads). */
  async function postsForReview(refs: { postType: PostType; postId: string }[]): Promise<Map<string, ReviewPost>> {
    const ids = (t: PostType) => refs.filter((r) => r.postType === t).map((r) => new Types.ObjectId(r.postId));
    const [threads, replies] = await Promise.all([
      Thread.find({ _id: { $in: ids('thread') } }, { title: 1, slug: 1, ...POST_FIELDS }).lean(),
      Reply.find({ _id: { $in: ids('reply') } }, { threadId: 1, ...POST_FIELDS }).lean(),
    ]);
    const parentIds = [...new Set(replies.map((r) => String(r.threadId)))].filter((id) => !threads.some((t) => String(t._id) === id));
    const parents = parentIds.length
      ? await Thread.find({ _id: { $in: parentIds.map((id) => new Types.ObjectId(id)) } }, { title: 1, slug: 1 }).lean()
      : [];
    const titles = new Map([...threads, ...parents].map((t) => [String(t._id), { title: t.title, url: threadUrl(String(t._id), t.slug) }]));
    const out = new Map<string, ReviewPost>();
    for (const t of threads) {
      const id = String(t._id);
      const url = threadUrl(id, t.slug);
      out.set(`thread:${id}`, {
        postType: 'thread',
        id,
        threadId: id,
        threadTitle: t.title,
        threadUrl: url,
        url,
        authorId: String(t.author),
        authorUsername: t.authorUsername,
        authorName: t.authorName,
        title: t.title,
        bodySource: t.bodySource,
        bodyHtml: t.bodyHtml,
        visibility: t.visibility ?? null,
        visibilityReason: t.visibilityReason ?? null,
        createdAt: t.createdAt,
        editedAt: t.editedAt ?? null,
      });
    }
    for (const r of replies) {
      const id = String(r._id);
      const parent = titles.get(String(r.threadId));
      out.set(`reply:${id}`, {
        postType: 'reply',
        id,
        threadId: String(r.threadId),
        threadTitle: parent?.title ?? '',
        threadUrl: parent?.url ?? `/threads/${String(r.threadId)}`,
        url: `/threads/${String(r.threadId)}#reply-${id}`,
        authorId: r.author ? String(r.author) : null,
        authorUsername: r.authorUsername,
        authorName: r.authorName,
        title: null,
        bodySource: r.bodySource,
        bodyHtml: r.bodyHtml,
        visibility: r.visibility ?? null,
        visibilityReason: r.visibilityReason ?? null,
        createdAt: r.createdAt,
        editedAt: r.editedAt ?? null,
      });
    }
    return out;
  }

  /** One post for a flag: its thread, author and title; null when it does not exist. */
  async function postRef(postType: PostType, postId: string) {
    const posts = await postsForReview([{ postType, postId }]);
    return posts.get(`${postType}:${postId}`) ?? null;
  }

  /** Assigns a thread to a moderator or administrator (null: unassign). Staff only. */
  async function assign(
    actor: Actor | null,
    threadId: string,
    input: { username: string | null },
  ): Promise<{ assignee: { id: string; displayName: string } | null }> {
    requireStaff(actor, 'assign threads');
    const _id = toObjectId(threadId);
    let assignee: { id: string; displayName: string } | null = null;
    if (input.username) {
      const u = await User.findOne({ usernameLower: input.username.trim().toLowerCase() }, { displayName: 1, role: 1 }).lean();
      if (!u || (u.role !== 'moderator' && u.role !== 'admin')) {
        const msg = 'Threads can be assigned to support moderators and administrators only.';
        throw new ValidationError(msg, { username: msg });
      }
      assignee = { id: String(u._id), displayName: u.displayName };
    }
    const now = ctx.clock.now();
    const res = await Thread.updateOne(
      { _id },
      {
        $set: {
          assigneeId: assignee ? new Types.ObjectId(assignee.id) : null,
          assigneeName: assignee?.displayName ?? null,
          updatedAt: now,
        },
      },
    );
    if (!res.matchedCount) throw new NotFoundError('That thread does not exist.');
    pageCache.invalidate(threadId);
    await events.emit('thread.changed', { threadId });
    return { assignee };
  }

  /**
   * Closes a thread as a duplicate of another (staff): locked with reason 'duplicate', linked to
   * the original (a chain is followed to its first thread), a system note naming the original,
   * and audited. The thread page points readers to the original.
   */
  async function closeAsDuplicate(
    actor: Actor | null,
    threadId: string,
    input: { of: string; note?: string },
    clock: Clock = ctx.clock,
  ): Promise<{ threadId: string; duplicateOf: string }> {
    const who = requireStaff(actor, 'close threads as duplicates');
    const _id = toObjectId(threadId);
    let original = await Thread.findById(toObjectId(input.of, 'The original thread'), {
      title: 1,
      slug: 1,
      duplicateOf: 1,
      visibility: 1,
    }).lean();
    for (let hops = 0; original?.duplicateOf && hops < 5; hops++) {
      original = await Thread.findById(original.duplicateOf, { title: 1, slug: 1, duplicateOf: 1, visibility: 1 }).lean();
    }
    if (!original || original.visibility) {
      const msg = 'The original thread does not exist or is not public.';
      throw new ValidationError(msg, { of: msg });
    }
    if (original._id.equals(_id)) {
      const msg = 'A thread cannot be a duplicate of itself.';
      throw new ValidationError(msg, { of: msg });
    }
    const now = clock.now();
    const note = input.note?.trim() ?? '';
    const updated = await Thread.findOneAndUpdate(
      { _id, status: { $ne: 'locked' } },
      lifecycle.mergeLifecycle(
        {
          $set: {
            status: 'locked',
            lockedAt: now,
            lockReason: 'duplicate',
            lockNote: note,
            lockedBy: new Types.ObjectId(who.id),
            duplicateOf: original._id,
            updatedAt: now,
          },
        },
        lifecycle.onLocked(now, 'duplicate'),
      ),
      { returnDocument: 'after', projection: { _id: 1 } },
    ).lean();
    if (!updated) {
      if (!(await Thread.exists({ _id }))) throw new NotFoundError('That thread does not exist.');
      throw new ConflictError('This thread is locked. Unlock it first to close it as a duplicate.', 'already_locked');
    }
    const url = threadUrl(String(original._id), original.slug);
    const when = rules.current().calendar.formatLocal(now);
    await deps.addNote(
      threadId,
      {
        body: `Closed as a duplicate of [${escapeMarkdown(original.title)}](${url}) by ${escapeMarkdown(who.displayName)} on ${when}.${note ? ` ${escapeMarkdown(note)}` : ''}`,
        kind: DUPLICATE_NOTE_KIND,
      },
      clock,
    );
    await audit.record({
      actor: who,
      action: 'thread_closed_duplicate',
      targetType: 'thread',
      targetId: _id,
      reason: `duplicate of ${String(original._id)}`,
      at: now,
    });
    pageCache.invalidate(threadId);
    await events.emit('thread.locked', { actor: who, threadId, reason: 'duplicate', at: now });
    return { threadId, duplicateOf: String(original._id) };
  }

  /** The original a duplicate points to (title and link), or null. */
  async function duplicateTarget(threadId: string | null): Promise<{ id: string; title: string; url: string } | null> {
    if (!threadId) return null;
    const t = await Thread.findById(new Types.ObjectId(threadId), { title: 1, slug: 1, visibility: 1 }).lean();
    return t && !t.visibility ? { id: String(t._id), title: t.title, url: threadUrl(String(t._id), t.slug) } : null;
  }

  /** Moves or retags a thread to other products (staff), audited with the old and new names. */
  async function moveProducts(
    actor: Actor | null,
    threadId: string,
    input: { products: string[] },
  ): Promise<{ products: { id: string; name: string }[] }> {
    const who = requireStaff(actor, 'move threads');
    if (!canManageThread(who)) throw new ForbiddenError();
    if (!input.products.length) throw new ValidationError('Choose at least one product.', { products: 'Choose at least one product.' });
    const _id = toObjectId(threadId);
    const chosen = await products.resolve(input.products);
    const before = await Thread.findById(_id, { productNames: 1 }).lean();
    if (!before) throw new NotFoundError('That thread does not exist.');
    const now = ctx.clock.now();
    await Thread.updateOne(
      { _id },
      { $set: { products: chosen.map((p) => new Types.ObjectId(p.id)), productNames: chosen.map((p) => p.name), updatedAt: now } },
    );
    await audit.record({
      actor: who,
      action: 'thread_moved',
      targetType: 'thread',
      targetId: _id,
      reason: `${before.productNames.join(', ')} -> ${chosen.map((p) => p.name).join(', ')}`.slice(0, 500),
      at: now,
    });
    pageCache.invalidate(threadId);
    await events.emit('thread.changed', { threadId });
    return { products: chosen.map((p) => ({ id: p.id, name: p.name })) };
  }

  /**
   * After the support rules changed: recomputes the stored deadlines of every thread waiting
   * for support (first-response target from `openSince`) or for the asker (lock deadline and
   * reminder from `awaitingSince`), so the sweeps, the queue and the pages follow the new rules.
   * Reads the waiting threads' ids through the status index (cost follows the waiting threads,
   * not all threads), then one conditional update each: a thread whose state changed meanwhile
   * is left to the transition that changed it. Threads from before `openSince` existed keep
   * their target. Returns how many threads changed.
   */
  async function recomputeDeadlines(): Promise<number> {
    const r = rules.current();
    let changed = 0;
    const open = await Thread.find({ status: 'open', openSince: { $type: 'date' } }, { openSince: 1, firstResponseDueAt: 1 }).lean();
    for (const t of open) {
      const due = lifecycle.firstResponseDue(r, t.openSince!);
      if (t.firstResponseDueAt?.getTime() === due.getTime()) continue;
      const res = await Thread.updateOne({ _id: t._id, status: 'open', openSince: t.openSince }, { $set: { firstResponseDueAt: due } });
      if (res.modifiedCount) {
        changed++;
        pageCache.invalidate(String(t._id));
      }
    }
    const waiting = await Thread.find(
      { status: 'awaiting_asker', awaitingSince: { $type: 'date' } },
      { awaitingSince: 1, lockDueAt: 1, reminderDueAt: 1, reminderSentAt: 1 },
    ).lean<Pick<ThreadDoc, '_id' | 'awaitingSince' | 'lockDueAt' | 'reminderDueAt' | 'reminderSentAt'>[]>();
    for (const t of waiting) {
      const { lockDueAt, reminderDueAt } = lifecycle.awaitingDeadlines(r, t.awaitingSince!);
      const withReminder = r.lockAfterDays > 1 && !t.reminderSentAt;
      const same =
        t.lockDueAt?.getTime() === lockDueAt.getTime() &&
        (withReminder ? t.reminderDueAt?.getTime() === reminderDueAt.getTime() : !t.reminderDueAt);
      if (same) continue;
      const update = withReminder ? { $set: { lockDueAt, reminderDueAt } } : { $set: { lockDueAt }, $unset: { reminderDueAt: '' } };
      const res = await Thread.collection.updateOne({ _id: t._id, status: 'awaiting_asker', awaitingSince: t.awaitingSince }, update);
      if (res.modifiedCount) {
        changed++;
        pageCache.invalidate(String(t._id));
      }
    }
    return changed;
  }

  return { setVisibility, postsForReview, postRef, assign, closeAsDuplicate, duplicateTarget, moveProducts, recomputeDeadlines };
}

export type ModerationOps = ReturnType<typeof createModerationOps>;
