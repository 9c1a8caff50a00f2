import { calculateObjectSize, Long, type Document } from 'bson';
import { commandError } from './errors';

/** A reply batch stops growing once adding a document would pass this many bytes. */
export const BATCH_BYTES = 8 * 1024 * 1024;
export const DEFAULT_FIRST_BATCH = 101;
export const DEFAULT_CURSOR_TIMEOUT_MS = 10 * 60 * 1000;

interface ServerCursor {
  ns: string;
  docs: Document[];
  pos: number;
  lastUsed: number;
  noTimeout: boolean;
}

/**
 * Open cursors of the whole server (a pooled driver may send getMore on any connection).
 * A cursor holds the rest of an already computed result; reading never blocks, and each
 * reply is capped in bytes so a batch of large documents stays far below 16 MiB.
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
   * Builds the first reply for `docs`. Unless everything fits (or `singleBatch`), the
   * remainder stays open under a new id.
   */
  firstBatch(ns: string, docs: Document[], batchSize: number | undefined, singleBatch = false, noTimeout = false): Document {
    const max = batchSize === undefined || batchSize < 0 ? DEFAULT_FIRST_BATCH : batchSize;
    const end = batchEnd(docs, 0, max);
    const batch = end === docs.length ? docs : docs.slice(0, end);
    let id = Long.ZERO;
    if (!singleBatch && end < docs.length) {
      const n = this.nextId++;
      this.open.set(n, { ns, docs, pos: end, lastUsed: Date.now(), noTimeout });
      id = Long.fromNumber(n);
    }
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
    const end = batchEnd(cursor.docs, cursor.pos, batchSize);
    const batch = cursor.docs.slice(cursor.pos, end);
    let id = Long.ZERO;
    if (end >= cursor.docs.length) {
      this.open.delete(n);
    } else {
      cursor.pos = end;
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
      if (this.open.delete(n)) killed.push(Long.fromNumber(n));
      else notFound.push(Long.fromNumber(n));
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  /** Forgets cursors idle longer than the timeout. Returns how many were closed. */
  reap(now = Date.now()): number {
    let closed = 0;
    for (const [n, c] of this.open) {
      if (!c.noTimeout && now - c.lastUsed > this.timeoutMs) {
        this.open.delete(n);
        closed++;
      }
    }
    return closed;
  }

  clear(): void {
    this.open.clear();
  }
}

/** Index after the last document of a batch starting at `pos`: at most `max` documents, capped in bytes. */
function batchEnd(docs: Document[], pos: number, max: number): number {
  const end = Math.min(docs.length, pos + max);
  if (end - pos <= 1) return end;
  let bytes = 0;
  for (let i = pos; i < end; i++) {
    bytes += calculateObjectSize(docs[i]);
    if (bytes > BATCH_BYTES && i > pos) return i;
  }
  return end;
}

function cursorNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (Long.isLong(raw)) return raw.toNumber();
  return undefined;
}
