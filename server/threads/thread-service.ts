import { Types, type QueryFilter } from 'mongoose';
import type { Actor } from '../kernel/actor';
import type { PostImageOptions } from '../uploads';
import * as lifecycle from './lifecycle';
import { isStaff } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import type { ThreadDoc, ThreadStatus } from '../../models/thread';
import { containsLink, RENDERER_VERSION } from '../markdown/render';
import { hasVisibleText, renderVisible } from '../markdown/visible';
import { QUESTION_BODY, checkedTitle } from './content';
import { ConflictError, ForbiddenError, LockedError, NotFoundError, ValidationError } from '../kernel/errors';
import * as policy from './policy';
import { toObjectId } from './ids';
import { requireActor, threadFacts } from './facts';
import type { ThreadsContext } from './context';
import { createThreadList } from './thread-list';
import {
  REPLIES_PER_PAGE,
  REPLY_PROJECTION,
  THREAD_PROJECTION,
  threadUrl,
  titleSlug,
  toReplyView,
  toThreadView,
  type ReplyPageDoc,
  type ThreadPageDoc,
  type ReplyView,
  type ThreadView,
} from './present';

/**
 * Threads: the thread page, asking, editing the question, accepting an answer,
 * locking. Every state change is ONE conditional single-document update, so concurrent
 * requests (and several app processes) can never leave two accepted answers or a reply
 * in a locked thread. Replies live in reply-service.ts, the thread list in thread-list.ts.
 */

/**
 * A follow-up (the asker wrote after an accepted answer, reply-service.ts) is settled by a
 * staff reply, a lock or unaccepting the answer (which puts the thread in the open queue).
 */
function withoutFollowUp<U extends { $unset?: Record<string, unknown> }>(update: U): U {
  return { ...update, $unset: { ...(update.$unset ?? {}), followUpAt: '' } };
}

export interface ThreadPage {
  thread: ThreadView;
  replies: ReplyView[];
  /** The accepted answer, repeated under the question (null when none). */
  accepted: ReplyView | null;
  /** Closed as a duplicate: the original readers are sent to. */
  duplicateOf: { id: string; title: string; url: string } | null;
  page: number;
  pages: number;
  perPage: number;
  can: {
    reply: boolean;
    edit: boolean;
    unaccept: boolean;
    lock: boolean;
    unlock: boolean;
    /** Signed in and not the author: may flag the question. */
    flag: boolean;
    /** Staff: assign, close as duplicate, move to other products, moderation. */
    manage: boolean;
    /** The author or staff: the edit history with its diff view. */
    history: boolean;
  };
}

interface PageData {
  doc: ThreadPageDoc;
  replyDocs: ReplyPageDoc[];
  acceptedDoc: ReplyPageDoc | null;
  signatures: Map<string, string | null>;
  duplicateOf: { id: string; title: string; url: string } | null;
}

export interface ThreadInput {
  title: string;
  body: string;
  products: string[];
  /** The author's answers to a post held for its images (blur areas, post anyway). */
  images?: PostImageOptions;
}

/** A system note in a thread (reply-service.ts addSystemReply). */
type AddNote = (threadId: string, input: { body: string; kind: string }, clock?: Clock) => Promise<unknown>;

/** Markdown-escapes a person's words placed into a note the forum writes. */
export const escapeMarkdown = (s: string): string => s.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, '\\$&');

/** systemKind of the notes a moderator's lock and unlock write. */
export const LOCK_NOTE_KIND = 'moderator_lock';
export const UNLOCK_NOTE_KIND = 'moderator_unlock';

/** Threads and their state changes; replies are in reply-service.ts, which shares the context. */
export function createThreadService(ctx: ThreadsContext, addNote: AddNote) {
  const { models, rules, events, pageCache, views, signatures, products, gate } = ctx;
  const { Thread, Reply, Revision } = models;
  const { listThreads } = createThreadList(ctx);

  /** The viewer-independent data of one thread page (cached briefly, see page-cache.ts). */
  async function loadPageData(_id: Types.ObjectId, page: number): Promise<PageData> {
    const [doc, replyDocs] = await Promise.all([
      Thread.findById(_id, THREAD_PROJECTION).lean<ThreadPageDoc>(),
      Reply.find({ threadId: _id }, REPLY_PROJECTION)
        .sort({ createdAt: 1, _id: 1 })
        .skip((page - 1) * REPLIES_PER_PAGE)
        .limit(REPLIES_PER_PAGE)
        .lean(),
    ]);
    if (!doc) throw new NotFoundError('That thread does not exist.');

    let acceptedDoc: ReplyPageDoc | null = null;
    if (doc.acceptedReplyId) {
      acceptedDoc =
        replyDocs.find((r) => r._id.equals(doc.acceptedReplyId!)) ??
        (await Reply.findOne({ _id: doc.acceptedReplyId, threadId: _id }, REPLY_PROJECTION).lean());
    }

    const staffIds = new Map<string, Types.ObjectId>();
    for (const r of acceptedDoc ? [...replyDocs, acceptedDoc] : replyDocs) {
      if (!r.system && r.author && (r.authorRole === 'moderator' || r.authorRole === 'admin')) staffIds.set(String(r.author), r.author);
    }
    const sigs = staffIds.size ? await signatures.forAuthors([...staffIds.values()]) : new Map<string, string | null>();
    let duplicateOf: PageData['duplicateOf'] = null;
    if (doc.duplicateOf) {
      const o = await Thread.findById(doc.duplicateOf, { title: 1, slug: 1, visibility: 1 }).lean();
      if (o && !o.visibility) duplicateOf = { id: String(o._id), title: o.title, url: threadUrl(String(o._id), o.slug) };
    }
    return { doc, replyDocs, acceptedDoc, signatures: sigs, duplicateOf };
  }

  /**
   * The thread page: the thread by _id and one page of its replies through the
   * {threadId, createdAt} index, in parallel; staff signatures for the page in one more
   * (usually cached) query. No Markdown, no per-reply queries. The raw data is cached for
   * a moment (page-cache.ts); permissions are applied per viewer.
   */
  async function getThreadPage(actor: Actor | null, id: string, input: { page?: number } = {}): Promise<ThreadPage> {
    const _id = toObjectId(id);
    const page = Math.max(1, Math.floor(input.page || 1));
    const load = () => loadPageData(_id, page);
    const wasFresh = pageCache.hasPageData(id, page);
    let data = await pageCache.pageData(id, page, load);
    if (actor && wasFresh) {
      // Signed-in readers act on what they see: make sure the thread has not changed since.
      const cur = await Thread.findById(_id, { updatedAt: 1 }).lean();
      if (!cur || cur.updatedAt.getTime() !== data.doc.updatedAt.getTime()) {
        pageCache.forgetPageData(id, page);
        data = await pageCache.pageData(id, page, load);
      }
    }
    const { doc, acceptedDoc, signatures } = data;
    if (!policy.canSeePost(actor, { authorId: String(doc.author), visibility: doc.visibility })) {
      throw new NotFoundError('That thread does not exist.');
    }
    // Replies moderation took out of view are left out per reader (the page data is shared).
    const replyDocs = data.replyDocs.filter((r) =>
      policy.canSeePost(actor, { authorId: r.author ? String(r.author) : null, visibility: r.visibility }),
    );
    const thread = toThreadView(doc, views.pending(id));
    const facts = threadFacts(thread);
    const decorate = (r: ReplyPageDoc): ReplyView => {
      const v = toReplyView(r, r.author ? (signatures.get(String(r.author)) ?? null) : null);
      const rf = { authorId: v.author?.id ?? null, authorRole: v.author?.role ?? null, system: v.system };
      v.isAccepted = thread.acceptedReplyId === v.id;
      v.canEdit = policy.canEditReply(actor, facts, rf);
      v.canAccept = !thread.acceptedReplyId && policy.canAccept(actor, facts, rf);
      // Asked once: after a "No" the asker sees their answer, and can still mark the reply as the answer.
      v.showSolvedPrompt = !v.notSolvedAt && policy.showSolvedPrompt(actor, facts, rf);
      return v;
    };
    const replies = replyDocs.map(decorate);
    const acceptedVisible =
      acceptedDoc &&
      policy.canSeePost(actor, { authorId: acceptedDoc.author ? String(acceptedDoc.author) : null, visibility: acceptedDoc.visibility });
    const accepted = acceptedVisible ? (replies.find((r) => r.isAccepted) ?? decorate(acceptedDoc)) : null;
    const locked = thread.status === 'locked';
    return {
      thread,
      replies,
      accepted,
      duplicateOf: data.duplicateOf,
      page,
      pages: Math.max(1, Math.ceil(doc.replyCount / REPLIES_PER_PAGE)),
      perPage: REPLIES_PER_PAGE,
      can: {
        reply: policy.canReply(actor, facts),
        edit: policy.canEditThread(actor, facts),
        unaccept: policy.canUnaccept(actor, facts),
        lock: policy.canLock(actor) && !locked,
        unlock: policy.canLock(actor) && locked,
        flag: !!actor && actor.id !== thread.author.id,
        manage: policy.canManageThread(actor),
        history: !!actor && (isStaff(actor) || actor.id === thread.author.id),
      },
    };
  }

  /** Counts a page view (buffered, deduped, bots excluded). Returns whether it counted. */
  function recordView(actor: Actor | null, threadId: string, input: { ip: string; userAgent?: string }, clock: Clock = ctx.clock): boolean {
    return views.count(threadId, { userId: actor?.id ?? null, ip: input.ip, userAgent: input.userAgent }, clock.now().getTime());
  }

  async function loadThread(_id: Types.ObjectId) {
    const t = await Thread.findById(_id, THREAD_PROJECTION).lean();
    if (!t) throw new NotFoundError('That thread does not exist.');
    return t;
  }

  async function threadView(_id: Types.ObjectId): Promise<ThreadView> {
    const t = await loadThread(_id);
    return toThreadView(t, views.pending(String(_id)));
  }

  async function createThread(actor: Actor | null, input: ThreadInput, clock: Clock = ctx.clock): Promise<ThreadView> {
    const who = requireActor(actor);
    if (!policy.canAsk(who)) throw new ForbiddenError();
    await gate.assert(who, 'post');
    if (!input.products.length) {
      throw new ValidationError('Choose at least one product.', { products: 'Choose at least one product.' });
    }
    const title = checkedTitle(input.title);
    // Secrets and personal data never go public, in the text or in its images: refused with
    // 422 before anything is stored. Blurring an image rewrites its references in the body,
    // so the bounded render (and its "no visible text" check) runs on the guard's body.
    const { body } = await ctx.guardPost(who, { title, body: input.body }, input.images);
    const bodyHtml = await renderVisible(ctx.renderer, body, QUESTION_BODY);
    const chosen = await products.resolve(input.products);
    const now = clock.now();
    const hold = await gate.holdReason(who, { hasLinks: containsLink(bodyHtml) });
    const doc = await Thread.create({
      title,
      slug: titleSlug(title),
      bodySource: body,
      bodyHtml,
      rendererVersion: RENDERER_VERSION,
      ...(hold ? { visibility: 'held', visibilityReason: hold, visibilityChangedAt: now } : {}),
      author: new Types.ObjectId(who.id),
      authorName: who.displayName,
      authorUsername: who.username,
      authorRole: who.role,
      products: chosen.map((p) => new Types.ObjectId(p.id)),
      productNames: chosen.map((p) => p.name),
      status: 'open',
      openSince: now,
      firstResponseDueAt: lifecycle.firstResponseDue(rules.current(), now),
      lastActivityAt: now,
      lastPosterRole: who.role,
      lastPosterId: new Types.ObjectId(who.id),
      lastPosterName: who.displayName,
      lastPosterIsAsker: true,
      createdAt: now,
      updatedAt: now,
    });
    pageCache.invalidate(String(doc._id));
    const threadId = String(doc._id);
    // Its images wait with it: the guard cleared them, a moderator has not yet.
    if (hold) await ctx.postImagesVisible(who.id, body, false);
    if (hold) await events.emit('post.held', { actor: who, postType: 'thread', postId: threadId, threadId, at: now });
    else await events.emit('thread.created', { actor: who, threadId, at: now });
    return threadView(doc._id);
  }

  /** Source text for the edit form. */
  async function getThreadForEdit(actor: Actor | null, id: string) {
    const who = requireActor(actor);
    const t = await Thread.findById(toObjectId(id), {
      title: 1,
      slug: 1,
      bodySource: 1,
      author: 1,
      status: 1,
      acceptedReplyId: 1,
      visibility: 1,
    }).lean();
    if (!t || !policy.canSeePost(who, { authorId: String(t.author), visibility: t.visibility })) {
      throw new NotFoundError('That thread does not exist.');
    }
    if (!policy.canEditThread(who, threadFacts(t))) throw editRefusal(t.status);
    return { id: String(t._id), title: t.title, body: t.bodySource, slug: t.slug };
  }

  function editRefusal(status: ThreadStatus) {
    return status === 'locked'
      ? new LockedError('This thread is locked, so it cannot be edited.')
      : new ForbiddenError('You can only edit your own posts.');
  }

  /**
   * Edits the question. The previous version is saved as a Revision first (a crash in
   * between leaves an extra revision, never a lost one); the update is conditional on the
   * post being exactly as read (nobody edited or redacted it since), else 409 and the
   * revision is removed again: a revision exists only for an edit that happened.
   */
  async function editThread(
    actor: Actor | null,
    id: string,
    input: { title?: string; body?: string; images?: PostImageOptions },
    clock: Clock = ctx.clock,
  ): Promise<ThreadView> {
    const who = requireActor(actor);
    const _id = toObjectId(id);
    const t = await Thread.findById(_id, {
      title: 1,
      bodySource: 1,
      author: 1,
      status: 1,
      acceptedReplyId: 1,
      editedAt: 1,
      visibility: 1,
    }).lean();
    if (!t || !policy.canSeePost(who, { authorId: String(t.author), visibility: t.visibility })) {
      throw new NotFoundError('That thread does not exist.');
    }
    if (!policy.canEditThread(who, threadFacts(t))) throw editRefusal(t.status);
    await gate.assert(who, 'post');
    // A title is checked when it changes: an old title stored before the rules never blocks a body edit.
    const title = input.title === undefined || input.title === t.title ? t.title : checkedTitle(input.title);
    if (title === t.title && (input.body ?? t.bodySource) === t.bodySource) return threadView(_id);
    // The guard may rewrite the body (blurring an image changes its references): render that one.
    const { body } = await ctx.guardPost(who, { title, body: input.body ?? t.bodySource }, input.images);
    if (title === t.title && body === t.bodySource) return threadView(_id);
    const set: Partial<ThreadDoc> = {};
    if (title !== t.title) Object.assign(set, { title, slug: titleSlug(title) });
    if (body !== t.bodySource) {
      Object.assign(set, {
        bodySource: body,
        bodyHtml: await renderVisible(ctx.renderer, body, QUESTION_BODY),
        rendererVersion: RENDERER_VERSION,
      });
    }

    const now = clock.now();
    Object.assign(set, { editedAt: now, updatedAt: now });
    const revision = await Revision.create({
      targetType: 'thread',
      targetId: _id,
      threadId: _id,
      editor: new Types.ObjectId(who.id),
      editorName: who.displayName,
      title: t.title,
      bodySource: t.bodySource,
      createdAt: now,
    });
    const filter: QueryFilter<ThreadDoc> = { _id, editedAt: t.editedAt ?? null, title: t.title, bodySource: t.bodySource };
    if (!isStaff(who)) filter.status = { $ne: 'locked' };
    const res = await Thread.updateOne(filter, { $set: set });
    if (!res.matchedCount) {
      await Revision.deleteOne({ _id: revision._id });
      const now2 = await Thread.findById(_id, { status: 1 }).lean();
      if (now2?.status === 'locked') throw new LockedError('This thread was locked, so it cannot be edited.');
      throw new ConflictError('Someone else edited this post at the same time. Reload it and try again.');
    }
    // New images in a held or hidden question wait with it.
    if (t.visibility && body !== t.bodySource) await ctx.postImagesVisible(String(t.author), body, false);
    pageCache.invalidate(id);
    await events.emit('thread.edited', { actor: who, threadId: id, at: now });
    return threadView(_id);
  }

  /**
   * The ask form's server-side preview: the body rendered as it would be stored ('' when a
   * reader would see nothing). Bounded like every render (400 naming the field past the
   * budget); stores nothing.
   */
  async function previewBody(_actor: Actor | null, source: string): Promise<string> {
    if (!source.trim()) return '';
    const html = await ctx.renderer.render(source, QUESTION_BODY);
    return hasVisibleText(html) ? html : '';
  }

  /**
   * Marks a reply as the accepted answer: one conditional update, so of two concurrent
   * accepts exactly one wins and the other gets 409.
   */
  async function acceptAnswer(actor: Actor | null, threadId: string, replyId: string, clock: Clock = ctx.clock): Promise<ThreadView> {
    const who = requireActor(actor);
    const _id = toObjectId(threadId);
    const rid = toObjectId(replyId, 'That reply');
    const [t, r] = await Promise.all([
      loadThread(_id),
      Reply.findOne({ _id: rid, threadId: _id }, { author: 1, authorRole: 1, system: 1 }).lean(),
    ]);
    if (!r) throw new NotFoundError('That reply is not in this thread.');
    const facts = threadFacts(t);
    const rf = { authorId: r.author ? String(r.author) : null, authorRole: r.authorRole, system: r.system };
    if (facts.status === 'locked') throw new LockedError('This thread is locked, so its answer cannot change.');
    if (!policy.canAccept(who, facts, rf)) {
      if (r.system) throw new ValidationError('A system note cannot be the answer.');
      throw new ForbiddenError('Only the asker or a moderator can choose the answer.');
    }
    const now = clock.now();
    const updated = await Thread.findOneAndUpdate(
      { _id, status: { $ne: 'locked' }, acceptedReplyId: null },
      lifecycle.mergeLifecycle(
        { $set: { acceptedReplyId: rid, status: 'answered', acceptedAt: now, acceptedBy: new Types.ObjectId(who.id), updatedAt: now } },
        lifecycle.onAccepted(),
      ),
      { returnDocument: 'after', projection: THREAD_PROJECTION },
    ).lean();
    if (!updated) {
      const cur = await loadThread(_id);
      if (cur.status === 'locked') throw new LockedError('This thread is locked, so its answer cannot change.');
      throw new ConflictError(
        cur.acceptedReplyId?.equals(rid)
          ? 'This reply is already the accepted answer.'
          : 'This thread already has an accepted answer. Unaccept it first.',
        'conflict',
        { acceptedReplyId: String(cur.acceptedReplyId) },
      );
    }
    pageCache.invalidate(threadId);
    await events.emit('answer.accepted', { actor: who, threadId, replyId, at: now });
    return toThreadView(updated, views.pending(threadId));
  }

  /** Removes the accepted answer; the thread returns to the state its last post implies. */
  async function unacceptAnswer(actor: Actor | null, threadId: string, clock: Clock = ctx.clock): Promise<ThreadView> {
    const who = requireActor(actor);
    const _id = toObjectId(threadId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const t = await loadThread(_id);
      const facts = threadFacts(t);
      if (facts.status === 'locked') throw new LockedError('This thread is locked, so its answer cannot change.');
      if (!policy.canUnaccept(who, facts)) {
        if (!t.acceptedReplyId) throw new ConflictError('This thread has no accepted answer.');
        throw new ForbiddenError('Only the asker or a moderator can change the answer.');
      }
      const status = policy.impliedStatus({
        acceptedReplyId: null,
        lastPosterRole: t.lastPosterRole,
        lastPosterIsAsker: t.lastPosterIsAsker,
      });
      const now = clock.now();
      // Conditional on everything the new status was computed from: a reply landing in
      // between makes this miss, and we compute again.
      const updated = await Thread.findOneAndUpdate(
        {
          _id,
          status: 'answered',
          acceptedReplyId: t.acceptedReplyId,
          lastPosterRole: t.lastPosterRole,
          lastPosterIsAsker: t.lastPosterIsAsker,
          lastActivityAt: t.lastActivityAt,
        },
        // A fresh wait from now (issue 18 item 6): counting from the last post would give a thread
        // unaccepted weeks later a deadline long past, locked by the next sweep without a reminder.
        withoutFollowUp(
          lifecycle.mergeLifecycle(
            { $set: { acceptedReplyId: null, acceptedAt: null, acceptedBy: null, status, updatedAt: now } },
            lifecycle.onUnaccepted(rules.current(), status, now),
          ),
        ),
        { returnDocument: 'after', projection: THREAD_PROJECTION },
      ).lean();
      if (updated) {
        pageCache.invalidate(threadId);
        await events.emit('answer.unaccepted', { actor: who, threadId, replyId: String(t.acceptedReplyId), status, at: now });
        return toThreadView(updated, views.pending(threadId));
      }
    }
    throw new ConflictError('The thread changed while we were updating it. Please try again.');
  }

  /** A moderator locks a thread with a note saying why. */
  async function lockThread(actor: Actor | null, threadId: string, input: { note: string }, clock: Clock = ctx.clock): Promise<ThreadView> {
    const who = requireActor(actor);
    if (!policy.canLock(who)) throw new ForbiddenError('Only support moderators can lock threads.');
    const _id = toObjectId(threadId);
    const now = clock.now();
    const updated = await Thread.findOneAndUpdate(
      { _id, status: { $ne: 'locked' } },
      withoutFollowUp(
        lifecycle.mergeLifecycle(
          {
            $set: {
              status: 'locked',
              lockedAt: now,
              lockReason: 'moderator',
              lockNote: input.note,
              lockedBy: new Types.ObjectId(who.id),
              updatedAt: now,
            },
          },
          lifecycle.onLocked(now, 'moderator'),
        ),
      ),
      { returnDocument: 'after', projection: THREAD_PROJECTION },
    ).lean();
    if (!updated) {
      await loadThread(_id); // 404 if missing
      throw new ConflictError('This thread is already locked.', 'already_locked');
    }
    // Who, when and why, visible on the thread; and in the audit log.
    const when = rules.current().calendar.formatLocal(now);
    const why = input.note.trim() ? ` Reason: ${escapeMarkdown(input.note.trim())}` : '';
    await addNote(threadId, { body: `Locked by ${escapeMarkdown(who.displayName)} on ${when}.${why}`, kind: LOCK_NOTE_KIND }, clock);
    await ctx.audit.record({
      actor: who,
      action: 'thread_locked',
      targetType: 'thread',
      targetId: _id,
      reason: input.note || undefined,
      at: now,
    });
    pageCache.invalidate(threadId);
    await events.emit('thread.locked', { actor: who, threadId, reason: 'moderator', at: now });
    return threadView(_id);
  }

  /**
   * Locks a thread on the forum's own behalf (the no-response rule). `filter` adds the
   * conditions that must still hold (e.g. status 'awaiting_asker' and a due deadline), so
   * with several processes sweeping, exactly one locks each thread. Returns whether this
   * call locked it. The caller adds the visible system note (addSystemReply).
   */
  async function lockThreadAutomatically(
    threadId: string,
    input: { reason: 'no_response'; note: string; filter?: QueryFilter<ThreadDoc> },
    clock: Clock = ctx.clock,
  ): Promise<boolean> {
    const _id = toObjectId(threadId);
    const now = clock.now();
    const res = await Thread.updateOne(
      { ...(input.filter ?? {}), _id, status: { $ne: 'locked' }, acceptedReplyId: null },
      lifecycle.mergeLifecycle(
        { $set: { status: 'locked', lockedAt: now, lockReason: input.reason, lockNote: input.note, lockedBy: null, updatedAt: now } },
        lifecycle.onLocked(now, input.reason),
      ),
    );
    if (!res.modifiedCount) return false;
    pageCache.invalidate(threadId);
    await events.emit('thread.locked', { actor: null, threadId, reason: input.reason, at: now });
    return true;
  }

  /** A moderator unlocks (optionally saying why); the thread returns to the state its posts imply. */
  async function unlockThread(
    actor: Actor | null,
    threadId: string,
    input: { reason?: string } = {},
    clock: Clock = ctx.clock,
  ): Promise<ThreadView> {
    const who = requireActor(actor);
    if (!policy.canLock(who)) throw new ForbiddenError('Only support moderators can unlock threads.');
    const _id = toObjectId(threadId);
    const t = await loadThread(_id);
    if (t.status !== 'locked') throw new ConflictError('This thread is not locked.', 'not_locked');
    const status = policy.impliedStatus(t);
    const now = clock.now();
    const updated = await Thread.findOneAndUpdate(
      { _id, status: 'locked', lockedAt: t.lockedAt },
      // Deadlines restart from now: the asker gets the full time again after an unlock.
      lifecycle.mergeLifecycle(
        { $set: { status, lockedAt: null, lockReason: null, lockNote: '', lockedBy: null, updatedAt: now } },
        lifecycle.onUnlocked(rules.current(), status, now),
      ),
      { returnDocument: 'after', projection: THREAD_PROJECTION },
    ).lean();
    if (!updated) throw new ConflictError('The thread changed while we were updating it. Please try again.');
    const reason = input.reason?.trim() ?? '';
    const when = rules.current().calendar.formatLocal(now);
    const why = reason ? ` Reason: ${escapeMarkdown(reason)}` : '';
    await addNote(threadId, { body: `Unlocked by ${escapeMarkdown(who.displayName)} on ${when}.${why}`, kind: UNLOCK_NOTE_KIND }, clock);
    await ctx.audit.record({
      actor: who,
      action: 'thread_unlocked',
      targetType: 'thread',
      targetId: _id,
      reason: reason || undefined,
      at: now,
    });
    pageCache.invalidate(threadId);
    await events.emit('thread.unlocked', { actor: who, threadId, status, at: now });
    return threadView(_id);
  }

  return {
    listThreads,
    getThreadPage,
    recordView,
    createThread,
    getThreadForEdit,
    editThread,
    previewBody,
    acceptAnswer,
    unacceptAnswer,
    lockThread,
    lockThreadAutomatically,
    unlockThread,
    loadThread,
  };
}

export type ThreadService = ReturnType<typeof createThreadService>;
