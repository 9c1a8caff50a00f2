/**
 * Entry counts of an index by key range, so counting a range costs about its length / 1000
 * instead of its length: SQLite's B-trees do not know how many entries a subtree holds.
 *
 * The index's key space is cut into buckets at entry boundaries; bucket i holds the entries
 * in [bounds[i], bounds[i+1]) and knows how many (about MIN..MAX). Counting [a, b) counts the
 * parts of the two end buckets with SQLite and adds the counts of the buckets between.
 *
 * Memory only (~100 bytes per 1000 entries). Built when the index is first counted after
 * start-up, by an ordered scan of the index in slices of SLICE entries (a few milliseconds
 * each) run between the server's commands (setImmediate), so that building it at a million
 * entries never holds the server for seconds; until it is ready, counts are exact SQLite
 * counts. While it is being built, writes at or below the scan's position are counted in,
 * those beyond are left for the scan to find. Once ready it is kept current by every write.
 * A bucket past MAX is split at its median entry (one SQLite read of about MAX entries, once
 * per MAX / 2 writes into it), a small one merges into its left neighbour. A write that is
 * rolled back is undone here from the WriteTxn's log (see write-txn.ts), or, for a very large
 * write, the summary is dropped and built again when next needed.
 */
import type { SqliteStore } from './sqlite-store';

const MAX = 2048;
/** Index entries read per build slice: about 2-5 ms of work. */
const SLICE = 5000;
const MIN = 256;
const EMPTY: Buffer = Buffer.alloc(0);

export class IndexSummary {
  private bounds: Buffer[] = [EMPTY];
  private counts: number[] = [0];
  /** built (and kept current) since it was first needed */
  ready = false;
  /** While being built: the last entry the scan has counted (EMPTY before the first slice). */
  private scanned: Buffer | null = null;
  /** Entries the scan has put in the last bucket. */
  private scanFill = 0;

  constructor(
    private readonly store: SqliteStore,
    private readonly index: string,
  ) {}

  /** A new, empty index: the summary is one empty bucket, kept from now on. */
  startEmpty(): void {
    this.bounds = [EMPTY];
    this.counts = [0];
    this.scanned = null;
    this.ready = true;
  }

  /** Forgets the summary; the next count builds it again. */
  reset(): void {
    this.bounds = [EMPTY];
    this.counts = [0];
    this.scanned = null;
    this.ready = false;
  }

  /** True when a write of `entry` must be counted in now (see the file's docstring). */
  tracks(entry: Buffer): boolean {
    return this.ready || (this.scanned !== null && this.scanned.length > 0 && Buffer.compare(entry, this.scanned) <= 0);
  }

  /** Starts building in the background, unless it is built or being built. */
  private startBuild(): void {
    if (this.ready || this.scanned !== null) return;
    this.bounds = [EMPTY];
    this.counts = [0];
    this.scanned = EMPTY;
    this.scanFill = 0;
    const next = () => {
      if (this.scanned === null) return; // reset meanwhile: a later count starts again
      try {
        if (this.store.inTransaction || !this.buildSlice()) setImmediate(next);
      } catch {
        this.reset(); // the store closed or failed: nothing half-built is kept
      }
    };
    setImmediate(next);
  }

  /**
   * Counts the next SLICE entries of the index into the buckets; true when the scan reached
   * the end (the summary is then ready). Only between transactions (the scan must see
   * committed entries only, as the write log of a transaction does not cover it).
   */
  private buildSlice(): boolean {
    const rows = this.store
      .stmt(`${this.index}:sumScan`, `SELECT k FROM ${this.index} WHERE k > ? ORDER BY k LIMIT ${SLICE}`, 'pluck')
      .all(this.scanned) as Buffer[];
    for (const k of rows) {
      if (this.scanFill === MAX / 2) {
        this.bounds.push(k);
        this.counts.push(0);
        this.scanFill = 0;
      }
      this.scanFill++;
      this.counts[this.counts.length - 1]++;
    }
    if (rows.length < SLICE) {
      this.scanned = null;
      this.ready = true;
      return true;
    }
    this.scanned = rows[rows.length - 1]!;
    return false;
  }

  /** The bucket holding `k`: the last bound <= k. */
  private bucketOf(k: Buffer): number {
    let lo = 0;
    let hi = this.bounds.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (Buffer.compare(this.bounds[mid]!, k) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** An entry was added to the index (already in SQLite). */
  added(entry: Buffer): void {
    const i = this.bucketOf(entry);
    this.counts[i]++;
    if (this.ready && this.counts[i]! > MAX) this.split(i);
  }

  /** An entry was removed from the index (already gone from SQLite). */
  removed(entry: Buffer): void {
    const i = this.bucketOf(entry);
    this.counts[i]--;
    if (this.ready && i > 0 && this.counts[i]! < MIN && this.counts[i - 1]! + this.counts[i]! <= MAX) {
      this.counts[i - 1] += this.counts[i]!;
      this.bounds.splice(i, 1);
      this.counts.splice(i, 1);
    }
  }

  private split(i: number): void {
    const half = this.counts[i]! >> 1;
    const lo = this.bounds[i]!;
    const hi = this.bounds[i + 1];
    const mid = (
      hi
        ? this.store
            .stmt(`${this.index}:mid`, `SELECT k FROM ${this.index} WHERE k >= ? AND k < ? ORDER BY k LIMIT 1 OFFSET ?`, 'pluck')
            .get(lo, hi, half)
        : this.store
            .stmt(`${this.index}:midOpen`, `SELECT k FROM ${this.index} WHERE k >= ? ORDER BY k LIMIT 1 OFFSET ?`, 'pluck')
            .get(lo, half)
    ) as Buffer | undefined;
    if (!mid) return;
    this.bounds.splice(i + 1, 0, mid);
    this.counts.splice(i + 1, 0, this.counts[i]! - half);
    this.counts[i] = half;
  }

  /**
   * Entries in [start, end) (end null: to the end), or null when a plain SQLite count is as
   * cheap (both ends in one or two neighbouring buckets). `exact` counts a key range that lies
   * inside one bucket.
   */
  count(start: Buffer, end: Buffer | null, exact: (s: Buffer, e: Buffer) => number): number | null {
    if (!this.ready) {
      this.startBuild();
      return null;
    }
    const i = this.bucketOf(start);
    const j = end === null ? this.bounds.length : this.bucketOf(end);
    if (j - i < 2) return null;
    // [start, bounds[i+1]) + buckets i+1 .. j-1 + [bounds[j], end)
    let n = exact(start, this.bounds[i + 1]!);
    for (let b = i + 1; b < j; b++) n += this.counts[b]!;
    if (end !== null) n += exact(this.bounds[j]!, end);
    return n;
  }
}
