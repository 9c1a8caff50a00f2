import type { Actor } from '../kernel/actor';
import { isAdmin, isStaff } from '../kernel/actor';

/**
 * Who may do what with private conversations. Pure functions of the actor and the facts;
 * the service calls them before any read or write. A "no" for reading is always reported
 * as 404 by the service, so a conversation's existence never leaks.
 */

export interface ConversationFacts {
  participantIds: string[];
  /** Live break-glass grants: admin user ids whose read access has not yet expired. */
  grantedIds: string[];
  /** A conversation with the support team: every moderator and administrator reads and answers it. */
  support: boolean;
}

export const isParticipant = (actor: Actor | null, c: ConversationFacts): boolean => !!actor && c.participantIds.includes(actor.id);

/** Staff on a support conversation: the shared inbox (docs/support-team.md). */
export const isSupportStaff = (actor: Actor | null, c: ConversationFacts): boolean => c.support && isStaff(actor);

/** Participants, staff on a support conversation, and an admin during an audited break-glass hour. */
export const canRead = (actor: Actor | null, c: ConversationFacts): boolean =>
  isParticipant(actor, c) || isSupportStaff(actor, c) || (isAdmin(actor) && c.grantedIds.includes(actor!.id));

/** Participants and, on a support conversation, staff write. Break-glass is read-only. */
export const canReply = (actor: Actor | null, c: ConversationFacts): boolean => isParticipant(actor, c) || isSupportStaff(actor, c);

/** Internal notes, assignment, closing: the support team on its own conversations. */

/** Anyone who may read may reveal; every reveal is audited. */
export const canReveal = (actor: Actor | null, c: ConversationFacts): boolean => canRead(actor, c);

export const canBreakGlass = (actor: Actor | null): boolean => isAdmin(actor);

/**
 * Starting a conversation. Members may write to anyone, except someone who blocked them;
 * staff are never blocked (a member cannot shut out support on their own case).
 */
export function canStart(actor: Actor | null, recipientIds: string[], blockedByIds: string[]): boolean {
  if (!actor || recipientIds.length === 0 || recipientIds.includes(actor.id)) return false;
  if (isStaff(actor)) return true;
  return !recipientIds.some((id) => blockedByIds.includes(id));
}

/**
 * Linking a conversation to a question thread: staff writing to the asker (the asker must
 * be among the participants), or the asker writing about their own question.
 */
export function canLinkThread(actor: Actor | null, askerId: string, participantIds: string[]): boolean {
  if (!actor) return false;
  if (actor.id === askerId) return true;
  return isStaff(actor) && participantIds.includes(askerId);
}

/** The "Request your certification ID privately" template and the prefilled form. */
export const canUseModeratorTemplates = (actor: Actor | null): boolean => isStaff(actor);
