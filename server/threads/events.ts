import type { Actor } from '../kernel/actor';
import type { ThreadStatus } from '../../models/thread';

/**
 * Things that happened to threads, announced after the write succeeded (the way
 * discourse-solved fires events after its atomic update). Other domains subscribe:
 * the lifecycle sets deadlines and notifies, feedback and messages react to replies.
 *
 * Listeners run after the response-deciding write and cannot undo it; a failing listener
 * is logged by the caller's logger hook and never turns a successful post into an error.
 */
export interface ThreadEventMap {
  'thread.created': { actor: Actor; threadId: string; at: Date };
  'thread.edited': { actor: Actor; threadId: string; at: Date };
  'reply.created': { actor: Actor; threadId: string; replyId: string; status: ThreadStatus; byAsker: boolean; byStaff: boolean; at: Date };
  'reply.edited': { actor: Actor; threadId: string; replyId: string; at: Date };
  'answer.accepted': { actor: Actor; threadId: string; replyId: string; at: Date };
  'answer.unaccepted': { actor: Actor; threadId: string; replyId: string; status: ThreadStatus; at: Date };
  'thread.locked': { actor: Actor | null; threadId: string; reason: string; at: Date };
  'thread.unlocked': { actor: Actor; threadId: string; status: ThreadStatus; at: Date };
}

type Listener<K extends keyof ThreadEventMap> = (event: ThreadEventMap[K]) => void | Promise<void>;

const listeners: { [K in keyof ThreadEventMap]?: Listener<K>[] } = {};
let onListenerError: (err: unknown, event: string) => void = (err, event) => {
  console.error(`thread event listener failed (${event})`, err);
};

/** Subscribe; returns an unsubscribe function. */
export function onThreadEvent<K extends keyof ThreadEventMap>(name: K, fn: Listener<K>): () => void {
  const list = (listeners[name] ??= []) as Listener<K>[];
  list.push(fn);
  return () => {
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };
}

export function setThreadEventErrorHandler(fn: (err: unknown, event: string) => void): void {
  onListenerError = fn;
}

/** Runs the listeners in order and waits for them; errors are reported, not thrown. */
export async function emitThreadEvent<K extends keyof ThreadEventMap>(name: K, event: ThreadEventMap[K]): Promise<void> {
  const list = listeners[name] as Listener<K>[] | undefined;
  if (!list?.length) return;
  for (const fn of [...list]) {
    try {
      await fn(event);
    } catch (err) {
      onListenerError(err, name);
    }
  }
}
