import { Types, type QueryFilter } from 'mongoose';
import type { Actor } from '../kernel/actor';
import type { ThreadDoc, ThreadStatus } from '../../models/thread';
import type { Models } from '../../models';
import { NotFoundError } from '../kernel/errors';
import { SUMMARY_PROJECTION, THREADS_PER_PAGE, threadUrl, toSummary, type Threads, type ThreadSummary } from '../threads';
import { excerpt, firstMatch, highlight, plainText, queryTerms } from './snippet';

/**
 * Forum search over the threads' text index (models/thread.ts: title x10, question x2,
 * replies' text x1). Private messages and secure fields are in other collections and never
 * reach the index.
 *
 * Ranking: text score, x1.5 for a thread with an accepted answer, and a mild boost that
 * grows with the log of the reply count (threads carry no helpful-vote total yet; this is
 * the proxy). Such a boost cannot be expressed as a plain `$meta` sort, so the service takes
 * the CANDIDATES best threads by text score (one indexed query, summary fields only), re-ranks
 * them in the app and pages through that list: rank desc, then _id, so pages are stable and
 * disjoint. Chosen over an aggregation with $addFields because the query stays cheap (no
 * document copies, no bodies) and runs the same on MongoDB. The cost: only the CANDIDATES best
 * text matches are reachable (10 pages); `total` counts matches up to TOTAL_CAP (the engine
 * stops counting there: "1,000+ found" costs 1,000 matches, not every posting of a common word).
 * `shown` is how many of them are on the pages and `more` says that the total exceeds it: the
 * page then says that only the best `shown` are listed and asks to narrow the search, so the
 * count and the pages never disagree (issue 18 item 15).
 */

export const SEARCH_STATUSES = ['answered', 'unanswered', 'locked'] as const;
export type SearchStatus = (typeof SEARCH_STATUSES)[number];
export const SEARCH_PER_PAGE = THREADS_PER_PAGE;
export const SEARCH_QUERY_MAX = 200;
const CANDIDATES = 200;
/** Matches are counted up to this many; past it the page says "1,000+". */
export const TOTAL_CAP = 1000;
const ACCEPTED_BOOST = 1.5;

const STATUS_FILTER: Record<SearchStatus, ThreadStatus | { $in: ThreadStatus[] }> = {
  answered: 'answered',
  unanswered: { $in: ['open', 'awaiting_asker'] },
  locked: 'locked',
};

export interface SearchInput {
  q: string;
  /** Product id or slug. */
  product?: string;
  status?: SearchStatus;
  page: number;
}

export interface SearchHit extends ThreadSummary {
  /** Ranking score (text score with boosts). */
  score: number;
  hasAcceptedAnswer: boolean;
  /** The title, HTML-escaped, matched words in <mark>. */
  titleHtml: string;
  /** An HTML-escaped excerpt around the first match, matched words in <mark>. */
  snippetHtml: string;
  /** Where the excerpt comes from. */
  snippetFrom: 'question' | 'replies';
}

export interface SearchResults {
  q: string;
  results: SearchHit[];
  page: number;
  pages: number;
  /** Matches on the pages (at most CANDIDATES). */
  total: number;
  /** `total` stopped at TOTAL_CAP: there are at least that many matches. */
  totalCapped: boolean;
  /** Matches on the pages (at most CANDIDATES): `pages` is ceil(shown / perPage). */
  shown: number;
  /** True when `total` exceeds `shown`: weaker matches exist that no page lists. */
  more: boolean;
  perPage: number;
  status: SearchStatus | null;
  product: { id: string; name: string; slug: string } | null;
}

export interface SimilarThread {
  id: string;
  title: string;
  url: string;
  status: ThreadStatus;
}

const CANDIDATE_PROJECTION = { ...SUMMARY_PROJECTION, acceptedReplyId: 1, score: { $meta: 'textScore' } } as const;
type CandidateDoc = Pick<ThreadDoc, '_id' | keyof typeof SUMMARY_PROJECTION | 'acceptedReplyId'> & { score: number };

export function rankOf(t: { score: number; acceptedReplyId: unknown; replyCount: number }): number {
  const accepted = t.acceptedReplyId ? ACCEPTED_BOOST : 1;
  const replies = 1 + 0.1 * Math.log2(1 + Math.max(0, t.replyCount || 0));
  return t.score * accepted * replies;
}

/**
 * Search over the threads' text index. Reads thread documents only (the threads domain owns
 * every write).
 */
export function createSearch(deps: { models: Pick<Models, 'Thread'>; threads: Pick<Threads, 'products'> }) {
  const { threads } = deps;
  const { Thread } = deps.models;

  async function searchThreads(_actor: Actor | null, input: SearchInput): Promise<SearchResults> {
    const q = input.q.trim();
    const page = Math.max(1, Math.floor(input.page || 1));
    let product: SearchResults['product'] = null;
    if (input.product) {
      product = await threads.products.find(input.product);
      if (!product) throw new NotFoundError('That product does not exist.');
    }
    const out: SearchResults = {
      q,
      results: [],
      page,
      pages: 1,
      total: 0,
      totalCapped: false,
      shown: 0,
      more: false,
      perPage: SEARCH_PER_PAGE,
      status: input.status ?? null,
      product,
    };
    if (!q) return out;

    const filter: QueryFilter<ThreadDoc> = { $text: { $search: q } };
    if (input.status) filter.status = STATUS_FILTER[input.status] as never;
    if (product) filter.products = new Types.ObjectId(product.id);
    // One round trip for every candidate: batchSize, or the driver stops the first batch at 101.
    const docs = (await Thread.find(filter, CANDIDATE_PROJECTION)
      .sort({ score: { $meta: 'textScore' } })
      .limit(CANDIDATES)
      .batchSize(CANDIDATES)
      .lean()) as unknown as CandidateDoc[];
    const ranked = docs
      .map((d) => ({ d, rank: rankOf(d) }))
      .sort((a, b) => b.rank - a.rank || (String(a.d._id) < String(b.d._id) ? -1 : 1));
    const slice = ranked.slice((page - 1) * SEARCH_PER_PAGE, page * SEARCH_PER_PAGE);
    // The count and this page's texts (for snippets) do not depend on each other: one wait for
    // both, so a search under load waits behind other requests twice, not three times.
    const [total, texts] = await Promise.all([
      docs.length < CANDIDATES ? docs.length : Thread.countDocuments(filter, { limit: TOTAL_CAP }),
      slice.length ? Thread.find({ _id: { $in: slice.map((s) => s.d._id) } }, { bodySource: 1, searchText: 1 }).lean() : [],
    ]);
    out.total = total;
    out.totalCapped = out.total >= TOTAL_CAP;
    out.shown = ranked.length;
    out.more = out.total > out.shown;
    out.pages = Math.max(1, Math.ceil(ranked.length / SEARCH_PER_PAGE));
    if (!slice.length) return out;

    const byId = new Map(texts.map((t) => [String(t._id), t]));
    const terms = queryTerms(q);
    out.results = slice.map(({ d, rank }) => {
      const t = byId.get(String(d._id));
      const snip = snippetFor(t?.bodySource ?? '', t?.searchText ?? '', terms);
      return {
        ...toSummary(d, 0),
        score: Math.round(rank * 1000) / 1000,
        hasAcceptedAnswer: !!d.acceptedReplyId,
        titleHtml: highlight(d.title, terms),
        snippetHtml: snip.html,
        snippetFrom: snip.from,
      };
    });
    return out;
  }

  function snippetFor(bodySource: string, searchText: string, terms: Set<string>): { html: string; from: 'question' | 'replies' } {
    const body = plainText(bodySource);
    if (firstMatch(body, terms) < 0 && searchText) {
      const at = firstMatch(searchText, terms);
      if (at >= 0) {
        // Only a window of the (long) replies' text around the match is cleaned and shown.
        const window = plainText(searchText.slice(Math.max(0, at - 400), at + 600));
        return { html: excerpt(window, terms), from: 'replies' };
      }
    }
    return { html: excerpt(body, terms), from: 'question' };
  }

  /**
   * Up to five threads like a question being typed. The title's words are OR-ed; quotes and
   * leading minus signs are dropped so a title is never read as a phrase or a negation.
   */
  async function similarThreads(_actor: Actor | null, input: { title: string }): Promise<SimilarThread[]> {
    const words = input.title
      .replace(/"/g, ' ')
      .replace(/(^|\s)-+/g, '$1')
      .trim();
    if (!words || queryTerms(words).size === 0) return [];
    const docs = await Thread.find({ $text: { $search: words } }, { title: 1, slug: 1, status: 1, score: { $meta: 'textScore' } })
      .sort({ score: { $meta: 'textScore' } }) // score only: the engine keeps a top-5 instead of sorting every match
      .limit(5)
      .lean();
    return docs.map((d) => ({ id: String(d._id), title: d.title, url: threadUrl(String(d._id), d.slug), status: d.status }));
  }

  return { searchThreads, similarThreads };
}

export type Search = ReturnType<typeof createSearch>;
