import type { Actor } from '../kernel/actor';
import { isStaff } from '../kernel/actor';

/**
 * Who may give feedback on a reply, and who may read the support reports. Pure functions;
 * the service calls them before any write and the widget uses the same answers to decide
 * what to show. A locked thread does not matter here: votes still work after a lock.
 */
export interface FeedbackTarget {
  authorId: string | null;
  system: boolean;
}

/** Why the actor may not give feedback on this reply, or null when they may. */
export function feedbackRefusal(actor: Actor | null, reply: FeedbackTarget): string | null {
  if (!actor) return 'Please sign in to rate replies.';
  if (reply.system) return 'Notes from the forum cannot be rated.';
  if (reply.authorId !== null && reply.authorId === actor.id) return 'You cannot rate your own reply.';
  return null;
}

/** The support dashboard and its exports: moderators and admins. */
export const canViewSupportReports = (actor: Actor | null): boolean => isStaff(actor);

/** Replies whose feedback counts towards the support dashboard. */
export const isStaffReply = (reply: { system: boolean; authorRole: string | null; author: unknown }): boolean =>
  !reply.system && !!reply.author && (reply.authorRole === 'moderator' || reply.authorRole === 'admin');
