import type { Model, Types } from 'mongoose';
import type { ThreadDoc } from '../../models/thread';
import type { ReplyDoc } from '../../models/reply';

/**
 * The thread's `searchText`: the Markdown source of its human replies, oldest first, joined
 * and capped, so that words of the replies find their thread (text index weight 1; see
 * models/thread.ts). Only public reply text goes in: system notes are left out, and private
 * messages and secure fields live in other collections and are never copied here.
 *
 * A new reply is appended with one atomic pipeline update (concurrent replies cannot lose
 * each other's text). Edits and redactions rebuild it from the replies. A crash between the
 * reply write and this one leaves the field short; rebuildSearchText / backfillSearchText
 * repair it.
 */
export const SEARCH_TEXT_MAX = 50_000;

export function createSearchText(deps: { Thread: Model<ThreadDoc>; Reply: Model<ReplyDoc> }) {
  const { Thread, Reply } = deps;

  /** Appends one reply's source (pipeline update through the driver: mongoose would cast it). */
  async function appendReplySearchText(threadId: Types.ObjectId, body: string): Promise<void> {
    await Thread.collection.updateOne({ _id: threadId }, [
      {
        $set: {
          searchText: {
            $substrCP: [{ $concat: [{ $ifNull: ['$searchText', ''] }, { $literal: '\n\n' }, { $literal: body }] }, 0, SEARCH_TEXT_MAX],
          },
        },
      },
    ]);
  }

  /** The capped text of a thread's human replies, read from the replies themselves. */
  async function replyText(threadId: Types.ObjectId): Promise<string> {
    // Only what the public sees: replies moderation held, hid or deleted stay out of search.
    const replies = await Reply.find({ threadId, system: { $ne: true }, visibility: null }, { bodySource: 1 })
      .sort({ createdAt: 1, _id: 1 })
      .lean();
    let out = '';
    for (const r of replies) {
      out += `\n\n${r.bodySource}`;
      if (out.length >= SEARCH_TEXT_MAX) break;
    }
    return out.slice(0, SEARCH_TEXT_MAX);
  }

  /** Recomputes one thread's searchText (after a reply edit or redaction). */
  async function rebuildSearchText(threadId: Types.ObjectId): Promise<void> {
    await Thread.updateOne({ _id: threadId }, { $set: { searchText: await replyText(threadId) } });
  }

  /** Recomputes every thread's searchText (repair, or after upgrading an existing database). */
  async function backfillSearchText(progress?: (done: number) => void): Promise<number> {
    let n = 0;
    for await (const t of Thread.find({}, { _id: 1 }).sort({ _id: 1 }).lean().cursor()) {
      await rebuildSearchText(t._id);
      n++;
      if (progress && n % 1000 === 0) progress(n);
    }
    return n;
  }

  return { append: appendReplySearchText, rebuild: rebuildSearchText, backfill: backfillSearchText };
}

export type SearchText = ReturnType<typeof createSearchText>;
