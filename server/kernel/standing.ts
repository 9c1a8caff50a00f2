import type { Actor } from './actor';

/**
 * What an account may do right now, asked by the services that store what people write
 * (threads, messages, feedback) before every write, so that every entry point (web pages, the
 * JSON API, reply by e-mail, the CLI) inherits the same answer. The moderation domain answers
 * it from the account's restrictions and age (server/moderation/standing.ts,
 * docs/moderation.md); the composition root passes it down, so no lower domain imports
 * moderation.
 *
 *   post             questions, replies, edits of one's own posts (public text)
 *   message_member   starting or answering a conversation with other members
 *   message_support  writing to the support team
 *   vote             helpfulness votes and satisfaction ratings
 *   flag             flagging a post for moderators
 */
export type Participation = 'post' | 'message_member' | 'message_support' | 'vote' | 'flag';

/** Why a new post is stored held for review instead of published. */
export type HoldReason = 'new_account_links';

export interface StandingGate {
  /** Throws RestrictedError (403, code 'suspended' or 'silenced', with the reason and the end) when not allowed. */
  assert(actor: Actor, what: Participation): Promise<void>;
  /** For a new public post: why it must wait for a moderator, or null to publish it. */
  holdReason(actor: Actor, post: { hasLinks: boolean }): Promise<HoldReason | null>;
  /** A new account (NEW_ACCOUNT_DAYS / NEW_ACCOUNT_POSTS): no messages or secure fields to members. */
  isNew(actor: Actor): Promise<boolean>;
}

/** Everyone may do everything: the gate of a forum without moderation (unit tests, tools). */
export const OPEN_GATE: StandingGate = {
  assert: async () => undefined,
  holdReason: async () => null,
  isNew: async () => false,
};
