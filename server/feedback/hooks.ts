import { Types } from 'mongoose';
import type { Models } from '../../models';
import type { SupportRulesSource } from '../calendar';
import type { EventBus } from '../kernel/events';
import { isStaffReply } from './policy';
import { isDuplicateKey, rowKeys, type DailyTotals } from './totals';

/**
 * Keeps the dashboard's running totals of staff replies, accepted answers and first responses
 * from the threads' events (server/threads/events.ts: emitted after each successful write):
 *   reply.created     a staff reply: +1 reply; the thread's first staff response (not by the
 *                     asker) also +1 first response with its business minutes. The first one
 *                     is the reply that claims the thread in feedback_first_responses
 *                     (unique _id), so racing staff replies count once.
 *   answer.accepted   the accepted reply is a staff reply: +1 accepted on that reply's day.
 *   answer.unaccepted -1 the same way.
 * An event lost to a crash leaves the totals short; `npm run forum -- recount` rebuilds them
 * from the replies and threads. Subscribed once per app, on its own event bus.
 */
export function registerFeedbackHooks(deps: {
  models: Pick<Models, 'Reply' | 'Thread' | 'FirstResponse'>;
  events: EventBus;
  rules: SupportRulesSource;
  totals: DailyTotals;
}): void {
  const { events, rules } = deps;
  const { Reply, Thread, FirstResponse } = deps.models;
  const { updateRows } = deps.totals;
  events.on('reply.created', (e) => staffReplied(e));
  events.on('answer.accepted', (e) => acceptedChanged(e.replyId, 1));
  events.on('answer.unaccepted', (e) => acceptedChanged(e.replyId, -1));

  async function staffReplied(e: {
    actor: { id: string };
    threadId: string;
    replyId: string;
    byStaff: boolean;
    byAsker: boolean;
    at: Date;
  }): Promise<void> {
    if (!e.byStaff) return;
    const thread = await Thread.findById(e.threadId, { products: 1, createdAt: 1 }).lean();
    if (!thread) return;
    const moderatorId = new Types.ObjectId(e.actor.id);
    let minutes: number | null = null;
    if (!e.byAsker) {
      const m = rules.current().calendar.businessMinutesBetween(thread.createdAt, e.at);
      try {
        await FirstResponse.create({ _id: thread._id, replyId: new Types.ObjectId(e.replyId), moderatorId, at: e.at, minutes: m });
        minutes = m;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    const update: Record<string, unknown> = { $inc: minutes === null ? { replies: 1 } : { replies: 1, firstResponses: 1 } };
    if (minutes !== null) update.$push = { frMinutes: minutes };
    await updateRows(rowKeys(moderatorId, e.at, thread.products), update);
  }

  async function acceptedChanged(replyId: string, delta: 1 | -1): Promise<void> {
    const reply = await Reply.findById(replyId, { threadId: 1, author: 1, authorRole: 1, system: 1, createdAt: 1 }).lean();
    if (!reply || !isStaffReply(reply)) return;
    const thread = await Thread.findById(reply.threadId, { products: 1 }).lean();
    await updateRows(rowKeys(reply.author!, reply.createdAt, thread?.products ?? []), { $inc: { accepted: delta } });
  }
}
