import { Types } from 'mongoose';
import type { ReplyDoc } from '../../models/reply';
import type { ThreadDoc } from '../../models/thread';
import type { Models } from '../../models';
import { BusinessCalendar } from '../calendar';
import { isStaffReply } from './policy';
import { utcDay } from './totals';

/**
 * The repair for the denormalised feedback numbers (DESIGN.md, data rules):
 *   1. every reply's helpful / not-helpful / satisfaction counters, from the vote documents;
 *   2. the dashboard's daily rows (feedback_daily): feedback from those counters, staff
 *      replies, accepted answers and first responses from the replies and threads, plus the
 *      first-response claims (feedback_first_responses).
 * Pass 1 walks the replies in _id order in batches; a batch's votes are ONE aggregation over
 * one range of the unique {replyId, userId} index. Pass 2 walks the threads in _id order;
 * a batch's staff replies are one range of the {threadId, createdAt} index. Memory: one
 * batch plus the daily rows (days x moderators x products). Only what differs is written.
 *
 * Meant for a quiet moment (after a crash, a restore, a bug): a vote or reply landing while
 * the recount reads the same reply can be counted twice or not at all; running it again
 * settles it.
 */
export interface RecountOptions {
  batchSize?: number;
  progress?: (line: string) => void;
  /** For first-response business minutes; the default desk calendar when omitted. */
  calendar?: BusinessCalendar;
}

export interface RecountResult {
  replies: number;
  votes: number;
  repliesFixed: number;
  threads: number;
  dailyRows: number;
  dailyRowsWritten: number;
  dailyRowsRemoved: number;
}

const TALLY_FIELDS = ['yes', 'no', 'satSum', 'satCount', 's1', 's2', 's3', 's4', 's5', 'replies', 'accepted', 'firstResponses'] as const;
type Tally = Record<(typeof TALLY_FIELDS)[number], number> & { frMinutes: number[] };
const emptyTally = (): Tally => ({
  yes: 0,
  no: 0,
  satSum: 0,
  satCount: 0,
  s1: 0,
  s2: 0,
  s3: 0,
  s4: 0,
  s5: 0,
  replies: 0,
  accepted: 0,
  firstResponses: 0,
  frMinutes: [],
});
const VOTE_FIELDS = ['yes', 'no', 'satSum', 'satCount', 's1', 's2', 's3', 's4', 's5'] as const;
type VoteTally = Record<(typeof VOTE_FIELDS)[number], number>;

interface Row {
  productId: Types.ObjectId | null;
  day: string;
  moderatorId: Types.ObjectId;
  t: Tally;
}
type Rows = Map<string, Row>;

const is = (score: number) => ({ $sum: { $cond: [{ $eq: ['$score', score] }, 1, 0] } });
const GROUP = {
  _id: '$replyId',
  n: { $sum: 1 },
  yes: { $sum: { $cond: [{ $eq: ['$helpful', true] }, 1, 0] } },
  no: { $sum: { $cond: [{ $eq: ['$helpful', false] }, 1, 0] } },
  satSum: { $sum: '$score' },
  satCount: { $sum: { $cond: [{ $gte: ['$score', 1] }, 1, 0] } },
  s1: is(1),
  s2: is(2),
  s3: is(3),
  s4: is(4),
  s5: is(5),
};
const STAFF_ROLES: Array<'moderator' | 'admin'> = ['moderator', 'admin'];
const CHUNK = 100;

/** Adds to the rows of one staff reply (all-products row and one per product). */
function addToRows(rows: Rows, moderatorId: Types.ObjectId, at: Date, products: Types.ObjectId[], add: (t: Tally) => void): void {
  const day = utcDay(at);
  for (const productId of [null, ...products]) {
    const key = `${productId ?? ''}|${day}|${moderatorId}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { productId, day, moderatorId, t: emptyTally() }));
    add(row.t);
  }
}

/** The recount of one database (CLI `recount`): every function reads and writes through `models`. */
export function createRecount(models: Pick<Models, 'Reply' | 'Thread' | 'Vote' | 'FeedbackDaily' | 'FirstResponse'>) {
  const { Reply, Thread, Vote, FeedbackDaily, FirstResponse } = models;

  async function productsOf(threadIds: Types.ObjectId[]): Promise<Map<string, Types.ObjectId[]>> {
    const out = new Map<string, Types.ObjectId[]>();
    // Small $in lists: the embedded engine re-checks each candidate against the whole list.
    for (let i = 0; i < threadIds.length; i += CHUNK) {
      for (const t of await Thread.find({ _id: { $in: threadIds.slice(i, i + CHUNK) } }, { products: 1 }).lean())
        out.set(String(t._id), t.products);
    }
    return out;
  }

  async function recountFeedback(opts: RecountOptions = {}): Promise<RecountResult> {
    const batchSize = Math.max(1, opts.batchSize ?? 1000);
    const progress = opts.progress ?? (() => {});
    const calendar = opts.calendar ?? new BusinessCalendar();
    const result: RecountResult = {
      replies: 0,
      votes: 0,
      repliesFixed: 0,
      threads: 0,
      dailyRows: 0,
      dailyRowsWritten: 0,
      dailyRowsRemoved: 0,
    };
    const rows: Rows = new Map();
    await recountReplies(rows, result, batchSize, progress);
    await recountThreads(rows, result, batchSize, progress, calendar);
    await rewriteDaily(rows, result);
    progress(`recount: daily totals ${result.dailyRows} rows, ${result.dailyRowsWritten} written, ${result.dailyRowsRemoved} removed`);
    return result;
  }

  /** Pass 1: reply counters from the votes, and the feedback part of the daily rows. */
  async function recountReplies(rows: Rows, result: RecountResult, batchSize: number, progress: (line: string) => void) {
    const total = await Reply.estimatedDocumentCount();
    progress(`recount: ${total} replies`);
    type R = Pick<
      ReplyDoc,
      | '_id'
      | 'threadId'
      | 'author'
      | 'authorRole'
      | 'system'
      | 'createdAt'
      | 'helpfulCount'
      | 'notHelpfulCount'
      | 'satisfactionSum'
      | 'satisfactionCount'
    >;
    let last: Types.ObjectId | null = null;
    for (;;) {
      const replies: R[] = await Reply.find(last ? { _id: { $gt: last } } : {}, {
        threadId: 1,
        author: 1,
        authorRole: 1,
        system: 1,
        createdAt: 1,
        helpfulCount: 1,
        notHelpfulCount: 1,
        satisfactionSum: 1,
        satisfactionCount: 1,
      })
        .sort({ _id: 1 })
        .limit(batchSize)
        .lean();
      if (!replies.length) break;
      last = replies[replies.length - 1]!._id;

      // The batch is a contiguous _id range, so its votes are one range of the unique index
      // (votes of deleted replies in the range are simply ignored).
      const groups = await Vote.aggregate<VoteTally & { _id: Types.ObjectId; n: number }>([
        { $match: { replyId: { $gte: replies[0]!._id, $lte: last } } },
        { $group: GROUP },
      ]);
      const byReply = new Map(groups.map((g) => [String(g._id), g]));

      const fixes = [];
      for (const r of replies) {
        const t = byReply.get(String(r._id));
        if (t) result.votes += t.n;
        const want = {
          helpfulCount: t?.yes ?? 0,
          notHelpfulCount: t?.no ?? 0,
          satisfactionSum: t?.satSum ?? 0,
          satisfactionCount: t?.satCount ?? 0,
        };
        if (
          (r.helpfulCount ?? 0) !== want.helpfulCount ||
          (r.notHelpfulCount ?? 0) !== want.notHelpfulCount ||
          (r.satisfactionSum ?? 0) !== want.satisfactionSum ||
          (r.satisfactionCount ?? 0) !== want.satisfactionCount
        ) {
          fixes.push({ updateOne: { filter: { _id: r._id }, update: { $set: want } } });
        }
      }
      if (fixes.length) await Reply.bulkWrite(fixes, { ordered: false });
      result.repliesFixed += fixes.length;

      const staff = replies.filter((r) => isStaffReply(r) && byReply.has(String(r._id)));
      if (staff.length) {
        const products = await productsOf([...new Set(staff.map((r) => String(r.threadId)))].map((id) => new Types.ObjectId(id)));
        for (const r of staff) {
          const v = byReply.get(String(r._id))!;
          addToRows(rows, r.author!, r.createdAt, products.get(String(r.threadId)) ?? [], (t) => {
            for (const f of VOTE_FIELDS) t[f] += v[f];
          });
        }
      }
      result.replies += replies.length;
      progress(`recount: ${result.replies}/${total} replies, ${result.votes} votes, ${result.repliesFixed} fixed`);
    }
  }

  /** Pass 2: staff replies, accepted answers and first responses, from the threads. */
  async function recountThreads(
    rows: Rows,
    result: RecountResult,
    batchSize: number,
    progress: (line: string) => void,
    calendar: BusinessCalendar,
  ) {
    const total = await Thread.estimatedDocumentCount();
    let last: Types.ObjectId | null = null;
    for (;;) {
      type T = Pick<ThreadDoc, '_id' | 'products' | 'createdAt' | 'author' | 'acceptedReplyId'>;
      const threads: T[] = await Thread.find(last ? { _id: { $gt: last } } : {}, {
        products: 1,
        createdAt: 1,
        author: 1,
        acceptedReplyId: 1,
      })
        .sort({ _id: 1 })
        .limit(batchSize)
        .lean();
      if (!threads.length) break;
      last = threads[threads.length - 1]!._id;
      const staffReplies = await Reply.find(
        { threadId: { $gte: threads[0]!._id, $lte: last }, authorRole: { $in: STAFF_ROLES }, system: false },
        { threadId: 1, author: 1, authorRole: 1, system: 1, createdAt: 1 },
      ).lean();
      const byThread = new Map<string, typeof staffReplies>();
      for (const r of staffReplies) {
        if (!isStaffReply(r)) continue;
        const list = byThread.get(String(r.threadId));
        if (list) list.push(r);
        else byThread.set(String(r.threadId), [r]);
      }
      const claims = [];
      for (const t of threads) {
        const list = (byThread.get(String(t._id)) ?? []).sort(
          (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || String(a._id).localeCompare(String(b._id)),
        );
        let first = true;
        for (const r of list) {
          const accepted = !!t.acceptedReplyId && t.acceptedReplyId.equals(r._id);
          const isFirst = first && !r.author!.equals(t.author);
          if (isFirst) first = false;
          const minutes = isFirst ? calendar.businessMinutesBetween(t.createdAt, r.createdAt) : 0;
          if (isFirst)
            claims.push({
              updateOne: {
                filter: { _id: t._id },
                update: { $set: { replyId: r._id, moderatorId: r.author, at: r.createdAt, minutes } },
                upsert: true,
              },
            });
          addToRows(rows, r.author!, r.createdAt, t.products, (tally) => {
            tally.replies += 1;
            if (accepted) tally.accepted += 1;
            if (isFirst) {
              tally.firstResponses += 1;
              tally.frMinutes.push(minutes);
            }
          });
        }
      }
      if (claims.length) await FirstResponse.collection.bulkWrite(claims, { ordered: false });
      result.threads += threads.length;
      progress(`recount: ${result.threads}/${total} threads`);
    }
  }

  const sameMinutes = (a: number[] | undefined, b: number[]) => {
    const x = [...(a ?? [])].sort((p, q) => p - q);
    const y = [...b].sort((p, q) => p - q);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  };
  const isEmpty = (t: Tally) => TALLY_FIELDS.every((f) => t[f] === 0) && t.frMinutes.length === 0;

  /** Makes feedback_daily equal to the computed rows, writing only what differs. */
  async function rewriteDaily(rows: Rows, result: RecountResult): Promise<void> {
    for (const [key, row] of rows) if (isEmpty(row.t)) rows.delete(key);
    result.dailyRows = rows.size;
    const existing = await FeedbackDaily.find({}).lean();
    const stale: Types.ObjectId[] = [];
    for (const row of existing) {
      const key = `${row.productId ?? ''}|${row.day}|${row.moderatorId}`;
      const want = rows.get(key);
      if (!want) stale.push(row._id);
      else if (TALLY_FIELDS.every((f) => (row[f] ?? 0) === want.t[f]) && sameMinutes(row.frMinutes, want.t.frMinutes)) rows.delete(key);
    }
    const writes = [...rows.values()].map((row) => ({
      updateOne: {
        filter: { productId: row.productId, day: row.day, moderatorId: row.moderatorId },
        update: { $set: { ...row.t } },
        upsert: true,
      },
    }));
    for (let i = 0; i < writes.length; i += 1000) await FeedbackDaily.collection.bulkWrite(writes.slice(i, i + 1000), { ordered: false });
    for (let i = 0; i < stale.length; i += CHUNK) await FeedbackDaily.deleteMany({ _id: { $in: stale.slice(i, i + CHUNK) } });
    result.dailyRowsWritten = writes.length;
    result.dailyRowsRemoved = stale.length;
  }

  return { recountFeedback };
}
