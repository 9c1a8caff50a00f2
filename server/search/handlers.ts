import type { Request, RequestHandler } from 'express';
import type { AppContext } from '../context';
import { actorOf } from '../http/guards';
import { parseInput } from '../kernel/validate';
import { fmt } from '../threads/format';
import { STATUS_LABELS, threadSummaryJson } from '../threads/present';
import { listProducts } from '../threads/service';
import { searchThreads, similarThreads, SEARCH_QUERY_MAX, type SearchResults } from './service';
import { checkSearchParams, searchQuery, similarQuery } from './schemas';

/** Search handlers: parse, one service call, render or JSON. */
export function searchHandlers(ctx: AppContext) {
  const emptyResults = (q: string): SearchResults => ({
    q,
    results: [],
    page: 1,
    pages: 1,
    total: 0,
    perPage: 20,
    status: null,
    product: null,
  });

  async function pageLocals(data: SearchResults) {
    return {
      fmt,
      now: ctx.clock.now(),
      STATUS_LABELS,
      title: data.q ? `Search: ${data.q}` : 'Search',
      searchQuery: data.q,
      search: data,
      products: await listProducts(),
      maxLength: SEARCH_QUERY_MAX,
    };
  }

  const rawQ = (req: Request) => (typeof req.query.q === 'string' ? req.query.q.slice(0, SEARCH_QUERY_MAX) : '');

  const page: RequestHandler = async (req, res) => {
    req.formView = { view: 'search/results', locals: await pageLocals(emptyResults(rawQ(req).trim())) };
    checkSearchParams(req.query);
    const input = parseInput(searchQuery, req.query);
    const data = await searchThreads(actorOf(req), input);
    res.render('search/results', await pageLocals(data));
  };

  const json: RequestHandler = async (req, res) => {
    checkSearchParams(req.query);
    const data = await searchThreads(actorOf(req), parseInput(searchQuery, req.query));
    res.json({
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
    });
  };

  const similar: RequestHandler = async (req, res) => {
    checkSearchParams(req.query);
    const threads = await similarThreads(actorOf(req), parseInput(similarQuery, req.query));
    res.json({ threads });
  };

  return { page, json, similar };
}
