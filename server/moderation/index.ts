/**
 * Moderation (docs/moderation.md): flags and the moderation queue, hiding and restoring posts,
 * suspending, silencing and banning members, new-account limits and trust, and the users pages
 * of the administration. The public entry of the moderation domain.
 *
 * `createStanding` is built first by the composition root (server/compose.ts): its gate goes to
 * threads, messages and feedback (they must not import this domain); `createModeration` comes
 * after them and receives the same standing.
 */
import type { AuditLog } from '../audit';
import type { Auth } from '../auth';
import type { CoreDeps } from '../kernel/deps';
import type { Messages } from '../messages';
import type { NotificationService } from '../notifications';
import type { Threads } from '../threads';
import { createActions } from './actions';
import { createFlags } from './flags';
import { createRestrictions } from './restrictions';
import type { Standing } from './standing';
import { createUsersAdmin } from './users';

export function createModeration(
  core: CoreDeps,
  deps: { standing: Standing; threads: Threads; messages: Messages; notifications: NotificationService; audit: AuditLog; auth: Auth },
) {
  const { models, clock, config, events } = core;
  const { standing, threads, messages, audit } = deps;
  const flags = createFlags({ models, config, clock, gate: standing.gate, level: standing.level, threads, messages });
  const restrictions = createRestrictions({ models, clock, audit, events });
  const actions = createActions({ models, clock, audit, threads, messages, notifications: deps.notifications, restrictions });
  const users = createUsersAdmin({ models, clock, audit, auth: deps.auth, flags, level: standing.level });

  // A new account's post with links arrived held: it gets its queue entry.
  events.on('post.held', (e) =>
    flags.held({
      postType: e.postType,
      postId: e.postId,
      threadId: e.threadId,
      authorId: e.actor.id,
      authorUsername: e.actor.username,
      at: e.at,
    }),
  );

  return { standing, flags, restrictions, actions, users };
}

export type Moderation = ReturnType<typeof createModeration>;

export { createStanding, type Standing, type Restriction } from './standing';
export { moderationEndpoints } from './endpoints';
