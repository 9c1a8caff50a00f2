import { Types, type QueryFilter } from 'mongoose';
import type { Actor } from '../kernel/actor';
import type { ThreadDoc, ThreadStatus } from '../../models/thread';
import { NotFoundError, ValidationError } from '../kernel/errors';
import type { ThreadsContext } from './context';
import { SUMMARY_PROJECTION, THREADS_PER_PAGE, toSummary, type ThreadSummary } from './present';

/**
 * The thread list: public threads by latest activity, filtered by status and product, paged
 * by number (with a windowed pager) or by keyset (Next links). Its cost does not grow with the
 * forum: totals come from index counts (capped, and bounded in time where no index answers the
 * filter alone) and deep pages are index skips from the nearer end (issue 20).
 */

export interface ListInput {
  status?: ThreadStatus;
  /** Product id or slug. */
  product?: string;
  page: number;
  /** Keyset cursor (`<lastActivityAt ms>.<thread id>`) of the previous page's last row; see listThreads. */
  after?: string;
}

export interface ThreadList {
  threads: ThreadSummary[];
  page: number;
  pages: number;
  total: number;
  perPage: number;
  /** The filtered total reached LIST_COUNT_CAP: `total` is the cap, the list is longer. */
  totalCapped: boolean;
  /** Keyset cursor of the page after this one (null: this is the last page). */
  next: string | null;
  status: ThreadStatus | null;
  product: { id: string; name: string; slug: string } | null;
}

/** Filtered list totals are counted up to this many threads (see listThreads). */
const LIST_COUNT_CAP = 10_000;
/**
 * A filter no index answers alone (a product and a status together) is counted by reading
 * documents: the count gets ctx.listCountBudgetMs of the database's time (LIST_COUNT_BUDGET_MS)
 * and then the list says "more than" what its pages have shown, with Next links only. A page
 * of such a list read by number gets LIST_PAGE_BUDGET_MS.
 */
const LIST_PAGE_BUDGET_MS = 2000;
/** The count ran out of its budget (cached like a count). */
const TOTAL_UNKNOWN = -1;
/** MongoDB's MaxTimeMSExpired. */
const isTimeExpired = (err: unknown) => (err as { code?: number } | null)?.code === 50;

/** listThreads over the context's models and caches (server/threads/index.ts wires it). */
export function createThreadList(ctx: ThreadsContext) {
  const { models, pageCache, views, products } = ctx;
  const { Thread } = models;

  /**
   * One page of the list, newest activity first, over the index {…, lastActivityAt: -1, _id: -1}.
   * With a keyset cursor (`after`, from the Next link) the page starts right after that row, so
   * every page reached by Next costs one index seek whatever its depth (rows tied on
   * lastActivityAt and not after the cursor are skipped by the `$nor`). A page number jumped to
   * directly skips from the nearer end: pages in the second half read the list backwards, so
   * the last pages cost what the first ones do (issue 20: the last page took 104 ms at 100k);
   * that needs the exact total (`total` null: the count was capped). `budgeted`: the list's
   * total ran out of its budget, so a page read by number gets LIST_PAGE_BUDGET_MS too.
   */
  function listPage(filter: QueryFilter<ThreadDoc>, page: number, pages: number, total: number | null, after?: string, budgeted = false) {
    if (after) {
      const [ms, id] = after.split('.');
      const at = new Date(Number(ms));
      const keyset = { ...filter, lastActivityAt: { $lte: at }, $nor: [{ lastActivityAt: at, _id: { $gte: new Types.ObjectId(id) } }] };
      return Thread.find(keyset as QueryFilter<ThreadDoc>, SUMMARY_PROJECTION)
        .sort({ lastActivityAt: -1, _id: -1 })
        .limit(THREADS_PER_PAGE)
        .lean()
        .exec();
    }
    const skip = (page - 1) * THREADS_PER_PAGE;
    if (total !== null && page > 1 && page > pages / 2 && skip < total) {
      const fromEnd = total - skip - THREADS_PER_PAGE; // rows after this page, oldest first
      return Thread.find(filter, SUMMARY_PROJECTION)
        .sort({ lastActivityAt: 1, _id: 1 })
        .skip(Math.max(0, fromEnd))
        .limit(THREADS_PER_PAGE + Math.min(0, fromEnd))
        .lean()
        .exec()
        .then((rows) => rows.reverse());
    }
    const query = Thread.find(filter, SUMMARY_PROJECTION).sort({ lastActivityAt: -1, _id: -1 }).skip(skip).limit(THREADS_PER_PAGE);
    return (budgeted ? query.maxTimeMS(LIST_PAGE_BUDGET_MS) : query).lean().exec();
  }

  async function listThreads(_actor: Actor | null, input: ListInput): Promise<ThreadList> {
    const page = Math.max(1, Math.floor(input.page || 1));
    // Only public threads: held, hidden and deleted ones are rare, so the index walk skips few.
    const filter: QueryFilter<ThreadDoc> = { visibility: null };
    if (input.status) filter.status = input.status;
    let product: ThreadList['product'] = null;
    if (input.product) {
      product = await products.find(input.product);
      if (!product) throw new NotFoundError('That product does not exist.');
      filter.products = new Types.ObjectId(product.id);
    }
    const unfiltered = !input.status && !product;
    const filterKey = `${input.status ?? ''}|${product?.id ?? ''}`;
    // The unfiltered total comes from collection metadata (O(1)); filtered totals count
    // through the same index the page query uses, at most LIST_COUNT_CAP + 1 entries, so the
    // count costs the same at 1k and 1M threads (cached briefly, see page-cache.ts). Past
    // the cap the list says "10,000+" and Next links (keyset) go on beyond the numbered pages.
    const counted = await (unfiltered
      ? Thread.estimatedDocumentCount().exec()
      : pageCache.count(filterKey, () =>
          Thread.countDocuments(filter)
            .limit(LIST_COUNT_CAP + 1)
            .maxTimeMS(ctx.listCountBudgetMs)
            .exec()
            .catch((err: unknown) => {
              if (isTimeExpired(err)) return TOTAL_UNKNOWN;
              throw err;
            }),
        ));
    const unknown = counted === TOTAL_UNKNOWN;
    let totalCapped = !unfiltered && (unknown || counted > LIST_COUNT_CAP);
    let total = totalCapped ? LIST_COUNT_CAP : counted;
    let pages = Math.max(1, Math.ceil(total / THREADS_PER_PAGE));
    const docs = await pageCache
      .list(`${filterKey}|${page}|${input.after ?? ''}`, () =>
        listPage(filter, page, pages, totalCapped ? null : total, input.after, unknown),
      )
      .catch((err: unknown) => {
        if (!isTimeExpired(err)) throw err;
        throw new ValidationError(
          'That page is too far into a list filtered by both product and status: follow the Next links from page 1.',
          {
            page: 'Too far into this list: follow the Next links.',
          },
        );
      });
    if (page > 1 && docs.length === 0) {
      throw new NotFoundError(
        unknown
          ? 'That page is past the end of this list.'
          : `That page is past the end of this list: it has ${pages} page${pages === 1 ? '' : 's'}.`,
      );
    }
    if (unknown) {
      // What the pages up to this one have shown (every page before it is full); more only
      // if this page is full.
      total = (page - 1) * THREADS_PER_PAGE + docs.length;
      totalCapped = docs.length === THREADS_PER_PAGE;
      pages = totalCapped ? page + 1 : Math.max(1, page);
    }
    const last = docs[docs.length - 1];
    const more = docs.length === THREADS_PER_PAGE && (page < pages || totalCapped);
    return {
      threads: docs.map((t) => toSummary(t, views.pending(String(t._id)))),
      page,
      pages,
      next: last && more ? `${last.lastActivityAt.getTime()}.${String(last._id)}` : null,
      total,
      totalCapped,
      perPage: THREADS_PER_PAGE,
      status: input.status ?? null,
      product,
    };
  }

  return { listThreads };
}
