import { Types } from 'mongoose';
import type { Actor } from '../kernel/actor';
import { UnauthorizedError } from '../kernel/errors';
import type { ThreadStatus } from '../../models/thread';
import type { ThreadFacts } from './policy';

/** The facts the thread policy decides on, from a thread document or view. */
export function threadFacts(t: { author: { id: string } | Types.ObjectId; status: ThreadStatus; acceptedReplyId: unknown }): ThreadFacts {
  const authorId = t.author instanceof Types.ObjectId ? String(t.author) : String((t.author as { id: string }).id);
  return { authorId, status: t.status, acceptedReplyId: t.acceptedReplyId ? String(t.acceptedReplyId) : null };
}

/** The actor, or 401 for an anonymous caller. */
export function requireActor(actor: Actor | null): Actor {
  if (!actor) throw new UnauthorizedError();
  return actor;
}
