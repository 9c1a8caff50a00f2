/**
 * The in-memory side of one write command. SQLite undoes the data itself (savepoints, see
 * catalog.ts); what lives in memory must be undone here: catalog changes (collections and
 * indexes created or dropped, multikey flags, document counts) and cached documents, which
 * are evicted so the next read loads what SQLite kept.
 */
import type { DocCache } from './doc-cache';
import type { IndexSummary } from './index-summary';
import type { SqliteStore } from './sqlite-store';

export interface TxnMark {
  u: number;
  t: number;
  s: number;
}

/** Index entries logged for undoing index summaries; past this, a rollback drops them instead. */
const SUMMARY_LOG_MAX = 200_000;

export class WriteTxn {
  private undos: (() => void)[] = [];
  private touched: string[] = [];
  /** (summary, entry, +1 added / -1 removed) triples, in order */
  private summaryLog: (IndexSummary | Buffer | number)[] = [];
  /** summaries whose changes were too many to log: dropped if this command is undone */
  private readonly summaryOverflow = new Set<IndexSummary>();

  constructor(
    private readonly store: SqliteStore,
    private readonly cache: DocCache,
    readonly durable = false,
  ) {}

  /** An in-memory change and how to undo it. */
  record(undo: () => void): void {
    this.undos.push(undo);
  }

  /** A cached document this command changed (evicted if the command is undone). */
  touch(cacheKey: string): void {
    this.touched.push(cacheKey);
  }

  /** An index entry added (+1) or removed (-1) while the index's summary was kept current. */
  logSummary(summary: IndexSummary, entry: Buffer, sign: 1 | -1): void {
    if (this.summaryLog.length >= SUMMARY_LOG_MAX * 3) this.summaryOverflow.add(summary);
    else this.summaryLog.push(summary, entry, sign);
  }

  get empty(): boolean {
    return this.undos.length === 0 && this.touched.length === 0 && this.summaryLog.length === 0;
  }

  /** Starts a statement that can be undone on its own (a SQLite savepoint). */
  mark(): TxnMark {
    this.store.savepoint();
    return { u: this.undos.length, t: this.touched.length, s: this.summaryLog.length };
  }

  /** The statement succeeded: its savepoint folds into the command's. */
  release(_m: TxnMark): void {
    this.store.release();
  }

  /** Undoes the statement started at `m` (a failed statement inside a batch). */
  rollbackTo(m: TxnMark): void {
    this.store.rollbackToSavepoint();
    this.undoMemory(m);
  }

  /** Undoes the in-memory side of everything after `m` (SQLite's side is the caller's). */
  undoMemory(m: TxnMark = { u: 0, t: 0, s: 0 }): void {
    for (let i = this.undos.length - 1; i >= m.u; i--) this.undos[i]();
    this.undos.length = m.u;
    for (let i = m.t; i < this.touched.length; i++) this.cache.delete(this.touched[i]);
    this.touched.length = m.t;
    const log = this.summaryLog;
    for (let i = log.length - 3; i >= m.s; i -= 3) {
      const summary = log[i] as IndexSummary;
      const entry = log[i + 1] as Buffer;
      if (!summary.tracks(entry)) continue;
      if (log[i + 2] === 1) summary.removed(entry);
      else summary.added(entry);
    }
    log.length = m.s;
    for (const s of this.summaryOverflow) s.reset();
    this.summaryOverflow.clear();
  }
}
