import type { Actor } from './actor';
import type { Logger } from './logger';

/** Thread states (models/thread.ts THREAD_STATUSES), repeated here so events stay a kernel type. */
type ThreadStatus = 'open' | 'awaiting_asker' | 'answered' | 'locked';

/**
 * Things that happened, announced by the domain that made them happen, after its write
 * succeeded (the way discourse-solved fires events after its atomic update). Other domains
 * and the caches subscribe in server/compose.ts; nothing imports another domain to learn
 * of a change.
 *
 * Listeners run after the response-deciding write and cannot undo it: a failing listener
 * is logged (with the event name) and never turns a successful request into an error.
 */
export interface DomainEventMap {
  'thread.created': { actor: Actor; threadId: string; at: Date };
  'thread.edited': { actor: Actor; threadId: string; at: Date };
  /**
   * Anything else that changes what a thread page shows (views flushed, redactions, votes).
   * `pageOnly`: the change shows on the thread's pages but in no thread list (a vote's
   * counters), so cached lists stay.
   */
  'thread.changed': { threadId: string; pageOnly?: boolean };
  'reply.created': {
    actor: Actor;
    threadId: string;
    replyId: string;
    status: ThreadStatus;
    byAsker: boolean;
    byStaff: boolean;
    /** The asker wrote after an accepted answer: the thread is back in the moderator queue. */
    followUp: boolean;
    at: Date;
  };
  'reply.edited': { actor: Actor; threadId: string; replyId: string; at: Date };
  'answer.accepted': { actor: Actor; threadId: string; replyId: string; at: Date };
  'answer.unaccepted': { actor: Actor; threadId: string; replyId: string; status: ThreadStatus; at: Date };
  /** The asker said a staff reply did not solve their problem ("Did this solve your problem?" No). */
  'reply.not_solved': {
    actor: Actor;
    threadId: string;
    title: string;
    replyId: string;
    replyAuthorId: string;
    status: ThreadStatus;
    at: Date;
  };
  'thread.locked': { actor: Actor | null; threadId: string; reason: string; at: Date };
  'thread.unlocked': { actor: Actor; threadId: string; status: ThreadStatus; at: Date };
  /** A new account was created (registration, CLI): the accounts domain sends its verification mail. */
  'account.registered': { userId: string; at: Date };
  /**
   * A new account's post with links was stored held for review (docs/moderation.md): nobody but
   * its author and staff sees it. `thread.created` / `reply.created` follow when a moderator
   * approves it, not before, so nothing announces a post the public cannot see.
   */
  'post.held': { actor: Actor; postType: 'thread' | 'reply'; postId: string; threadId: string; at: Date };
  /**
   * The support rules in force changed; `rules.current()` already answers the new ones here.
   * `changedHere`: this process made the change (an administrator's request), so it is the one
   * that recomputes the stored deadlines; false when this process learned of it on a refresh.
   */
  'support.rules.changed': { version: number; changedHere: boolean };
  /** Products were created, renamed or removed. */
  'products.changed': Record<string, never>;
  /** What the header shows a person changed: their role or name, unread notifications or messages. */
  'viewer.changed': { userIds: string[] };
  /** Every per-person cached fact is stale (bulk repairs). */
  'viewers.changed': Record<string, never>;
}

export type DomainEvent = keyof DomainEventMap;
type Listener<K extends DomainEvent> = (event: DomainEventMap[K]) => void | Promise<void>;

/**
 * An in-process, typed event bus. One instance per composition root (server/compose.ts), so
 * two apps in one process never hear each other's events.
 */
export class EventBus {
  private readonly listeners: { [K in DomainEvent]?: Listener<K>[] } = {};

  constructor(private readonly logger: Pick<Logger, 'error'>) {}

  /** Subscribe; returns the unsubscribe function. */
  on<K extends DomainEvent>(name: K, fn: Listener<K>): () => void {
    const list = (this.listeners[name] ??= []) as Listener<K>[];
    list.push(fn);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Runs the listeners in subscription order and waits for them; errors are logged, never thrown. */
  async emit<K extends DomainEvent>(name: K, event: DomainEventMap[K]): Promise<void> {
    const list = this.listeners[name] as Listener<K>[] | undefined;
    if (!list?.length) return;
    for (const fn of [...list]) {
      try {
        await fn(event);
      } catch (err) {
        this.logger.error({ err, event: name }, 'event listener failed');
      }
    }
  }
}
