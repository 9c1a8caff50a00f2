import type { CacheRegistry } from '../kernel/cache';

/**
 * Short-lived caches of what thread and list pages show, so a popular thread read by many
 * people costs one set of queries per PAGE_CACHE_MS instead of one per reader:
 *   thread-page   the viewer-independent data of one page of a thread (thread, replies,
 *                 accepted answer, staff signatures)
 *   thread-html   the rendered page for anonymous readers (they all see the same page)
 *   thread-list   one page of the question list per filter
 *   thread-count  the filtered totals under the list (counting a large status costs more than
 *                 the page itself: COUNT_CACHE_MS)
 *
 * Freshness: every event that changes what a thread shows (server/kernel/events.ts) calls
 * invalidate(threadId) (wired in server/threads/index.ts), so this process never shows its own
 * stale data. Signed-in readers also compare the thread's updatedAt with one small indexed
 * read; anonymous readers accept up to PAGE_CACHE_MS of staleness for writes made by another
 * process. Entries hold viewer-independent data only; permissions are applied per request.
 */
export const PAGE_CACHE_MS = 2_000;
export const COUNT_CACHE_MS = 10_000;
const MAX_GENERATIONS = 10_000;

export interface CachedHtml {
  /** the page's UTF-8 bytes, as sent */
  html: Buffer;
  slug: string;
}

export function createPageCache(caches: CacheRegistry) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- values are typed at each get/load site
  const data = caches.create<any>('thread-page', { max: 1_000, ttlMs: PAGE_CACHE_MS });
  const html = caches.create<CachedHtml>('thread-html', { max: 1_000, ttlMs: PAGE_CACHE_MS });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const lists = caches.create<any>('thread-list', { max: 1_000, ttlMs: PAGE_CACHE_MS });
  const counts = caches.create<number>('thread-count', { max: 1_000, ttlMs: COUNT_CACHE_MS });
  // Bumped by invalidate(): a render that started before a write must not store its
  // (stale) HTML after the write.
  const generations = new Map<string, number>();
  let seq = 0;
  const generation = (threadId: string): number => generations.get(threadId) ?? 0;

  return {
    /** Page data of `threadId` page `page`, loaded once per PAGE_CACHE_MS. */
    pageData<T>(threadId: string, page: number, load: () => Promise<T>): Promise<T> {
      return data.getOrLoad(`${threadId}|${page}`, load) as Promise<T>;
    },
    /** True when page data younger than PAGE_CACHE_MS is cached. */
    hasPageData: (threadId: string, page: number): boolean => data.holds(`${threadId}|${page}`),
    forgetPageData: (threadId: string, page: number): void => data.delete(`${threadId}|${page}`),
    html: {
      get: (threadId: string, page: number): CachedHtml | undefined => html.get(`${threadId}|${page}`),
      /** Stores a render unless the thread changed since `gen` was read. */
      set(threadId: string, page: number, value: CachedHtml, gen: number): void {
        if (generation(threadId) === gen) html.set(`${threadId}|${page}`, value);
      },
    },
    list<T>(key: string, load: () => Promise<T>): Promise<T> {
      return lists.getOrLoad(key, load) as Promise<T>;
    },
    count: (key: string, load: () => Promise<number>): Promise<number> => counts.getOrLoad(key, load),
    generation,
    /**
     * Drops every cached page of a thread, and every list (any write may move it in a list)
     * unless `pageOnly`: the change shows in no list (a vote's counters).
     */
    invalidate(threadId: string, opts: { pageOnly?: boolean } = {}): void {
      generations.set(threadId, ++seq);
      if (generations.size > MAX_GENERATIONS) generations.clear();
      const prefix = `${threadId}|`;
      data.deleteWhere((k) => k.startsWith(prefix));
      html.deleteWhere((k) => k.startsWith(prefix));
      if (opts.pageOnly) return;
      lists.clear();
      counts.clear();
    },
    /** Every page of every thread (products renamed, rebake). */
    invalidateAll(): void {
      generations.clear();
      data.clear();
      html.clear();
      lists.clear();
      counts.clear();
    },
  };
}

export type PageCache = ReturnType<typeof createPageCache>;
