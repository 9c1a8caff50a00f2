import type { Request } from 'express';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { parseInput } from '../kernel/validate';
import { threadSummaryJson, type Threads } from '../threads';
import { checkSearchParams, searchQuery, similarQuery } from './schemas';
import { SEARCH_QUERY_MAX, type Search, type SearchResults } from './service';

const emptyResults = (q: string): SearchResults => ({
  q,
  results: [],
  page: 1,
  pages: 1,
  total: 0,
  totalCapped: false,
  shown: 0,
  more: false,
  perPage: 20,
  status: null,
  product: null,
});
const rawQ = (req: Request) => (typeof req.query.q === 'string' ? req.query.q.slice(0, SEARCH_QUERY_MAX) : '');

/** The search page, its JSON twin, and "similar questions" for the ask form. */
export function searchEndpoints(search: Search, threads: Pick<Threads, 'products'>): AnyEndpoint[] {
  const pageLocals = async (data: SearchResults) => ({
    title: data.q ? `Search: ${data.q}` : 'Search',
    searchQuery: data.q,
    search: data,
    products: await threads.products.list(),
    maxLength: SEARCH_QUERY_MAX,
  });
  return [
    endpoint({
      page: 'GET /search',
      api: 'GET /api/search',
      access: 'public',
      input: (req) => {
        checkSearchParams(req.query);
        return parseInput(searchQuery, req.query);
      },
      run: ({ actor, input }) => search.searchThreads(actor, input),
      html: async (res, data) => res.render('search/results', await pageLocals(data)),
      json: (data) => ({
        q: data.q,
        results: data.results.map((h) => ({
          ...threadSummaryJson(h),
          hasAcceptedAnswer: h.hasAcceptedAnswer,
          score: h.score,
          titleHtml: h.titleHtml,
          snippet: h.snippetHtml,
          snippetFrom: h.snippetFrom,
        })),
        page: data.page,
        pages: data.pages,
        total: data.total,
        totalCapped: data.totalCapped,
        shown: data.shown,
        more: data.more,
      }),
      form: async (req) => ({ view: 'search/results', locals: await pageLocals(emptyResults(rawQ(req).trim())) }),
    }),
    endpoint({
      api: 'GET /api/search/similar',
      access: 'public',
      input: (req) => {
        checkSearchParams(req.query);
        return parseInput(similarQuery, req.query);
      },
      run: async ({ actor, input }) => ({ threads: await search.similarThreads(actor, input) }),
    }),
  ];
}
