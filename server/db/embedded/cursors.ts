import { calculateObjectSize, Long, type Document } from 'bson';
import type { DocCursor } from './engine-api';
import { ArrayCursor } from './engine/doc-cursor';
import { commandError } from './errors';

/** A reply batch stops growing once adding a document would pass this many bytes. */
export const BATCH_BYTES = 8 * 1024 * 1024;
export const DEFAULT_FIRST_BATCH = 101;
export const DEFAULT_CURSOR_TIMEOUT_MS = 10 * 60 * 1000;

interface ServerCursor {
  ns: string;
  source: DocCursor;
  /** documents read from the source that did not fit the previous reply's byte cap: pending[pos..] */
  pending: Document[];
  pos: number;
  lastUsed: number;
  noTimeout: boolean;
}

/**
 * Open cursors of the whole server (a pooled driver may send getMore on any connection).
 * A cursor holds an engine DocCursor and pulls from it only what a reply carries: each
 * reply holds at most the batch size and is capped in bytes (so a batch of large documents
 * stays far below 16 MiB); the rest of the result is not computed until asked for.
 */
export class CursorStore {
  private readonly open = new Map<number, ServerCursor>();
  // Random start so ids from a previous run of the server are not mistaken for live ones.
  private nextId = 1 + Math.floor(Math.random() * 2 ** 40);

  constructor(private readonly timeoutMs: number = DEFAULT_CURSOR_TIMEOUT_MS) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * Builds the first reply from `source`. Unless the result ends within it (or
   * `singleBatch`), the cursor stays open under a new id.
   */
  firstBatch(ns: string, result: DocCursor | Document[], batchSize: number | undefined, singleBatch = false, noTimeout = false): Document {
    const source = Array.isArray(result) ? new ArrayCursor(result) : result;
    const max = batchSize === undefined || batchSize < 0 ? DEFAULT_FIRST_BATCH : batchSize;
    const open: ServerCursor = { ns, source, pending: [], pos: 0, lastUsed: Date.now(), noTimeout };
    let batch: Document[];
    try {
      batch = takeBatch(open, max);
    } catch (err) {
      source.close();
      throw err;
    }
    let id = Long.ZERO;
    if (!singleBatch && !isDone(open)) {
      const n = this.nextId++;
      this.open.set(n, open);
      id = Long.fromNumber(n);
    } else source.close();
    return { cursor: { firstBatch: batch, id, ns }, ok: 1 };
  }

  getMore(db: string, cmd: Document): Document {
    const n = cursorNumber(cmd.getMore);
    const cursor = n === undefined ? undefined : this.open.get(n);
    if (cursor === undefined || n === undefined) throw commandError(43, `cursor id ${String(cmd.getMore)} not found`);
    if (typeof cmd.collection !== 'string' || `${db}.${cmd.collection}` !== cursor.ns) {
      throw commandError(2, `cursor ${n} belongs to namespace '${cursor.ns}', not '${db}.${String(cmd.collection)}'`);
    }
    const batchSize = typeof cmd.batchSize === 'number' && cmd.batchSize > 0 ? cmd.batchSize : Infinity;
    let batch: Document[];
    try {
      batch = takeBatch(cursor, batchSize);
    } catch (err) {
      this.open.delete(n);
      cursor.source.close();
      throw err;
    }
    let id = Long.ZERO;
    if (isDone(cursor)) {
      this.open.delete(n);
      cursor.source.close();
    } else {
      cursor.lastUsed = Date.now();
      id = Long.fromNumber(n);
    }
    return { cursor: { nextBatch: batch, id, ns: cursor.ns }, ok: 1 };
  }

  kill(ids: unknown[]): Document {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of ids) {
      const n = cursorNumber(raw);
      if (n === undefined) continue;
      const c = this.open.get(n);
      if (c) {
        this.open.delete(n);
        c.source.close();
        killed.push(Long.fromNumber(n));
      } else notFound.push(Long.fromNumber(n));
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  /** Forgets cursors idle longer than the timeout. Returns how many were closed. */
  reap(now = Date.now()): number {
    let closed = 0;
    for (const [n, c] of this.open) {
      if (!c.noTimeout && now - c.lastUsed > this.timeoutMs) {
        this.open.delete(n);
        c.source.close();
        closed++;
      }
    }
    return closed;
  }

  clear(): void {
    for (const c of this.open.values()) c.source.close();
    this.open.clear();
  }
}

function isDone(c: ServerCursor): boolean {
  return c.pos >= c.pending.length && c.source.exhausted;
}

/**
 * The next reply's documents: at most `max`, and no more once they pass BATCH_BYTES (a
 * reply always carries at least one document). Documents are pulled from the source in
 * chunks sized from the documents seen so far, so large documents are not over-read.
 */
function takeBatch(c: ServerCursor, max: number): Document[] {
  const out: Document[] = [];
  let bytes = 0;
  let avg = 0;
  while (out.length < max) {
    if (c.pos >= c.pending.length) {
      if (c.source.exhausted) break;
      const room = avg > 0 ? Math.max(1, Math.floor((BATCH_BYTES - bytes) / avg)) : 16;
      const want = Math.min(max - out.length, room, 1000);
      c.pending = c.source.next(want);
      c.pos = 0;
      if (!c.pending.length) break;
    }
    const doc = c.pending[c.pos];
    if (max > 1) {
      const size = calculateObjectSize(doc);
      if (out.length > 0 && bytes + size > BATCH_BYTES) break;
      bytes += size;
      avg = bytes / (out.length + 1);
    }
    out.push(doc);
    c.pos++;
  }
  return out;
}

function cursorNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (Long.isLong(raw)) return raw.toNumber();
  return undefined;
}
