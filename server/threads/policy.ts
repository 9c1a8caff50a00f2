import type { Actor } from '../kernel/actor';
import { isAdmin, isStaff } from '../kernel/actor';
import type { ThreadStatus, Visibility } from '../../models/thread';

/**
 * Who may do what with threads and replies. Pure functions of the actor and the facts
 * about the thread/reply; the service calls them before any write, the views use the same
 * answers to decide which buttons to show.
 */

/** The facts about a thread that the rules need. */
export interface ThreadFacts {
  authorId: string;
  status: ThreadStatus;
  acceptedReplyId: string | null;
}

export interface ReplyFacts {
  authorId: string | null;
  authorRole: string | null;
  system: boolean;
}

const isAsker = (actor: Actor | null, thread: ThreadFacts) => !!actor && actor.id === thread.authorId;
const isLocked = (thread: ThreadFacts) => thread.status === 'locked';

export const canAsk = (actor: Actor | null): boolean => !!actor;

/** Nobody replies to a locked thread, staff included: unlock first. */
export const canReply = (actor: Actor | null, thread: ThreadFacts): boolean => !!actor && !isLocked(thread);

/** Authors edit their own posts while the thread is open; moderators edit anything, any time. */
export const canEditThread = (actor: Actor | null, thread: ThreadFacts): boolean =>
  isStaff(actor) || (isAsker(actor, thread) && !isLocked(thread));

export const canEditReply = (actor: Actor | null, thread: ThreadFacts, reply: ReplyFacts): boolean =>
  !reply.system && (isStaff(actor) || (!!actor && actor.id === reply.authorId && !isLocked(thread)));

/** The asker or a moderator may mark a (human) reply as the answer, while not locked. */
export const canAccept = (actor: Actor | null, thread: ThreadFacts, reply?: ReplyFacts): boolean =>
  (isAsker(actor, thread) || isStaff(actor)) && !isLocked(thread) && !(reply && reply.system);

export const canUnaccept = (actor: Actor | null, thread: ThreadFacts): boolean =>
  (isAsker(actor, thread) || isStaff(actor)) && !isLocked(thread) && thread.acceptedReplyId !== null;

export const canLock = (actor: Actor | null): boolean => isStaff(actor);

/**
 * Who sees a post that moderation took out of public view (docs/moderation.md): staff always;
 * its author while it is held or hidden (with a notice), not once it is deleted; nobody else.
 */
export const canSeePost = (actor: Actor | null, post: { authorId: string | null; visibility: Visibility | null | undefined }): boolean =>
  !post.visibility || isStaff(actor) || (!!actor && post.visibility !== 'deleted' && actor.id === post.authorId);

/** Support-team tools on a thread: assign, close as duplicate, move to other products. */
export const canManageThread = (actor: Actor | null): boolean => isStaff(actor);

export const canManageProducts = (actor: Actor | null): boolean => isAdmin(actor);

/**
 * "Did this solve your problem? Yes / No" under a staff reply: shown to the asker only,
 * while the thread is not locked and has no accepted answer yet.
 */
export const showSolvedPrompt = (actor: Actor | null, thread: ThreadFacts, reply: ReplyFacts): boolean =>
  isAsker(actor, thread) &&
  !isLocked(thread) &&
  thread.acceptedReplyId === null &&
  !reply.system &&
  (reply.authorRole === 'moderator' || reply.authorRole === 'admin') &&
  reply.authorId !== actor?.id;

/** What a thread's last human post says about it. */
export interface StatusFacts {
  acceptedReplyId: unknown | null;
  /** Role of the last poster (the question itself counts as a post). */
  lastPosterRole: string;
  lastPosterIsAsker: boolean;
}

/**
 * The state a thread "should" be in from its posts alone, used when an answer is unaccepted
 * and when a moderator unlocks. An accepted answer wins; otherwise a staff reply (not by the
 * asker) means the ball is in the asker's court. The lifecycle engineer extends this.
 */
export function impliedStatus(facts: StatusFacts): Exclude<ThreadStatus, 'locked'> {
  if (facts.acceptedReplyId) return 'answered';
  if (!facts.lastPosterIsAsker && (facts.lastPosterRole === 'moderator' || facts.lastPosterRole === 'admin')) {
    return 'awaiting_asker';
  }
  return 'open';
}

/**
 * The status after a new reply, or null to leave it as it is. Answered and locked threads
 * keep their state; the asker speaking reopens; staff speaking waits for the asker; anyone
 * else leaves it.
 */
export function statusAfterReply(current: ThreadStatus, byAsker: boolean, byStaff: boolean): ThreadStatus | null {
  if (current === 'answered' || current === 'locked') return null;
  if (byAsker) return current === 'open' ? null : 'open';
  if (byStaff) return current === 'awaiting_asker' ? null : 'awaiting_asker';
  return null;
}
