import type { Types } from 'mongoose';
import type { Models } from '../../models';

/**
 * What one feedback write changed, as counter deltas. Computed from the document the
 * atomic vote write replaced (before) and what it wrote (after), so concurrent writes
 * telescope: the deltas of any interleaving add up to (final state - initial state).
 */
export interface FeedbackDelta {
  yes: number;
  no: number;
  satSum: number;
  satCount: number;
  /** Rating histogram deltas for scores 1..5 (index 0 = score 1). */
  hist: [number, number, number, number, number];
}

export const zeroDelta = (): FeedbackDelta => ({ yes: 0, no: 0, satSum: 0, satCount: 0, hist: [0, 0, 0, 0, 0] });

export function helpfulDelta(before: boolean | null, after: boolean | null): FeedbackDelta {
  const d = zeroDelta();
  d.yes = Number(after === true) - Number(before === true);
  d.no = Number(after === false) - Number(before === false);
  return d;
}

export function scoreDelta(before: number | null, after: number | null): FeedbackDelta {
  const d = zeroDelta();
  d.satSum = (after ?? 0) - (before ?? 0);
  d.satCount = Number(after !== null) - Number(before !== null);
  if (before !== after) {
    if (before !== null) d.hist[before - 1]! -= 1;
    if (after !== null) d.hist[after - 1]! += 1;
  }
  return d;
}

export const isZero = (d: FeedbackDelta): boolean =>
  d.yes === 0 && d.no === 0 && d.satSum === 0 && d.satCount === 0 && d.hist.every((h) => h === 0);

/** The $inc for the reply's counters (only the fields that change). */
export function replyInc(d: FeedbackDelta): Record<string, number> {
  const inc: Record<string, number> = {};
  if (d.yes) inc.helpfulCount = d.yes;
  if (d.no) inc.notHelpfulCount = d.no;
  if (d.satSum) inc.satisfactionSum = d.satSum;
  if (d.satCount) inc.satisfactionCount = d.satCount;
  return inc;
}

/** The $inc for a daily-totals document. */
export function dailyInc(d: FeedbackDelta): Record<string, number> {
  const inc: Record<string, number> = {};
  if (d.yes) inc.yes = d.yes;
  if (d.no) inc.no = d.no;
  if (d.satSum) inc.satSum = d.satSum;
  if (d.satCount) inc.satCount = d.satCount;
  d.hist.forEach((h, i) => {
    if (h) inc[`s${i + 1}`] = h;
  });
  return inc;
}

/** UTC calendar day of an instant, 'YYYY-MM-DD'. */
export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

export interface RowKey {
  productId: Types.ObjectId | null;
  day: string;
  moderatorId: Types.ObjectId;
}

/** The rows one staff reply's numbers go to: the all-products row and one per product. */
export const rowKeys = (moderatorId: Types.ObjectId, at: Date, products: Types.ObjectId[]): RowKey[] =>
  [null, ...products].map((productId) => ({ productId, day: utcDay(at), moderatorId }));

export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number })?.code === 11000;

/** The dashboard's running per-day totals (feedback_daily), written with upserts. */
export function createDailyTotals(FeedbackDaily: Models['FeedbackDaily']) {
  /**
   * Adds a staff reply's feedback delta to its daily totals: the moderator's all-products row
   * and one row per product of the thread (its products as they are now).
   */
  async function addToDailyTotals(
    reply: { author: Types.ObjectId; createdAt: Date },
    products: Types.ObjectId[],
    delta: FeedbackDelta,
  ): Promise<void> {
    const inc = dailyInc(delta);
    if (!Object.keys(inc).length) return;
    await updateRows(rowKeys(reply.author, reply.createdAt, products), { $inc: inc });
  }

  /**
   * Applies one update ($inc, $push) to several daily rows, creating them as needed: one bulk
   * write; a duplicate key from a concurrent first upsert of the same row is retried as a plain
   * update of just that row.
   */
  async function updateRows(keys: RowKey[], update: Record<string, unknown>): Promise<void> {
    let pending = keys;
    for (let attempt = 0; pending.length && attempt < 5; attempt++) {
      const ops = pending.map((filter) => ({ updateOne: { filter, update, upsert: true } }));
      try {
        await FeedbackDaily.collection.bulkWrite(ops, { ordered: false });
        return;
      } catch (err) {
        const failed = duplicateKeyIndexes(err);
        if (!failed) throw err;
        pending = failed.map((i) => pending[i]!);
      }
    }
    if (pending.length) throw new Error('feedback_daily: could not apply the totals after retries');
  }

  /** Indexes of the operations of a bulk write that failed ONLY with duplicate keys, else null. */
  function duplicateKeyIndexes(err: unknown): number[] | null {
    const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (!list.length) return null;
    const out: number[] = [];
    for (const e of list as Array<{ code?: number; index?: number; err?: { code?: number; index?: number } }>) {
      const code = e.code ?? e.err?.code;
      const index = e.index ?? e.err?.index;
      if (code !== 11000 || typeof index !== 'number') return null;
      out.push(index);
    }
    return out;
  }

  return { addToDailyTotals, updateRows };
}

export type DailyTotals = ReturnType<typeof createDailyTotals>;
