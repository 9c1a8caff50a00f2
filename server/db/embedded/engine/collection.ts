/**
 * One collection: its documents (BSON in the SQLite table `c<id>(rid INTEGER PRIMARY KEY,
 * doc BLOB)`, the large fields of large documents in `c<id>t` (split-records.ts), decoded
 * documents in the shared DocCache), its `_id` index and declared indexes
 * (indexes.ts), its text index (text-store.ts), and the three mutation primitives (insert,
 * replace, delete). Each primitive checks every rule that can refuse the write (unique keys,
 * parallel arrays, the text index's language field) before it writes anything, so a refused
 * statement leaves nothing behind; what it changes in memory is recorded on the WriteTxn.
 */
import { UUID, type Document } from 'bson';
import type { IndexSpec } from '../engine-api';
import { deserializeStored } from './codec';
import { DocCache } from './doc-cache';
import { MAX_BSON_SIZE, formatValue, plainDbRefsInPlace } from './doc-utils';
import { MongoCommandError, internalError, mongoError } from './errors';
import type { IndexKey } from './index-keys';
import { ID_INDEX_SPEC, SqlIndex } from './indexes';
import { encodeKey } from './keystring';
import {
  SPLIT_DOC_MIN,
  encodeHead,
  headBsonLength,
  headOutgrown,
  joinTail,
  parseHead,
  rowsOf,
  setFullSize,
  storedSize,
  type SplitHead,
} from './split-records';
import type { SqliteStore } from './sqlite-store';
import type { SqlTextIndex } from './text-store';
import type { WriteTxn } from './write-txn';

/** the `$ref` element name as it appears in BSON: only such documents can hold a DBRef */
const REF_MARK = Buffer.from('$ref\0', 'latin1');

/** A stored document from its BSON bytes (DBRefs kept as plain `{$ref, $id}` documents). */
export function decodeStored(blob: Buffer): Document {
  const doc = deserializeStored(blob);
  return blob.indexOf(REF_MARK) === -1 ? doc : (plainDbRefsInPlace(doc) as Document);
}

export class DuplicateKeyError extends MongoCommandError {
  constructor(ns: string, index: string, keyPattern: Document, keyValue: Document) {
    const dup = Object.keys(keyValue)
      .map((k) => `${k}: ${formatValue(keyValue[k])}`)
      .join(', ');
    super(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${index} dup key: { ${dup} }`, {
      keyPattern,
      keyValue,
    });
  }
}

function sameKeys(a: IndexKey[] | null, b: IndexKey[] | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!a[i].enc.equals(b[i].enc)) return false;
  return true;
}

/** A document together with its record id and its BSON size. */
export interface Rec {
  rid: number;
  doc: Document;
  bytes: number;
}

/**
 * A replaced document's rows: `head` for `c<id>`; `tail` for `c<id>t`, 'keep' when the stored
 * out-of-line fields stay, null when the document is stored whole.
 */
interface RowPlan {
  head: Buffer;
  tail: Buffer | 'keep' | null;
  size: number;
  /** the stored row was split */
  wasSplit: boolean;
}

export class Collection {
  readonly table: string;
  /** the out-of-line fields of split records (split-records.ts) */
  readonly tailTable: string;
  /** `tailTable` is known to exist in the file (created on first need; reset if that is undone) */
  private tailReady = false;
  /** documents and their BSON bytes, kept current by every write (persisted at commit) */
  count: number;
  dataBytes: number;
  nextRid = 1;
  /** counts changed since they were last written to catalog_collections */
  countsDirty = false;
  /** set when the collection is dropped: open cursors on it stop (QueryPlanKilled) */
  dropped = false;
  idIndex!: SqlIndex;
  /** declared indexes in creation order (without `_id_`) */
  indexes: SqlIndex[] = [];
  text: SqlTextIndex | null = null;

  constructor(
    private readonly store: SqliteStore,
    private readonly cache: DocCache,
    readonly id: number,
    readonly db: string,
    readonly name: string,
    public options: Document,
    readonly uuid: UUID,
    counts: { docs: number; bytes: number } = { docs: 0, bytes: 0 },
  ) {
    this.table = `c${id}`;
    this.tailTable = `c${id}t`;
    this.count = counts.docs;
    this.dataBytes = counts.bytes;
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  createTable(): void {
    this.store.db.exec(`CREATE TABLE ${this.table} (rid INTEGER PRIMARY KEY, doc BLOB NOT NULL)`);
  }

  dropTables(): void {
    for (const ix of [this.idIndex, ...this.indexes]) ix.dropTable();
    this.text?.dropTables();
    this.store.forget(this.table);
    this.store.forget(this.tailTable);
    this.store.db.exec(`DROP TABLE IF EXISTS ${this.table}; DROP TABLE IF EXISTS ${this.tailTable}`);
  }

  /** Creates the split records' table if this file has none yet (inside the write: undone with it). */
  private ensureTailTable(txn: WriteTxn): void {
    if (this.tailReady) return;
    this.store.db.exec(`CREATE TABLE IF NOT EXISTS ${this.tailTable} (rid INTEGER PRIMARY KEY, tail BLOB NOT NULL)`);
    this.tailReady = true;
    txn.record(() => {
      this.tailReady = false;
    });
  }

  /** Continues record ids after the highest one on disk (a B-tree seek, no scan). */
  loadNextRid(): void {
    const max = this.sql('maxRid', 'SELECT max(rid) FROM $T', 'pluck').get() as number | null;
    this.nextRid = (max ?? 0) + 1;
  }

  private sql(purpose: string, sql: string, mode?: 'pluck' | 'raw') {
    return this.store.stmt(`${this.table}:${purpose}`, () => sql.replaceAll('$T', this.table).replaceAll('$U', this.tailTable), mode);
  }

  /** Index specs as listIndexes shows them: `_id_` first, then in creation order. */
  specs(): IndexSpec[] {
    const all: { id: number; spec: IndexSpec }[] = this.indexes.map((ix) => ({ id: ix.id, spec: ix.spec }));
    if (this.text) all.push({ id: this.text.id, spec: this.text.spec });
    all.sort((a, b) => a.id - b.id);
    return [ID_INDEX_SPEC, ...all.map((x) => x.spec)];
  }

  findIndex(name: string): SqlIndex | SqlTextIndex | null {
    if (name === '_id_') return this.idIndex;
    if (this.text?.name === name) return this.text;
    return this.indexes.find((i) => i.name === name) ?? null;
  }

  cacheKey(rid: number): string {
    return DocCache.key(this.id, rid);
  }

  /**
   * The document with record id `rid` (undefined: gone), from the cache or SQLite; a
   * document read from SQLite is cached (`remember` 'room': only into free space, for scans).
   */
  getDoc(rid: number, remember: boolean | 'room' = true): Document | undefined {
    return this.getRec(rid, remember)?.doc;
  }

  /** getDoc with the record id and BSON size. */
  getRec(rid: number, remember: boolean | 'room' = true): Rec | undefined {
    const key = this.cacheKey(rid);
    const hit = this.cache.get(key);
    if (hit) return { rid, doc: hit, bytes: this.cache.bytesOf(key)! };
    const blob = this.sql('get', 'SELECT doc FROM $T WHERE rid = ?', 'pluck').get(rid) as Buffer | undefined;
    if (!blob) return undefined;
    this.store.docsRead++;
    const rec = this.decodeRow(rid, blob);
    if (remember === 'room') this.cache.setIfRoom(key, rec.doc, rec.bytes);
    else if (remember) this.cache.set(key, rec.doc, rec.bytes);
    return rec;
  }

  /** A stored row's document and BSON size; a split row gets its out-of-line fields back. */
  private decodeRow(rid: number, blob: Buffer): Rec {
    const split = parseHead(blob);
    if (!split) return { rid, doc: decodeStored(blob), bytes: blob.length };
    const tail = this.sql('tailGet', 'SELECT tail FROM $U WHERE rid = ?', 'pluck').get(rid) as Buffer | undefined;
    if (!tail) throw internalError(`${this.ns}: record ${rid} is missing its out-of-line fields`);
    return { rid, doc: joinTail(decodeStored(split.head), decodeStored(tail)), bytes: split.fullSize };
  }

  /** Record ids from `after` on, in record order (or reversed). */
  scanRids(after: number | null, reverse: boolean, limit: number): number[] {
    if (!reverse)
      return this.sql('ridsF', 'SELECT rid FROM $T WHERE rid > ? ORDER BY rid LIMIT ?', 'pluck').all(after ?? 0, limit) as number[];
    return (
      after === null
        ? this.sql('ridsB0', 'SELECT rid FROM $T ORDER BY rid DESC LIMIT ?', 'pluck').all(limit)
        : this.sql('ridsB', 'SELECT rid FROM $T WHERE rid < ? ORDER BY rid DESC LIMIT ?', 'pluck').all(after, limit)
    ) as number[];
  }

  /** Whether the document is in the cache (no recency update). */
  isCached(rid: number): boolean {
    return this.cache.bytesOf(this.cacheKey(rid)) !== undefined;
  }

  /** Documents by record id from `after` on, in record order (or reversed), with their BSON. */
  scanRecords(after: number | null, reverse: boolean, limit: number): { rid: number; doc: Buffer }[] {
    let rows: { rid: number; doc: Buffer }[];
    if (!reverse) {
      rows = this.sql('scanF', 'SELECT rid, doc FROM $T WHERE rid > ? ORDER BY rid LIMIT ?').all(after ?? 0, limit) as typeof rows;
    } else {
      rows = (
        after === null
          ? this.sql('scanB0', 'SELECT rid, doc FROM $T ORDER BY rid DESC LIMIT ?').all(limit)
          : this.sql('scanB', 'SELECT rid, doc FROM $T WHERE rid < ? ORDER BY rid DESC LIMIT ?').all(after, limit)
      ) as typeof rows;
    }
    this.store.docsRead += rows.length;
    return rows;
  }

  /** A scanned record's document: the cached one, else decoded (and cached only into free space). */
  docOfRecord(rid: number, blob: Buffer): Document {
    return this.recordOf(rid, blob).doc;
  }

  /** docOfRecord with the record id and the document's BSON size. */
  recordOf(rid: number, blob: Buffer): Rec {
    const key = this.cacheKey(rid);
    const hit = this.cache.get(key);
    if (hit) return { rid, doc: hit, bytes: this.cache.bytesOf(key)! };
    const rec = this.decodeRow(rid, blob);
    this.cache.setIfRoom(key, rec.doc, rec.bytes);
    return rec;
  }

  /** The record id of the document with this `_id`. */
  ridOfId(id: unknown): number | undefined {
    return this.idIndex.ridOfKey(encodeKey(id));
  }

  dupError(ix: SqlIndex, key: IndexKey): DuplicateKeyError {
    const keyPattern: Document = {};
    const keyValue: Document = {};
    ix.fields.forEach((f, i) => {
      keyPattern[f.path] = ix.spec.key[f.path];
      const v = key.values[i];
      keyValue[f.path] = typeof v === 'symbol' ? undefined : v;
    });
    return new DuplicateKeyError(this.ns, ix.name, keyPattern, keyValue);
  }

  /**
   * Keys of `doc` in `ix`; `multi` collects, per index, the key fields (bit mask) through
   * which an array was expanded where the index had not met one before.
   */
  private keysOf(ix: SqlIndex, doc: Document, multi: Map<SqlIndex, number>): IndexKey[] | null {
    const flag = { value: false, paths: 0 };
    const keys = ix.keysFor(doc, flag);
    if (flag.value && keys && !(ix.multikey.value && (ix.multikey.paths & flag.paths) === flag.paths)) {
      multi.set(ix, (multi.get(ix) ?? 0) | flag.paths);
    }
    return keys;
  }

  /** Persists the multikey flag and paths of indexes that just met new arrays (after all checks). */
  private markMultikey(multi: Map<SqlIndex, number>, txn: WriteTxn): void {
    for (const [ix, paths] of multi) {
      const before = { ...ix.multikey };
      ix.multikey.paths = before.value ? before.paths | paths : paths;
      ix.multikey.value = true;
      txn.record(() => Object.assign(ix.multikey, before));
      this.store
        .stmt('catalog:multikey', 'UPDATE catalog_indexes SET multikey = 1, multikey_paths = ? WHERE id = ?')
        .run(ix.multikey.paths, ix.id);
    }
  }

  /** If the write is undone, the text index's cached rows of the document may be stale. */
  private forgetTextOnUndo(rid: number, txn: WriteTxn): void {
    const text = this.text;
    if (text) txn.record(() => text.forget(rid));
  }

  private counts(dDocs: number, dBytes: number, txn: WriteTxn): void {
    this.count += dDocs;
    this.dataBytes += dBytes;
    this.countsDirty = true;
    txn.record(() => {
      this.count -= dDocs;
      this.dataBytes -= dBytes;
    });
  }

  insert(doc: Document, bytes: Buffer, txn: WriteTxn): number {
    const rid = this.nextRid;
    const idKeys = this.idIndex.keysFor(doc)!;
    if (this.idIndex.ridOfKey(idKeys[0].enc) !== undefined) {
      throw new DuplicateKeyError(this.ns, '_id_', { _id: 1 }, { _id: doc._id });
    }
    const multi = new Map<SqlIndex, number>();
    const keysets = this.indexes.map((ix) => this.keysOf(ix, doc, multi));
    this.indexes.forEach((ix, i) => {
      const keys = keysets[i];
      if (keys) {
        const c = ix.conflict(keys, rid);
        if (c) throw this.dupError(ix, c);
      }
    });
    this.text?.validate(doc);
    this.markMultikey(multi, txn);
    this.nextRid++;
    const rows = rowsOf(doc, bytes);
    this.sql('ins', 'INSERT INTO $T (rid, doc) VALUES (?, ?)').run(rid, rows.head);
    if (rows.tail) this.putTail(rid, rows.tail, txn);
    this.idIndex.add(rid, idKeys, txn);
    this.indexes.forEach((ix, i) => keysets[i] && ix.add(rid, keysets[i]!, txn));
    this.text?.insert(rid, doc);
    this.forgetTextOnUndo(rid, txn);
    this.counts(1, bytes.length, txn);
    const key = this.cacheKey(rid);
    this.cache.setIfRoom(key, doc, bytes.length); // a bulk load does not flush the cache
    txn.touch(key);
    return rid;
  }

  /**
   * Replaces a stored document. `bytes`: the new version's BSON, or a function that makes it
   * (serializeDoc), called only when needed: an update that leaves a split record's
   * out-of-line fields alone never serializes them. Throws 10334 past the 16 MiB limit.
   */
  replace(rid: number, oldDoc: Document, newDoc: Document, bytes: Buffer | (() => Buffer), txn: WriteTxn): void {
    const changes: { ix: SqlIndex; oldKeys: IndexKey[] | null; newKeys: IndexKey[] | null }[] = [];
    const multi = new Map<SqlIndex, number>();
    for (const ix of this.indexes) {
      const oldKeys = ix.keysFor(oldDoc);
      const newKeys = this.keysOf(ix, newDoc, multi);
      if (sameKeys(oldKeys, newKeys)) continue;
      if (newKeys) {
        const c = ix.conflict(newKeys, rid);
        if (c) throw this.dupError(ix, c);
      }
      changes.push({ ix, oldKeys, newKeys });
    }
    const reindexText = this.text !== null && !this.text.sameText(oldDoc, newDoc);
    if (reindexText) this.text!.validate(newDoc);
    const oldSize = this.sizeOf(rid);
    const row = this.planRow(rid, oldDoc, oldSize, newDoc, bytes); // may refuse (16 MiB): before any write
    this.markMultikey(multi, txn);
    const newSize = this.writeRow(rid, row, txn);
    for (const { ix, oldKeys, newKeys } of changes) {
      if (oldKeys) ix.remove(rid, oldKeys, txn);
      if (newKeys) ix.add(rid, newKeys, txn);
    }
    if (reindexText) {
      this.text!.remove(rid);
      this.text!.insert(rid, newDoc);
      this.forgetTextOnUndo(rid, txn);
    }
    this.counts(0, newSize - oldSize, txn);
    const key = this.cacheKey(rid);
    this.cache.set(key, newDoc, newSize);
    txn.touch(key);
  }

  /**
   * How the new version of a replaced document is stored; throws 10334 past 16 MiB.
   * - The stored row is split, the update left every out-of-line field as it was (same
   *   values, by identity: cached documents are never mutated), and the result still
   *   qualifies as split the same way: only the head is rewritten, and the new size is the
   *   old one plus the head's growth; the moved fields are never serialized.
   * - Otherwise the whole new version is serialized and stored whole or split anew.
   */
  private planRow(rid: number, oldDoc: Document, oldSize: number, newDoc: Document, bytes: Buffer | (() => Buffer)): RowPlan {
    const stored = oldSize >= SPLIT_DOC_MIN ? this.storedHead(rid) : null;
    if (stored && stored.names.every((k) => Object.prototype.hasOwnProperty.call(newDoc, k) && oldDoc[k] === newDoc[k])) {
      const head = encodeHead(newDoc, stored.names, 0);
      const size = oldSize + (headBsonLength(head) - stored.head.length);
      if (size > MAX_BSON_SIZE) throw mongoError(10334, `object to insert too large. size in bytes: ${size}, max size: ${MAX_BSON_SIZE}`);
      if (size >= SPLIT_DOC_MIN && !headOutgrown(newDoc, stored.names))
        return { head: setFullSize(head, size), tail: 'keep', size, wasSplit: true };
    }
    const full = typeof bytes === 'function' ? bytes() : bytes;
    return { ...rowsOf(newDoc, full), size: full.length, wasSplit: !!stored };
  }

  /** Writes a planned row; returns the document's BSON size. */
  private writeRow(rid: number, plan: RowPlan, txn: WriteTxn): number {
    this.sql('upd', 'UPDATE $T SET doc = ? WHERE rid = ?').run(plan.head, rid);
    if (plan.tail === null && plan.wasSplit) this.sql('tailDel', 'DELETE FROM $U WHERE rid = ?').run(rid);
    else if (plan.tail instanceof Buffer) this.putTail(rid, plan.tail, txn);
    return plan.size;
  }

  /** Stores a record's out-of-line fields (creating their table on first need). */
  private putTail(rid: number, tail: Buffer, txn: WriteTxn): void {
    this.ensureTailTable(txn);
    this.sql('tailPut', 'INSERT OR REPLACE INTO $U (rid, tail) VALUES (?, ?)').run(rid, tail);
  }

  /** The head of a stored split row, or null when the row is stored whole. */
  private storedHead(rid: number): SplitHead | null {
    const blob = this.sql('get', 'SELECT doc FROM $T WHERE rid = ?', 'pluck').get(rid) as Buffer | undefined;
    return blob ? parseHead(blob) : null;
  }

  delete(rid: number, doc: Document, txn: WriteTxn): void {
    const size = this.sizeOf(rid);
    if (size >= SPLIT_DOC_MIN && this.storedHead(rid)) this.sql('tailDel', 'DELETE FROM $U WHERE rid = ?').run(rid);
    this.sql('del', 'DELETE FROM $T WHERE rid = ?').run(rid);
    this.idIndex.remove(rid, this.idIndex.keysFor(doc)!, txn);
    for (const ix of this.indexes) {
      const keys = ix.keysFor(doc);
      if (keys) ix.remove(rid, keys, txn);
    }
    this.text?.remove(rid);
    this.forgetTextOnUndo(rid, txn);
    this.counts(-1, -size, txn);
    const key = this.cacheKey(rid);
    this.cache.delete(key);
    txn.touch(key);
  }

  /** The stored document's BSON size (a split row records it in its head). */
  private sizeOf(rid: number): number {
    const cached = this.cache.bytesOf(this.cacheKey(rid));
    if (cached !== undefined) return cached;
    const row = this.sql('len', 'SELECT length(doc), substr(doc, 1, 8) FROM $T WHERE rid = ?', 'raw').get(rid) as
      [number, Buffer] | undefined;
    return row ? storedSize(row[0], row[1]) : 0;
  }

  /**
   * Adds the documents after record `after` (at most `limit`, in record order) to `ix`.
   * Returns the last record id indexed, or null when there was none left. Throws on a
   * duplicate for a unique index or on parallel arrays (the caller undoes the build).
   */
  indexRecords(ix: SqlIndex, after: number | null, limit: number, txn: WriteTxn): number | null {
    const rows = this.scanRecords(after, false, limit);
    for (const r of rows) {
      const multi = new Map<SqlIndex, number>();
      const keys = this.keysOf(ix, this.docOfRecord(r.rid, r.doc), multi);
      if (!keys) continue;
      const c = ix.conflict(keys, r.rid);
      if (c) throw this.dupError(ix, c);
      this.markMultikey(multi, txn);
      ix.add(r.rid, keys, txn);
    }
    return rows.length ? rows[rows.length - 1].rid : null;
  }

  /** Adds the documents after record `after` to a text index (see indexRecords). */
  textRecords(tx: SqlTextIndex, after: number | null, limit: number): number | null {
    const rows = this.scanRecords(after, false, limit);
    for (const r of rows) tx.insert(r.rid, this.docOfRecord(r.rid, r.doc));
    return rows.length ? rows[rows.length - 1].rid : null;
  }

  /** Builds a new index over every existing document, in the caller's transaction. */
  buildIndex(ix: SqlIndex, txn: WriteTxn): void {
    for (let after = this.indexRecords(ix, null, 1000, txn); after !== null;) after = this.indexRecords(ix, after, 1000, txn);
  }

  /** Builds a new text index over every existing document, in the caller's transaction. */
  buildText(tx: SqlTextIndex): void {
    for (let after = this.textRecords(tx, null, 500); after !== null;) after = this.textRecords(tx, after, 500);
  }
}

export { UUID };
