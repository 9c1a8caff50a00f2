import { isStaff, type Actor } from '../kernel/actor';

/** Who may see one upload, and how a response showing it may be cached. */
export interface UploadFacts {
  ownerId: string;
  scope: 'public' | 'private';
  conversationId: string | null;
  publishedAt: Date | null;
  /** Set while the post showing it is held, hidden or deleted. */
  withheldAt: Date | null;
}

/**
 * What the reader may do with a conversation (messages' rule, passed down by the composition
 * root): 'participant' writes and reads, 'reader' only reads (an admin's audited break-glass
 * hour), null neither (and it is reported as not existing).
 */
export type ConversationAccess = (actor: Actor, conversationId: string) => Promise<'participant' | 'reader' | null>;

/**
 * - `public`: anyone, and shared caches may keep it (`public, max-age=1 year, immutable`: an
 *   upload's bytes never change; blurring makes a new upload with a new URL);
 * - `private`: this reader only, never stored (`private, no-store`);
 * - null: not for this reader (answered 404, so an upload's existence never leaks).
 */
export type UploadVisibility = 'public' | 'private' | null;

/**
 * The rules (docs/uploads.md "Who sees an upload"):
 * - a public-post image once a post of its owner cleared it (publishedAt): everyone, unless
 *   moderation holds, hides or deletes that post (withheldAt);
 * - before that, or while withheld: its owner and staff (the guard panel shows it to the owner; moderators review);
 * - a private-message file attached to a conversation: whoever may read the conversation
 *   (its participants, the support team on a support conversation, and an admin during an
 *   audited break-glass hour), never cached;
 *   while the message showing it is hidden or deleted, only its owner and staff among them;
 * - a private file not attached yet (a new message being written): its owner only.
 */
export async function visibilityOf(actor: Actor | null, u: UploadFacts, conversationAccess: ConversationAccess): Promise<UploadVisibility> {
  const owner = !!actor && actor.id === u.ownerId;
  if (u.scope === 'public') {
    if (u.publishedAt && !u.withheldAt) return 'public';
    return owner || isStaff(actor) ? 'private' : null;
  }
  if (!actor) return null;
  if (!u.conversationId) return owner ? 'private' : null;
  // A hidden or deleted message's files: like its text, its author and staff only.
  if (u.withheldAt && !owner && !isStaff(actor)) return null;
  return (await conversationAccess(actor, u.conversationId)) ? 'private' : null;
}
