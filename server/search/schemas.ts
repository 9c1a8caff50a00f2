import { z } from 'zod';
import { pageParam } from '../kernel/validate';
import { ValidationError } from '../kernel/errors';
import { SEARCH_QUERY_MAX, SEARCH_STATUSES } from './service';

/** Search input (query string). Strict about types: an operator object or array is a 400. */
export const searchQuery = z.object({
  q: z.string().default(''),
  product: z.string().max(100).optional(),
  status: z
    .enum(SEARCH_STATUSES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  page: pageParam,
});

export const similarQuery = z.object({ title: z.string().max(SEARCH_QUERY_MAX).default('') });

/**
 * Refuses structured parameters (`q[$ne]=`: the simple query parser keeps them as odd keys)
 * and over-long search terms with a message people can act on.
 */
export function checkSearchParams(query: Record<string, unknown>): void {
  for (const k of Object.keys(query)) {
    if (k.includes('[') || k.includes(']'))
      throw new ValidationError(`Unexpected search parameter "${k.slice(0, 40)}".`, { [k.slice(0, 40)]: 'is not allowed' });
  }
  if (typeof query.q === 'string' && query.q.length > SEARCH_QUERY_MAX) {
    throw new ValidationError(`Search terms can be at most ${SEARCH_QUERY_MAX} characters.`, {
      q: `at most ${SEARCH_QUERY_MAX} characters`,
    });
  }
}
