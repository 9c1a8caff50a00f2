/**
 * The only place documents live in memory between commands: a least-recently-used cache of
 * decoded documents, bounded in bytes (lru-cache with maxSize). A document's charge is an
 * estimate of its heap size from its BSON size (decoded JavaScript objects take about twice
 * their BSON bytes: strings are kept once, but every value and field is an object or a
 * slot). Cached documents are shared and never mutated (engine/index.ts, contract notes).
 *
 * Keys are `<collection id>:<record id>`; collection ids are never reused, so entries of a
 * dropped collection can only age out, never be found again. Documents read by a collection
 * scan are kept only in free space (setIfRoom), so a scan does not flush the cache.
 */
import type { Document } from 'bson';
import { LRUCache } from 'lru-cache';

/** EMBEDDED_CACHE_MB when nothing says otherwise: fits a small VPS next to the forum. */
export const DEFAULT_CACHE_MB = 64;

/** Estimated heap bytes of a decoded document of `bsonBytes` BSON bytes. */
export function chargeOf(bsonBytes: number): number {
  return bsonBytes * 2 + 64;
}

interface Entry {
  doc: Document;
  bytes: number;
}

export class DocCache {
  private readonly lru: LRUCache<string, Entry> | null;
  hits = 0;
  misses = 0;

  /** @param maxBytes budget in bytes; 0 disables caching */
  constructor(readonly maxBytes: number) {
    this.lru =
      maxBytes > 0
        ? new LRUCache<string, Entry>({
            maxSize: maxBytes,
            sizeCalculation: (e) => Math.max(1, chargeOf(e.bytes)),
            // a single document above the whole budget is simply not cached
            maxEntrySize: maxBytes,
          })
        : null;
  }

  static key(collId: number, rid: number): string {
    return `${collId}:${rid}`;
  }

  get(key: string): Document | undefined {
    const e = this.lru?.get(key);
    if (e) {
      this.hits++;
      return e.doc;
    }
    this.misses++;
    return undefined;
  }

  /** The cached BSON size of a document, when it is cached. */
  bytesOf(key: string): number | undefined {
    return this.lru?.peek(key)?.bytes;
  }

  set(key: string, doc: Document, bytes: number): void {
    this.lru?.set(key, { doc, bytes });
  }

  /** Caches only into free space: a collection scan never evicts what targeted reads keep. */
  setIfRoom(key: string, doc: Document, bytes: number): void {
    if (this.lru && this.lru.calculatedSize + chargeOf(bytes) <= this.maxBytes) this.lru.set(key, { doc, bytes });
  }

  delete(key: string): void {
    this.lru?.delete(key);
  }

  clear(): void {
    this.lru?.clear();
  }

  /** Charged bytes now held (never above maxBytes). */
  get size(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get count(): number {
    return this.lru?.size ?? 0;
  }
}
