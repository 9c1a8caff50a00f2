import { Types } from 'mongoose';
import type { Actor } from '../kernel/actor';
import type { PostImageOptions } from '../uploads';
import { isStaff } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import type { ThreadStatus } from '../../models/thread';
import { containsLink, renderMarkdown, RENDERER_VERSION } from '../markdown/render';
import { renderVisible } from '../markdown/visible';
import { REPLY_BODY } from './content';
import { NOT_SOLVED_UNSET } from './solved-prompt';
import { ConflictError, ForbiddenError, LockedError, NotFoundError } from '../kernel/errors';
import * as policy from './policy';
import { toObjectId } from './ids';
import { REPLIES_PER_PAGE, REPLY_PROJECTION, threadUrl, toReplyView, type ReplyView } from './present';
import { requireActor, threadFacts } from './facts';
import { afterReply, mergeLifecycle } from './lifecycle';
import type { ThreadsContext } from './context';
import type { SearchText } from './search-text';

export interface CreatedReply {
  reply: ReplyView;
  threadStatus: ThreadStatus;
  /** Stored held for review (a new account's reply with links): only its author and staff see it. */
  held: boolean;
  /** Where the new reply is: `/threads/:id/:slug?page=N#reply-<id>`. */
  url: string;
}

/** Replies: posting, system notes, edits. Shares the threads domain's context. */
export function createReplyService(ctx: ThreadsContext, searchText: SearchText) {
  const { models, rules, events, pageCache, gate } = ctx;
  const { Thread, Reply, Revision } = models;

  /**
   * Posts a reply. Order of writes: the reply first, then ONE conditional update of the
   * thread (`status != locked`: counter, last activity, status rule). If the thread was
   * locked in between, the reply is deleted again and the caller gets 409 'locked': a reply
   * that races the lock either lands before it or is refused, never half-stored.
   * A crash between the two writes leaves replyCount one short, which the repair recounts.
   */
  async function createReply(
    actor: Actor | null,
    threadId: string,
    input: { body: string; images?: PostImageOptions },
    clock: Clock = ctx.clock,
  ): Promise<CreatedReply> {
    const who = requireActor(actor);
    const _id = toObjectId(threadId);
    const t = await Thread.findById(_id, { author: 1, status: 1, acceptedReplyId: 1, slug: 1, visibility: 1, searchTextLength: 1 }).lean();
    if (!t || !policy.canSeePost(who, { authorId: String(t.author), visibility: t.visibility })) {
      throw new NotFoundError('That thread does not exist.');
    }
    if (t.status === 'locked') throw new LockedError('This thread is locked, so it cannot be replied to.');
    if (!policy.canReply(who, threadFacts(t))) throw new ForbiddenError();
    await gate.assert(who, 'post');
    // The guard first (it may rewrite the body when it blurs an image), then the bounded render
    // of the body that is stored: its HTML is what the link check and readers see.
    const { body } = await ctx.guardPost(who, { body: input.body }, input.images);
    const bodyHtml = await renderVisible(ctx.renderer, body, REPLY_BODY);

    const now = clock.now();
    const byAsker = t.author.equals(who.id);
    const byStaff = isStaff(who);
    const hold = await gate.holdReason(who, { hasLinks: containsLink(bodyHtml) });
    const reply = await Reply.create({
      threadId: _id,
      author: new Types.ObjectId(who.id),
      authorName: who.displayName,
      authorUsername: who.username,
      authorRole: who.role,
      system: false,
      bodySource: body,
      bodyHtml,
      rendererVersion: RENDERER_VERSION,
      ...(hold ? { visibility: 'held', visibilityReason: hold, visibilityChangedAt: now } : {}),
      createdAt: now,
    });
    // Its images wait with it: the guard cleared them, a moderator has not yet.
    if (hold) await ctx.postImagesVisible(who.id, body, false);

    const base = {
      lastActivityAt: now,
      updatedAt: now,
      lastPosterRole: who.role,
      lastPosterId: new Types.ObjectId(who.id),
      lastPosterName: who.displayName,
      lastPosterIsAsker: byAsker,
    };
    let current: ThreadStatus = t.status;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (current === 'locked') {
        await Reply.deleteOne({ _id: reply._id });
        pageCache.invalidate(threadId);
        throw new LockedError('This thread was locked before your reply arrived, so it was not posted.');
      }
      const next = policy.statusAfterReply(current, byAsker, byStaff);
      // Conditional on the status the rule was applied to: if an accept or a lock got in
      // first, we miss, re-read and apply the rule to the new state.
      // The support lifecycle's deadlines change in the same update (server/threads/lifecycle.ts).
      const deadlines = afterReply(rules.current(), current, { asker: byAsker, staff: byStaff }, now);
      // The asker writing after an accepted answer ("it broke again") puts the thread back in
      // the moderator queue until support replies (docs/notifications.md, "Follow-ups").
      const followUp = byAsker && !byStaff && current === 'answered';
      const update = mergeLifecycle(
        {
          $inc: { replyCount: 1 },
          $set: next ? { ...base, status: next } : base,
          ...(byStaff ? { $unset: { ...NOT_SOLVED_UNSET } as Record<string, unknown> } : {}),
        },
        deadlines,
      );
      if (followUp) update.$set = { ...update.$set, followUpAt: now };
      else if (byStaff) update.$unset = { ...update.$unset, followUpAt: '' };
      const updated = await Thread.findOneAndUpdate({ _id, status: current }, update, {
        returnDocument: 'after',
        projection: { replyCount: 1, slug: 1, status: 1 },
      }).lean();
      if (updated) {
        // Held replies stay out of search until a moderator approves them.
        if (!hold) await searchText.append(_id, body, t.searchTextLength ?? null);
        pageCache.invalidate(threadId);
        const view = toReplyView(reply.toObject());
        const page = Math.max(1, Math.ceil(updated.replyCount / REPLIES_PER_PAGE));
        const url = `${threadUrl(threadId, updated.slug)}${page > 1 ? `?page=${page}` : ''}#reply-${view.id}`;
        // A held reply is announced when a moderator approves it (server/threads/moderation-ops.ts).
        if (hold) await events.emit('post.held', { actor: who, postType: 'reply', postId: view.id, threadId, at: now });
        else
          await events.emit('reply.created', {
            actor: who,
            threadId,
            replyId: view.id,
            status: updated.status,
            byAsker,
            byStaff,
            followUp,
            at: now,
          });
        return { reply: view, threadStatus: updated.status, url, held: !!hold };
      }
      const fresh = await Thread.findById(_id, { status: 1 }).lean();
      if (!fresh) {
        await Reply.deleteOne({ _id: reply._id });
        throw new NotFoundError('That thread does not exist.');
      }
      current = fresh.status;
    }
    await Reply.deleteOne({ _id: reply._id });
    throw new ConflictError('The thread is changing quickly; your reply was not posted. Please try again.');
  }

  /**
   * A note written by the forum itself (lock notices and the like). It counts as a post in
   * replyCount but changes neither the status nor the last poster, and is allowed in a
   * locked thread.
   */
  async function addSystemReply(threadId: string, input: { body: string; kind: string }, clock: Clock = ctx.clock): Promise<ReplyView> {
    const _id = toObjectId(threadId);
    const now = clock.now();
    const reply = await Reply.create({
      threadId: _id,
      author: null,
      system: true,
      systemKind: input.kind,
      bodySource: input.body,
      bodyHtml: renderMarkdown(input.body),
      rendererVersion: RENDERER_VERSION,
      createdAt: now,
    });
    await Thread.updateOne({ _id }, { $inc: { replyCount: 1 }, $set: { updatedAt: now } });
    pageCache.invalidate(threadId);
    return toReplyView(reply.toObject());
  }

  async function loadForEdit(who: Actor, replyId: string) {
    const rid = toObjectId(replyId, 'That reply');
    const r = await Reply.findById(rid, {
      threadId: 1,
      author: 1,
      authorRole: 1,
      system: 1,
      bodySource: 1,
      editedAt: 1,
      visibility: 1,
    }).lean();
    if (!r || !policy.canSeePost(who, { authorId: r.author ? String(r.author) : null, visibility: r.visibility })) {
      throw new NotFoundError('That reply does not exist.');
    }
    const t = await Thread.findById(r.threadId, { author: 1, status: 1, acceptedReplyId: 1, slug: 1 }).lean();
    if (!t) throw new NotFoundError('That reply does not exist.');
    const rf = { authorId: r.author ? String(r.author) : null, authorRole: r.authorRole, system: r.system };
    if (!policy.canEditReply(who, threadFacts(t), rf)) {
      if (r.system) throw new ForbiddenError('System notes cannot be edited.');
      if (t.status === 'locked' && who.id === rf.authorId) throw new LockedError('This thread is locked, so replies cannot be edited.');
      throw new ForbiddenError('You can only edit your own posts.');
    }
    return { r, t };
  }

  /** Source text for the edit form. */
  async function getReplyForEdit(actor: Actor | null, replyId: string) {
    const { r, t } = await loadForEdit(requireActor(actor), replyId);
    return { id: String(r._id), body: r.bodySource, threadId: String(t._id), threadUrl: threadUrl(String(t._id), t.slug) };
  }

  /**
   * Edits a reply, keeping the previous text as a Revision (written first; removed again when
   * the conditional update misses, so a revision exists only for an edit that happened).
   */
  async function editReply(
    actor: Actor | null,
    replyId: string,
    input: { body: string; images?: PostImageOptions },
    clock: Clock = ctx.clock,
  ): Promise<ReplyView> {
    const who = requireActor(actor);
    const { r } = await loadForEdit(who, replyId);
    if (input.body !== r.bodySource) {
      await gate.assert(who, 'post');
      const { body } = await ctx.guardPost(who, { body: input.body }, input.images);
      const bodyHtml = await renderVisible(ctx.renderer, body, REPLY_BODY);
      const now = clock.now();
      const revision = await Revision.create({
        targetType: 'reply',
        targetId: r._id,
        threadId: r.threadId,
        editor: new Types.ObjectId(who.id),
        editorName: who.displayName,
        title: null,
        bodySource: r.bodySource,
        createdAt: now,
      });
      const res = await Reply.updateOne(
        { _id: r._id, editedAt: r.editedAt ?? null, bodySource: r.bodySource },
        { $set: { bodySource: body, bodyHtml, rendererVersion: RENDERER_VERSION, editedAt: now } },
      );
      if (!res.matchedCount) {
        await Revision.deleteOne({ _id: revision._id });
        throw new ConflictError('Someone else edited this reply at the same time. Reload it and try again.');
      }
      // New images in a held or hidden reply wait with it.
      if (r.visibility && r.author) await ctx.postImagesVisible(String(r.author), body, false);
      await searchText.rebuild(r.threadId);
      // The thread's updatedAt is what signed-in readers' cached pages are checked against.
      await Thread.updateOne({ _id: r.threadId }, { $set: { updatedAt: now } });
      pageCache.invalidate(String(r.threadId));
      await events.emit('reply.edited', { actor: who, threadId: String(r.threadId), replyId, at: now });
    }
    const fresh = await Reply.findById(r._id, REPLY_PROJECTION).lean();
    if (!fresh) throw new NotFoundError('That reply does not exist.');
    return toReplyView(fresh);
  }

  return { createReply, addSystemReply, getReplyForEdit, editReply };
}

export type ReplyService = ReturnType<typeof createReplyService>;
