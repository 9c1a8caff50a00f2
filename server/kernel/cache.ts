import { LRUCache } from 'lru-cache';
import type { Clock } from './clock';

/**
 * The one cache utility: named in-process LRU caches (lru-cache) whose TTLs run on the
 * injected clock, so a test that moves its FakeClock forward sees entries expire without
 * sleeping. One CacheRegistry per composition root (server/compose.ts): two apps in one
 * process share nothing. Invalidation is wired to domain events in server/compose.ts.
 *
 * What may be stale, and for how long, is each cache's own promise, documented where it is
 * created; a cache here never outlives its TTL, and every write in this process that
 * changes a cached fact invalidates it through an event.
 */
export interface CacheOptions {
  /** Most entries kept (least recently used go first). */
  max: number;
  /** Lifetime of an entry, in milliseconds of the injected clock. */
  ttlMs: number;
}

export interface CacheStats {
  name: string;
  size: number;
  hits: number;
  misses: number;
}

export class Cache<V extends NonNullable<unknown>> {
  private readonly lru: LRUCache<string, { value: V } | { pending: Promise<V> }>;
  private enabled = true;
  hits = 0;
  misses = 0;

  constructor(
    readonly name: string,
    opts: CacheOptions,
    clock: Clock,
  ) {
    this.lru = new LRUCache({
      max: opts.max,
      ttl: opts.ttlMs,
      ttlResolution: 0,
      perf: { now: () => clock.now().getTime() },
    });
  }

  /**
   * The fresh value for `key`, or undefined (a load still in flight counts as absent). Counted
   * as a hit or a miss (the forum_cache_lookups_total metric), as getOrLoad is.
   */
  get(key: string): V | undefined {
    if (!this.enabled) return undefined;
    const hit = this.lru.get(key);
    if (hit && 'value' in hit) {
      this.hits++;
      return hit.value;
    }
    this.misses++;
    return undefined;
  }

  /** Whether a fresh value for `key` is held; not counted as a lookup. */
  holds(key: string): boolean {
    if (!this.enabled) return false;
    const hit = this.lru.get(key);
    return !!hit && 'value' in hit;
  }

  set(key: string, value: V): void {
    if (this.enabled) this.lru.set(key, { value });
  }

  /**
   * The cached value of `key` if fresh, else `load()`; concurrent callers share one load, and
   * a failed load is not cached. A delete() while a load is in flight wins: the load's result
   * is returned to its callers but not stored.
   */
  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    if (!this.enabled) return load();
    const hit = this.lru.get(key);
    if (hit) {
      this.hits++;
      return 'value' in hit ? hit.value : hit.pending;
    }
    this.misses++;
    const pending = load();
    const entry = { pending };
    this.lru.set(key, entry);
    try {
      const value = await pending;
      if (this.lru.peek(key) === entry) this.lru.set(key, { value });
      return value;
    } catch (err) {
      if (this.lru.peek(key) === entry) this.lru.delete(key);
      throw err;
    }
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** Deletes every key for which `match` is true. */
  deleteWhere(match: (key: string) => boolean): void {
    for (const key of [...this.lru.keys()]) if (match(key)) this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  /** Benchmarks measure with caches off: every call loads. */
  setEnabled(on: boolean): void {
    this.enabled = on;
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }
}

export class CacheRegistry {
  private readonly caches = new Map<string, Cache<NonNullable<unknown>>>();

  constructor(private readonly clock: Clock) {}

  /** A new named cache; names are unique per registry. */
  create<V extends NonNullable<unknown>>(name: string, opts: CacheOptions): Cache<V> {
    if (this.caches.has(name)) throw new Error(`cache "${name}" created twice`);
    const cache = new Cache<V>(name, opts, this.clock);
    this.caches.set(name, cache as unknown as Cache<NonNullable<unknown>>);
    return cache;
  }

  /** Turns every cache (or the named ones) off or on. */
  setEnabled(on: boolean, names?: string[]): void {
    for (const [name, cache] of this.caches) if (!names || names.includes(name)) cache.setEnabled(on);
  }

  clearAll(): void {
    for (const cache of this.caches.values()) cache.clear();
  }

  stats(): CacheStats[] {
    return [...this.caches.values()].map((c) => ({ name: c.name, size: c.size, hits: c.hits, misses: c.misses }));
  }
}
