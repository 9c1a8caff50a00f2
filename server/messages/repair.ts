import type { Models } from '../../models';
import type { EventBus } from '../kernel/events';

/**
 * Recomputes each conversation's denormalised counters (messageCount, lastMessageAt and
 * every participant's unread count) from its messages. A reply is written message first,
 * counters second, so a crash in between leaves counters this repair finishes.
 * Reads every message once; run it from the CLI, not on a request.
 */
export async function recountConversations(
  models: Pick<Models, 'Conversation' | 'Message'>,
  events: EventBus,
): Promise<{ conversations: number; fixed: number }> {
  const { Conversation, Message } = models;
  let conversations = 0;
  let fixed = 0;
  const cursor = Conversation.find({}, { participantIds: 1, lastReadAt: 1, messageCount: 1, lastMessageAt: 1, unread: 1 }).lean().cursor();
  for await (const c of cursor) {
    conversations += 1;
    // Internal notes (support conversations) never count for the member.
    const msgs = await Message.find({ conversationId: c._id, internal: { $ne: true } }, { authorId: 1, createdAt: 1 }).lean();
    if (msgs.length === 0) continue;
    const lastReadAt = (c.lastReadAt ?? {}) as unknown as Record<string, Date>;
    const unread = (c.unread ?? {}) as unknown as Record<string, number>;
    const $set: Record<string, unknown> = {};
    const count = msgs.length;
    const last = new Date(Math.max(...msgs.map((m) => m.createdAt.getTime())));
    if (c.messageCount !== count) $set.messageCount = count;
    if (c.lastMessageAt?.getTime() !== last.getTime()) $set.lastMessageAt = last;
    for (const pid of c.participantIds.map(String)) {
      const since = lastReadAt[pid]?.getTime() ?? -Infinity;
      const n = msgs.filter((m) => String(m.authorId) !== pid && m.createdAt.getTime() > since).length;
      if ((unread[pid] ?? 0) !== n) $set[`unread.${pid}`] = n;
    }
    if (Object.keys($set).length) {
      await Conversation.collection.updateOne({ _id: c._id }, { $set });
      fixed += 1;
    }
  }
  if (fixed) await events.emit('viewers.changed', {}); // unread badges
  return { conversations, fixed };
}
