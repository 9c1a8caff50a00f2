import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { ConflictError, ForbiddenError, LockedError, NotFoundError, ValidationError } from '../kernel/errors';
import * as policy from './policy';
import { toObjectId } from './ids';
import { requireActor, threadFacts } from './facts';
import { mergeLifecycle, onAskerResponse } from './lifecycle';
import { THREAD_PROJECTION, toThreadView, type ThreadView } from './present';
import type { ThreadsContext } from './context';

export interface NotSolvedResult {
  thread: ThreadView;
  replyId: string;
  /** False when the asker had already said No to this reply (nothing changed). */
  recorded: boolean;
}

/**
 * "Did this solve your problem?" No (issue 18 item 16): the asker's answer is recorded and
 * support hears of it. "Yes" accepts the reply (thread-service.ts acceptAnswer).
 *
 * Writes, each conditional on the state it was decided from:
 *   1. the reply gets `notSolvedAt` (once: a second No changes nothing);
 *   2. the thread gets `notSolvedAt`/`notSolvedReplyId` (shown in the moderator queue until
 *      the next staff reply) and, when it was awaiting the asker, returns to awaiting support
 *      with a fresh first-response target: the asker has responded (docs/support-policy.md);
 *   3. 'reply.not_solved' is emitted: the support domain tells the reply's author.
 * A crash between 1 and 2 leaves the reply marked and the thread unchanged; answering No
 * again completes it (step 2 does not depend on step 1 having changed anything).
 */
export function createSolvedPrompt(ctx: ThreadsContext) {
  const { models, rules, events, pageCache } = ctx;
  const { Thread, Reply } = models;

  async function markNotSolved(actor: Actor | null, threadId: string, replyId: string, clock: Clock = ctx.clock): Promise<NotSolvedResult> {
    const who = requireActor(actor);
    const _id = toObjectId(threadId);
    const rid = toObjectId(replyId, 'That reply');
    const [t, r] = await Promise.all([
      Thread.findById(_id, { author: 1, status: 1, acceptedReplyId: 1, title: 1 }).lean(),
      Reply.findOne({ _id: rid, threadId: _id }, { author: 1, authorRole: 1, system: 1, notSolvedAt: 1 }).lean(),
    ]);
    if (!t) throw new NotFoundError('That thread does not exist.');
    if (!r) throw new NotFoundError('That reply is not in this thread.');
    const facts = threadFacts(t);
    const rf = { authorId: r.author ? String(r.author) : null, authorRole: r.authorRole, system: r.system };
    if (facts.status === 'locked') throw new LockedError('This thread is locked.');
    if (facts.authorId !== who.id) throw new ForbiddenError('Only the asker can say whether a reply solved their problem.');
    if (facts.acceptedReplyId) throw new ConflictError('This thread already has an accepted answer.');
    if (!policy.showSolvedPrompt(who, facts, rf))
      throw new ValidationError('You can answer this only about a reply from the support team.');

    const now = clock.now();
    const marked = await Reply.updateOne({ _id: rid, notSolvedAt: { $exists: false } }, { $set: { notSolvedAt: now } });
    const current = await Thread.findById(_id, { status: 1 }).lean();
    const status = current?.status;
    if (status !== 'open' && status !== 'awaiting_asker') {
      throw new ConflictError('The thread changed while we were recording your answer. Please reload it.');
    }
    const set = { notSolvedAt: now, notSolvedReplyId: rid, updatedAt: now };
    // Awaiting the asker: this is the asker's response, the thread goes back to support.
    const update = status === 'awaiting_asker' ? mergeLifecycle({ $set: set }, onAskerResponse(rules.current(), now)) : { $set: set };
    const updated = await Thread.findOneAndUpdate({ _id, status, acceptedReplyId: null }, update, {
      returnDocument: 'after',
      projection: THREAD_PROJECTION,
    }).lean();
    if (!updated) throw new ConflictError('The thread changed while we were recording your answer. Please reload it.');
    pageCache.invalidate(threadId);
    const recorded = marked.modifiedCount === 1;
    if (recorded) {
      await events.emit('reply.not_solved', {
        actor: who,
        threadId,
        title: t.title,
        replyId,
        replyAuthorId: String(r.author),
        status: updated.status,
        at: now,
      });
    }
    return { thread: toThreadView(updated), replyId, recorded };
  }

  return { markNotSolved };
}

/** The thread's "the asker said it did not solve" flag: a staff reply clears it (reply-service.ts). */
export const NOT_SOLVED_UNSET = { notSolvedAt: '', notSolvedReplyId: '' } as const;
