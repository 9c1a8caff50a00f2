import { Types } from 'mongoose';
import type { ThreadsContext } from './context';
import { SUMMARY_PROJECTION, threadUrl, toSummary, type ThreadSummary } from './present';

/** How many questions and replies a profile lists. */
export const ACTIVITY_LIMIT = 20;

export interface ReplyActivity {
  id: string;
  threadId: string;
  threadTitle: string;
  url: string;
  createdAt: Date;
  accepted: boolean;
}

export interface Activity {
  /** Newest first. */
  questions: ThreadSummary[];
  questionCount: number;
  /** The person's latest public replies (system notes never), newest first. */
  replies: ReplyActivity[];
  replyCount: number;
}

/**
 * A person's public activity for their profile ("My questions" when it is their own): their
 * latest questions and replies. Walks the {author, createdAt} indexes of threads and replies,
 * so the cost is the page size, not the person's history; counts use the same indexes.
 */
export function createActivity(ctx: ThreadsContext) {
  const { Thread, Reply } = ctx.models;

  async function activityOf(userId: string): Promise<Activity> {
    if (!/^[0-9a-fA-F]{24}$/.test(userId)) return { questions: [], questionCount: 0, replies: [], replyCount: 0 };
    const author = new Types.ObjectId(userId);
    const [threads, questionCount, replyDocs, replyCount] = await Promise.all([
      Thread.find({ author }, SUMMARY_PROJECTION).sort({ author: 1, createdAt: -1 }).limit(ACTIVITY_LIMIT).lean(),
      Thread.countDocuments({ author }),
      Reply.find({ author }, { threadId: 1, createdAt: 1 }).sort({ author: 1, createdAt: -1 }).limit(ACTIVITY_LIMIT).lean(),
      Reply.countDocuments({ author }),
    ]);
    const threadIds = [...new Set(replyDocs.map((r) => String(r.threadId)))].map((id) => new Types.ObjectId(id));
    const titles = threadIds.length ? await Thread.find({ _id: { $in: threadIds } }, { title: 1, slug: 1, acceptedReplyId: 1 }).lean() : [];
    const byId = new Map(titles.map((t) => [String(t._id), t]));
    const replies: ReplyActivity[] = [];
    for (const r of replyDocs) {
      const t = byId.get(String(r.threadId));
      if (!t) continue;
      replies.push({
        id: String(r._id),
        threadId: String(t._id),
        threadTitle: t.title,
        url: `${threadUrl(String(t._id), t.slug)}#reply-${String(r._id)}`,
        createdAt: r.createdAt,
        accepted: t.acceptedReplyId ? t.acceptedReplyId.equals(r._id) : false,
      });
    }
    return { questions: threads.map((t) => toSummary(t)), questionCount, replies, replyCount };
  }

  return { activityOf };
}
