/**
 * An ascending/descending index (single field, compound, multikey, unique, sparse, partial,
 * TTL, and the `_id` index) as one SQLite table `x<index id>(k BLOB PRIMARY KEY) WITHOUT
 * ROWID`. Each entry is `keystring(key tuple) || record id` (keystring.ts), so SQLite's
 * memcmp order of BLOBs is MongoDB's index order, the entries of one key are one contiguous
 * range, and a scan can resume after any entry. Uniqueness is checked against the table
 * itself (conflict) before a write; nothing else holds index state.
 */
import type { Document } from 'bson';
import type { IndexSpec } from '../engine-api';
import { extractKeys, type IndexKey, type KeyField, type MultikeyFlag } from './index-keys';
import { entryOf, prefixEnd, ridOf } from './keystring';
import { compileFilter, type Matcher } from './mingo-context';
import { isNumericDir } from './index-specs';
import { IndexSummary } from './index-summary';
import type { SqliteStore } from './sqlite-store';
import type { WriteTxn } from './write-txn';

export { ID_INDEX_SPEC, isTextSpec, normalizeSpec, sameKey, sameOptions } from './index-specs';

const EMPTY = Buffer.alloc(0);

export class SqlIndex {
  readonly kind = 'btree' as const;
  readonly name: string;
  readonly table: string;
  readonly fields: KeyField[];
  readonly unique: boolean;
  readonly sparse: boolean;
  readonly partial: Matcher | null;
  readonly ttlSeconds: number | null;
  /**
   * Once a document has had several keys in this index, and through which key fields
   * (persisted in catalog_indexes: multikey, multikey_paths).
   */
  readonly multikey: MultikeyFlag;
  /** set when the index is dropped: open scans of it stop (QueryPlanKilled) */
  dropped = false;
  /** entry counts by key range (index-summary.ts) */
  readonly summary: IndexSummary;

  /**
   * @param id the catalog id (catalog_indexes.id): the table is `x<id>`
   * @param isId the collection's `_id` index: unique without saying so
   */
  constructor(
    private readonly store: SqliteStore,
    readonly id: number,
    readonly spec: IndexSpec,
    multikey: boolean,
    isId = false,
    multikeyPaths = -1,
  ) {
    this.name = spec.name;
    this.table = `x${id}`;
    this.fields = Object.entries(spec.key).map(([path, d]) => ({
      path,
      parts: path.split('.'),
      dir: (isNumericDir(d) ?? 1) < 0 ? -1 : 1,
    }));
    this.unique = isId || !!spec.unique;
    this.sparse = !!spec.sparse;
    this.partial = spec.partialFilterExpression ? compileFilter(spec.partialFilterExpression as Document) : null;
    this.ttlSeconds = spec.expireAfterSeconds === undefined ? null : isNumericDir(spec.expireAfterSeconds);
    this.multikey = { value: multikey, paths: multikey ? multikeyPaths : 0 };
    this.summary = new IndexSummary(store, this.table);
  }

  createTable(): void {
    this.store.db.exec(`CREATE TABLE ${this.table} (k BLOB PRIMARY KEY) WITHOUT ROWID`);
    this.summary.startEmpty();
  }

  dropTable(): void {
    this.store.forget(this.table);
    this.store.db.exec(`DROP TABLE IF EXISTS ${this.table}`);
  }

  private sql(purpose: string, sql: string, mode?: 'pluck' | 'raw') {
    return this.store.stmt(`${this.table}:${purpose}`, () => sql.replaceAll('$T', this.table), mode);
  }

  /**
   * Keys of `doc`, or null when the index does not cover it (sparse / partial). `multikey`
   * is set when an array was expanded (the caller persists the flag).
   */
  keysFor(doc: Document, multikey: MultikeyFlag = { value: false, paths: 0 }): IndexKey[] | null {
    if (this.partial && !this.partial.test(doc)) return null;
    return extractKeys(doc, this.fields, this.sparse, multikey);
  }

  add(rid: number, keys: IndexKey[], txn: WriteTxn): void {
    const st = this.sql('ins', 'INSERT INTO $T (k) VALUES (?)');
    for (const k of keys) {
      const e = entryOf(k.enc, rid);
      st.run(e);
      if (this.summary.tracks(e)) {
        this.summary.added(e);
        txn.logSummary(this.summary, e, 1);
      }
    }
  }

  remove(rid: number, keys: IndexKey[], txn: WriteTxn): void {
    const st = this.sql('del', 'DELETE FROM $T WHERE k = ?');
    for (const k of keys) {
      const e = entryOf(k.enc, rid);
      st.run(e);
      if (this.summary.tracks(e)) {
        this.summary.removed(e);
        txn.logSummary(this.summary, e, -1);
      }
    }
  }

  /** The first of `keys` another record already holds, for unique indexes (E11000). */
  conflict(keys: IndexKey[], rid: number): IndexKey | null {
    if (!this.unique) return null;
    for (const k of keys) {
      const owner = this.ridOfKey(k.enc, rid);
      if (owner !== undefined) return k;
    }
    return null;
  }

  /** The record holding key `key` (other than `except`), if any. */
  ridOfKey(key: Buffer, except = -1): number | undefined {
    const end = prefixEnd(key);
    const rows = (
      end
        ? this.sql('probe', 'SELECT k FROM $T WHERE k >= ? AND k < ? LIMIT 2', 'pluck').all(key, end)
        : this.sql('probeOpen', 'SELECT k FROM $T WHERE k >= ? LIMIT 2', 'pluck').all(key)
    ) as Buffer[];
    for (const e of rows) {
      const r = ridOf(e);
      if (r !== except) return r;
    }
    return undefined;
  }

  /**
   * Up to `limit` entries in [start, end) (end null: unbounded), in order or reversed,
   * continuing strictly after / before `from` when given (a resumed scan).
   */
  /**
   * Up to `limit` entries of [start, end) in key order (or reverse), after `from` when given,
   * leaving out the first `offset` (walked inside SQLite: no entry crosses into JavaScript).
   */
  scan(start: Buffer, end: Buffer | null, reverse: boolean, limit: number, from: Buffer | null, offset = 0): Buffer[] {
    let rows: unknown[];
    if (!reverse) {
      const lo = from ?? start;
      const op = from ? '>' : '>=';
      rows = end
        ? this.sql(`f${op}e`, `SELECT k FROM $T WHERE k ${op} ? AND k < ? ORDER BY k LIMIT ? OFFSET ?`, 'pluck').all(lo, end, limit, offset)
        : this.sql(`f${op}`, `SELECT k FROM $T WHERE k ${op} ? ORDER BY k LIMIT ? OFFSET ?`, 'pluck').all(lo, limit, offset);
    } else {
      const hi = from ?? end;
      rows = hi
        ? this.sql('b<', 'SELECT k FROM $T WHERE k < ? AND k >= ? ORDER BY k DESC LIMIT ? OFFSET ?', 'pluck').all(hi, start, limit, offset)
        : this.sql('b', 'SELECT k FROM $T WHERE k >= ? ORDER BY k DESC LIMIT ? OFFSET ?', 'pluck').all(start, limit, offset);
    }
    return rows as Buffer[];
  }

  /**
   * Entries in [start, end), counting at most `cap` (0: no cap) without reading past it.
   * Long ranges are counted from the index summary (index-summary.ts): about their length
   * / 1000 steps.
   */
  count(start: Buffer, end: Buffer | null, cap = 0): number {
    if (cap === 0) {
      const n = this.summary.count(start, end, (s, e) => this.countExact(s, e, 0));
      if (n !== null) return n;
    }
    return this.countExact(start, end, cap);
  }

  private countExact(start: Buffer, end: Buffer | null, cap: number): number {
    if (cap > 0) {
      return (
        end
          ? this.sql('ncap', 'SELECT count(*) FROM (SELECT 1 FROM $T WHERE k >= ? AND k < ? LIMIT ?)', 'pluck').get(start, end, cap)
          : this.sql('ncapo', 'SELECT count(*) FROM (SELECT 1 FROM $T WHERE k >= ? LIMIT ?)', 'pluck').get(start, cap)
      ) as number;
    }
    return (
      end
        ? this.sql('n', 'SELECT count(*) FROM $T WHERE k >= ? AND k < ?', 'pluck').get(start, end)
        : this.sql('no', 'SELECT count(*) FROM $T WHERE k >= ?', 'pluck').get(start)
    ) as number;
  }

  /** Entries in the whole index. */
  size(): number {
    return this.count(EMPTY, null);
  }
}
