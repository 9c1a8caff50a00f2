import { Types } from 'mongoose';
import { onAskerResponse, toUpdate } from './lifecycle';
import type { ThreadsContext } from './context';

/** A thread whose deadline has come, as the sweeps see it. */
export interface DueDoc {
  _id: Types.ObjectId;
  title: string;
  author: Types.ObjectId;
  lockDueAt: Date;
  [field: string]: unknown;
}

/**
 * The thread writes other domains ask for, so that every change to a thread document goes
 * through the threads domain (which announces it: page caches listen):
 * - messages: the asker answered by private message; a private message is waiting;
 * - support: the sweeps' due lists, the reminder mark.
 */
export function createLifecycleOps(ctx: ThreadsContext) {
  const { Thread } = ctx.models;
  const { events, rules } = ctx;

  /**
   * The asker sent a private message in a conversation linked to the thread: by the support
   * policy that is the asker's response. The same transition as an asker's reply in the thread,
   * as one conditional update on the awaiting state. Returns whether the thread changed.
   * Through the driver collection: the lifecycle fields are $unset, which mongoose would cast.
   */
  async function recordAskerResponse(threadId: string, at: Date): Promise<boolean> {
    if (!/^[0-9a-fA-F]{24}$/.test(threadId)) return false;
    const change = toUpdate(onAskerResponse(rules.current(), at));
    const res = await Thread.collection.updateOne(
      { _id: new Types.ObjectId(threadId), status: 'awaiting_asker' },
      { ...change, $set: { ...change.$set, updatedAt: at } },
    );
    if (res.modifiedCount) await events.emit('thread.changed', { threadId });
    return res.modifiedCount === 1;
  }

  /** Sets the thread's content-free "a private message is waiting" flag once. */
  async function notePrivateMessage(threadId: string, at: Date): Promise<void> {
    const res = await Thread.collection.updateOne(
      { _id: new Types.ObjectId(threadId), privateMessageNoticeAt: null },
      { $set: { privateMessageNoticeAt: at, updatedAt: at } },
    );
    if (res.modifiedCount) await events.emit('thread.changed', { threadId });
  }

  /**
   * Due threads in deadline order, in batches, by keyset: each batch starts at the last
   * deadline seen and skips the ids already seen at exactly that deadline. Threads a batch
   * acted on drop out of the filter; a thread another process changed first drops out too;
   * and a dry run, which changes nothing, still moves forward. An index range query over the
   * deadline (sparse indexes holding only awaiting threads): cost follows the due threads.
   */
  async function* findDue(field: 'lockDueAt' | 'reminderDueAt', filter: Record<string, unknown>, now: Date, batchSize: number) {
    let after: Date | null = null;
    let seenAtAfter: Types.ObjectId[] = [];
    for (;;) {
      const range: Record<string, Date> = after ? { $gte: after, $lte: now } : { $lte: now };
      const query: Record<string, unknown> = { ...filter, [field]: range };
      if (seenAtAfter.length) query._id = { $nin: seenAtAfter };
      const batch = (await Thread.collection
        .find(query, { projection: { title: 1, author: 1, lockDueAt: 1, [field]: 1 } })
        .sort({ [field]: 1 })
        .hint({ [field]: 1 })
        .limit(batchSize)
        .toArray()) as unknown as DueDoc[];
      for (const doc of batch) {
        const at = doc[field] as Date;
        if (!after || at.getTime() !== after.getTime()) {
          after = at;
          seenAtAfter = [];
        }
        seenAtAfter.push(doc._id);
        yield doc;
      }
      if (batch.length < batchSize) return;
    }
  }

  /**
   * Marks the close reminder as sent: one conditional update (still awaiting, reminder due
   * and unsent, same deadline), so with several processes exactly one sends it. Returns
   * whether this call won.
   */
  async function markReminderSent(threadId: Types.ObjectId, lockDueAt: Date, now: Date): Promise<boolean> {
    const won = await Thread.collection.findOneAndUpdate(
      { _id: threadId, status: 'awaiting_asker', reminderSentAt: null, reminderDueAt: { $lte: now }, lockDueAt },
      { $set: { reminderSentAt: now }, $unset: { reminderDueAt: '' } },
      { projection: { _id: 1 } },
    );
    return won !== null;
  }

  /** Title, asker and slug of a thread, for linking a conversation or a notification; null if missing. */
  async function threadRef(threadId: string) {
    if (!/^[0-9a-fA-F]{24}$/.test(threadId)) return null;
    const t = await Thread.findById(threadId, { title: 1, author: 1, authorUsername: 1, slug: 1, products: 1 }).lean();
    return t
      ? {
          id: String(t._id),
          title: t.title,
          slug: t.slug,
          askerId: String(t.author),
          askerUsername: t.authorUsername,
          products: t.products.map(String),
        }
      : null;
  }

  /**
   * What notifications need to know about a thread: its title, asker, state and who gave the
   * accepted answer (the accepted reply's author and role, and who accepted it), and whether the
   * public sees it (`visible`: false while held, hidden or deleted, docs/moderation.md). Null if missing.
   */
  async function noticeFacts(threadId: string) {
    if (!/^[0-9a-fA-F]{24}$/.test(threadId)) return null;
    const t = await Thread.findById(threadId, { title: 1, author: 1, status: 1, acceptedReplyId: 1, acceptedBy: 1, visibility: 1 }).lean();
    if (!t) return null;
    const accepted = t.acceptedReplyId
      ? await ctx.models.Reply.findOne({ _id: t.acceptedReplyId, threadId: t._id }, { author: 1, authorRole: 1 }).lean()
      : null;
    return {
      id: String(t._id),
      title: t.title,
      askerId: String(t.author),
      status: t.status,
      acceptedReplyId: t.acceptedReplyId ? String(t.acceptedReplyId) : null,
      acceptedReplyAuthorId: accepted?.author ? String(accepted.author) : null,
      acceptedReplyAuthorRole: accepted?.authorRole ?? null,
      acceptedById: t.acceptedBy ? String(t.acceptedBy) : null,
      visible: !t.visibility,
    };
  }

  /**
   * A reply's public facts for a notification or its e-mail (the Markdown source is public text),
   * and whether the public sees it (`visible`: false while held, hidden or deleted). Null if missing.
   */
  async function replyRef(replyId: string) {
    if (!/^[0-9a-fA-F]{24}$/.test(replyId)) return null;
    const r = await ctx.models.Reply.findById(replyId, {
      threadId: 1,
      author: 1,
      authorName: 1,
      authorRole: 1,
      system: 1,
      bodySource: 1,
      visibility: 1,
    }).lean();
    if (!r) return null;
    return {
      id: String(r._id),
      threadId: String(r.threadId),
      authorId: r.author ? String(r.author) : null,
      authorName: r.authorName,
      authorRole: r.authorRole,
      system: r.system,
      text: r.bodySource,
      visible: !r.visibility,
    };
  }

  /**
   * "I have the same question": the thread's counter, by $inc (never below zero). The caller
   * (notifications' watching) changes it only when a person's own flag flipped, so each person
   * counts once.
   */
  async function adjustSameQuestion(threadId: string, delta: 1 | -1, at: Date): Promise<void> {
    const _id = new Types.ObjectId(threadId);
    const filter = delta < 0 ? { _id, sameQuestionCount: { $gt: 0 } } : { _id };
    const res = await Thread.updateOne(filter, { $inc: { sameQuestionCount: delta }, $set: { updatedAt: at } });
    if (res.modifiedCount) await events.emit('thread.changed', { threadId });
  }

  return { recordAskerResponse, notePrivateMessage, findDue, markReminderSent, threadRef, noticeFacts, replyRef, adjustSameQuestion };
}
