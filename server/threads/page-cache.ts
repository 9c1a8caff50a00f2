import mongoose from 'mongoose';

/**
 * A very short-lived in-process cache of the thread page's raw data (the thread document,
 * one page of replies, the accepted answer, staff signatures), so a popular thread read
 * by many people costs one set of queries per PAGE_CACHE_MS instead of one per reader.
 *
 * Freshness rules:
 * - Every write in the threads service calls invalidateThread(id): this process never
 *   shows its own stale data.
 * - Signed-in readers (who act on what they see) also compare the thread's updatedAt with
 *   one small indexed read; anonymous readers accept up to PAGE_CACHE_MS of staleness, e.g.
 *   a reply posted through another app process, or a vote count (feedback can call
 *   invalidateThread() too).
 * - Concurrent misses share one load (no stampede when an entry expires).
 * The entries hold per-viewer-independent data only; permissions are applied per request.
 */
export const PAGE_CACHE_MS = 2_000;
const MAX_ENTRIES = 1_000;

interface Entry<T> {
  at: number;
  value: Promise<T>;
  html?: CachedHtml;
}

const entries = new Map<string, Entry<unknown>>();

const dbKey = () => {
  const c = mongoose.connection;
  return `${c.host}:${c.port}/${c.name}`;
};

export function cacheKey(threadId: string, page: number): string {
  return `${dbKey()}|${threadId}|${page}`;
}

/** The cached value if fresh, else loads it (sharing the load with concurrent callers). */
export function cached<T>(key: string, load: () => Promise<T>, nowMs = Date.now()): Promise<T> {
  const hit = entries.get(key) as Entry<T> | undefined;
  if (hit && nowMs - hit.at < PAGE_CACHE_MS) return hit.value;
  const value = load();
  const entry: Entry<T> = { at: nowMs, value };
  entries.delete(key);
  entries.set(key, entry);
  if (entries.size > MAX_ENTRIES) {
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }
  // A failed load is not cached.
  value.catch(() => {
    if (entries.get(key) === entry) entries.delete(key);
  });
  return value;
}

/** Rendered HTML for anonymous readers, same lifetime and invalidation as the data. */
export interface CachedHtml {
  html: string;
  slug: string;
}

let htmlCacheEnabled = true;
/** Benchmarks compare with and without the HTML cache. */
export function setHtmlCacheEnabled(on: boolean): void {
  htmlCacheEnabled = on;
  if (!on) for (const [k, e] of entries) if (e.html) entries.delete(k);
}

export function peekHtml(key: string, nowMs = Date.now()): CachedHtml | null {
  if (!htmlCacheEnabled) return null;
  const hit = entries.get(key) as { at: number; html?: CachedHtml } | undefined;
  return hit?.html && nowMs - hit.at < PAGE_CACHE_MS ? hit.html : null;
}

export function storeHtml(key: string, html: CachedHtml, nowMs = Date.now()): void {
  if (!htmlCacheEnabled) return;
  entries.delete(key);
  entries.set(key, { at: nowMs, value: Promise.resolve(null), html } as Entry<unknown>);
  if (entries.size > MAX_ENTRIES) {
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }
}

/** True when `key` has an entry young enough to be served. */
export function isFresh(key: string, nowMs = Date.now()): boolean {
  const hit = entries.get(key);
  return !!hit && nowMs - hit.at < PAGE_CACHE_MS;
}

export function forget(key: string): void {
  entries.delete(key);
}

const invalidateListeners: Array<(threadId: string) => void> = [];
/** Other caches that depend on threads (list counts) clear themselves here. */
export function onInvalidate(fn: (threadId: string) => void): void {
  invalidateListeners.push(fn);
}

// Bumped by invalidateThread(): a render that started before a write must not store its
// (stale) HTML after the write.
const generations = new Map<string, number>();
export const generation = (threadId: string): number => generations.get(threadId) ?? 0;

/** Drops every cached page of a thread (call after any write that changes what it shows). */
export function invalidateThread(threadId: string): void {
  for (const fn of invalidateListeners) fn(threadId);
  generations.set(threadId, generation(threadId) + 1);
  if (generations.size > 10 * MAX_ENTRIES) generations.clear();
  const marker = `|${threadId}|`;
  for (const key of entries.keys()) if (key.includes(marker)) entries.delete(key);
}

export function clearPageCache(): void {
  entries.clear();
}
