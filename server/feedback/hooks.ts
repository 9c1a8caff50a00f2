import { Types } from 'mongoose';
import { onThreadEvent } from '../threads/events';
import { BusinessCalendar } from '../calendar';
import { Reply } from '../../models/reply';
import { Thread } from '../../models/thread';
import { FirstResponse } from '../../models/vote';
import { isStaffReply } from './policy';
import { isDuplicateKey, rowKeys, updateRows } from './totals';

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
 * from the replies and threads. Registered once per process, whatever the number of apps.
 */
let calendar = new BusinessCalendar();
let registered = false;

export function useFeedbackHooks(cal: BusinessCalendar): void {
  calendar = cal;
  if (registered) return;
  registered = true;
  onThreadEvent('reply.created', (e) => staffReplied(e));
  onThreadEvent('answer.accepted', (e) => acceptedChanged(e.replyId, 1));
  onThreadEvent('answer.unaccepted', (e) => acceptedChanged(e.replyId, -1));
}

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
    const m = calendar.businessMinutesBetween(thread.createdAt, e.at);
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
