/**
 * The catalog: databases and their collections (loaded from the catalog tables at start-up:
 * names, options, index specs, counts; never the documents), collection create/drop, and
 * the write path every command goes through.
 *
 * Write path: SQLite is the state. A write command runs inside the open transaction under
 * a savepoint; a command that throws is rolled back to its savepoint (and its in-memory side
 * undone, see write-txn.ts). Outside a group the transaction commits at once; the command is
 * acknowledged only after COMMIT returned. Group commit (deferCommits / commitDeferred):
 * commands of one event-loop turn share the transaction, which commits once at the end of
 * the turn; if that COMMIT fails, SQLite rolls all of them back and their in-memory side is
 * undone, newest first.
 */
import { UUID, type Document } from 'bson';
import { Collection } from './collection';
import { deserializeStored, serializeDoc } from './codec';
import type { DocCache } from './doc-cache';
import { MongoCommandError, internalError } from './errors';
import { ID_INDEX_SPEC, SqlIndex, isTextSpec } from './indexes';
import { migrateIfNeeded, type MigrationOptions } from './migrate';
import { STORAGE_FORMAT, type SqliteStore } from './sqlite-store';
import { SqlTextIndex } from './text-store';
import { WriteTxn } from './write-txn';

/** MongoDB's limit for the documents a blocking sort holds without allowDiskUse. */
export const SORT_MEMORY_LIMIT = 100 * 1024 * 1024;

export interface Logger {
  info(...a: unknown[]): void;
  warn(...a: unknown[]): void;
}

const invalidNs = (msg: string) => new MongoCommandError(73, 'InvalidNamespace', msg);

export function validateDbName(db: string): void {
  if (typeof db !== 'string' || db.length === 0) throw invalidNs('database name cannot be empty');
  if (db.length >= 64) throw invalidNs(`db name '${db}' is too long`);
  if (/[/\\. "$\0]/.test(db)) throw invalidNs(`Invalid database name: '${db}'`);
}

export { serializeDoc } from './codec';

export function validateCollName(db: string, coll: string): void {
  if (typeof coll !== 'string' || coll.length === 0) throw invalidNs(`Invalid namespace specified '${db}.'`);
  if (coll.includes('\0') || coll.includes('$') || coll.startsWith('.')) {
    throw invalidNs(`Invalid collection name: '${coll}'`);
  }
}

/** A storage failure: nothing of the command was written. */
function storageError(e: unknown): MongoCommandError {
  if (e instanceof MongoCommandError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return internalError(`storage write failed, nothing was written: ${msg}`);
}

export class Catalog {
  readonly dbs = new Map<string, Map<string, Collection>>();
  /** Advances with every write command: open index scans re-read after it changes. */
  epoch = 0;
  /** The documents a sort no index serves may hold without allowDiskUse (MongoDB: 100 MB). */
  sortMemoryLimit = SORT_MEMORY_LIMIT;

  constructor(
    readonly store: SqliteStore,
    readonly cache: DocCache,
    readonly logger: Logger,
  ) {}

  get(db: string, coll: string): Collection | undefined {
    return this.dbs.get(db)?.get(coll);
  }

  uuidOf(c: Collection): UUID {
    return c.uuid;
  }

  private attach(c: Collection): void {
    let m = this.dbs.get(c.db);
    if (!m) {
      m = new Map();
      this.dbs.set(c.db, m);
    }
    m.set(c.name, c);
  }

  private detach(c: Collection): void {
    const m = this.dbs.get(c.db);
    if (!m) return;
    m.delete(c.name);
    if (m.size === 0) this.dbs.delete(c.db);
  }

  /** Opens the catalog: migrates a format-1 data directory first, then reads the catalog tables. */
  open(migration?: MigrationOptions): void {
    const started = Date.now();
    migrateIfNeeded(this.store, this.cache, this.logger, migration);
    const format = Number(this.store.getMeta('format') ?? 0);
    if (format > STORAGE_FORMAT) {
      throw new Error(
        `this data directory holds storage format ${format}, written by a newer version; this version reads formats up to ${STORAGE_FORMAT}. Run the newer version (its \`npm run forum -- export <dir>\` moves the data to any version's \`import\`).`,
      );
    }
    if (format < STORAGE_FORMAT) this.store.setMeta('format', STORAGE_FORMAT);
    const byId = new Map<number, Collection>();
    for (const row of this.store.collections()) {
      const dot = row.ns.indexOf('.');
      const c = new Collection(
        this.store,
        this.cache,
        row.id,
        row.ns.slice(0, dot),
        row.ns.slice(dot + 1),
        deserializeStored(row.options),
        new UUID(row.uuid),
        { docs: row.doc_count, bytes: row.data_bytes },
      );
      c.loadNextRid();
      byId.set(row.id, c);
    }
    for (const row of this.store.indexes()) {
      const c = byId.get(row.coll_id);
      if (!c) continue;
      const spec = deserializeStored(row.spec) as never;
      if (row.name === ID_INDEX_SPEC.name) c.idIndex = new SqlIndex(this.store, row.id, ID_INDEX_SPEC, false, true);
      else if (isTextSpec(spec)) c.text = new SqlTextIndex(this.store, row.id, spec);
      else c.indexes.push(new SqlIndex(this.store, row.id, spec, row.multikey === 1, false, row.multikey_paths));
    }
    let docs = 0;
    for (const c of byId.values()) {
      this.attach(c);
      docs += c.count;
    }
    this.logger.info({ collections: byId.size, docs, ms: Date.now() - started }, 'embedded engine: storage opened');
  }

  /** Adds an index's catalog row; returns its id (the index's table is `x<id>` / `t<id>`). */
  addIndexRow(c: Collection, spec: Document): number {
    const r = this.store
      .stmt('catalog:addIndex', 'INSERT INTO catalog_indexes (coll_id, name, spec) VALUES (?, ?, ?)')
      .run(c.id, spec.name, serializeDoc(spec));
    return Number(r.lastInsertRowid);
  }

  removeIndexRow(id: number): void {
    this.store.stmt('catalog:dropIndex', 'DELETE FROM catalog_indexes WHERE id = ?').run(id);
  }

  /** Creates the collection inside `txn` (undone if the command fails). */
  create(db: string, coll: string, options: Document, txn: WriteTxn): Collection {
    validateDbName(db);
    validateCollName(db, coll);
    const uuid = new UUID();
    const r = this.store
      .stmt('catalog:addColl', 'INSERT INTO catalog_collections (ns, options, uuid) VALUES (?, ?, ?)')
      .run(`${db}.${coll}`, serializeDoc(options), Buffer.from(uuid.buffer));
    const c = new Collection(this.store, this.cache, Number(r.lastInsertRowid), db, coll, options, uuid);
    c.createTable();
    const idId = this.addIndexRow(c, ID_INDEX_SPEC);
    c.idIndex = new SqlIndex(this.store, idId, ID_INDEX_SPEC, false, true);
    c.idIndex.createTable();
    this.attach(c);
    txn.record(() => this.detach(c));
    return c;
  }

  /** The collection, created implicitly on first write. */
  ensure(db: string, coll: string, txn: WriteTxn): { coll: Collection; created: boolean } {
    const c = this.get(db, coll);
    if (c) return { coll: c, created: false };
    return { coll: this.create(db, coll, {}, txn), created: true };
  }

  drop(c: Collection, txn: WriteTxn): void {
    c.dropTables();
    this.store.stmt('catalog:dropColl', 'DELETE FROM catalog_collections WHERE id = ?').run(c.id);
    this.store.stmt('catalog:dropCollIndexes', 'DELETE FROM catalog_indexes WHERE coll_id = ?').run(c.id);
    this.detach(c);
    c.dropped = true;
    txn.record(() => {
      c.dropped = false;
      this.attach(c);
    });
  }

  /** Writes the document counts of collections whose counts changed, just before COMMIT. */
  private writeCounts(): void {
    const st = this.store.stmt('catalog:counts', 'UPDATE catalog_collections SET doc_count = ?, data_bytes = ? WHERE id = ?');
    for (const m of this.dbs.values()) {
      for (const c of m.values()) {
        if (!c.countsDirty) continue;
        st.run(c.count, c.dataBytes, c.id);
        c.countsDirty = false;
      }
    }
  }

  /**
   * Runs one write command: `fn` writes through `txn`; SQLite commits (at once, or with the
   * group). Any throw rolls the command back, in SQLite and in memory.
   */
  write<T>(durable: boolean | undefined, fn: (txn: WriteTxn) => T): T {
    // A write outside a group must not land on top of uncommitted group writes: commit the
    // group first (see commitDeferred).
    if (!this.deferring && this.deferred.length) this.settleDeferred();
    const txn = new WriteTxn(this.store, this.cache, !!durable);
    this.epoch++;
    let result: T;
    try {
      this.store.begin();
      this.store.savepoint();
    } catch (e) {
      throw storageError(e);
    }
    try {
      result = fn(txn);
      this.store.release();
    } catch (e) {
      try {
        this.store.rollbackToSavepoint();
      } catch {
        this.store.rollback(); // SQLite gave the transaction up: undo the whole group
        this.failGroup();
      }
      txn.undoMemory();
      if (!this.deferring) this.store.rollback();
      throw e instanceof MongoCommandError ? e : storageError(e);
    }
    if (this.deferring) {
      this.deferred.push(txn);
      return result;
    }
    try {
      this.writeCounts();
      this.store.commit(!!durable);
    } catch (e) {
      this.store.rollback();
      txn.undoMemory();
      const msg = e instanceof Error ? e.message : String(e);
      this.logger.warn({ err: msg }, 'embedded engine: storage commit failed, write undone');
      throw storageError(e);
    }
    return result;
  }

  // ---- group commit ----------------------------------------------------------------------
  // The wire server runs the write commands that arrive in one event-loop turn inside
  // deferCommits(): each writes into the shared transaction at once (later commands of the
  // group see it); commitDeferred() then commits that transaction before any of those
  // commands is acknowledged. If the commit fails, every write of the group is rolled back
  // and all of them fail. Nothing else may run between (the server commits the group before
  // any other command), except a write outside the group, which commits the group first.
  private deferring = false;
  private deferred: WriteTxn[] = [];
  private deferredError: Error | null = null;

  deferCommits<T>(fn: () => T): T {
    const was = this.deferring;
    this.deferring = true;
    try {
      return fn();
    } finally {
      this.deferring = was;
    }
  }

  /** Commits the deferred writes in one transaction; on failure undoes them all and throws. */
  commitDeferred(): void {
    if (!this.deferring && this.deferred.length) this.settleDeferred();
    else if (!this.deferring && this.store.inTransaction) this.commitEmptyGroup();
    const err = this.deferredError;
    this.deferredError = null;
    if (err) throw err;
  }

  /** A group whose writes all failed leaves an empty transaction open: end it. */
  private commitEmptyGroup(): void {
    try {
      this.store.commit(false);
    } catch {
      this.store.rollback();
    }
  }

  private settleDeferred(): void {
    const txns = this.deferred;
    this.deferred = [];
    const durable = txns.some((t) => t.durable);
    try {
      this.writeCounts();
      this.store.commit(durable);
    } catch (e) {
      this.store.rollback();
      for (let i = txns.length - 1; i >= 0; i--) txns[i].undoMemory();
      const msg = e instanceof Error ? e.message : String(e);
      this.logger.warn({ err: msg, writes: txns.length }, 'embedded engine: storage commit of a write group failed, all undone');
      this.deferredError ??= storageError(e);
    }
  }

  /** SQLite rolled the whole transaction back under a group: every deferred write is lost. */
  private failGroup(): void {
    const txns = this.deferred;
    this.deferred = [];
    for (let i = txns.length - 1; i >= 0; i--) txns[i].undoMemory();
    if (txns.length) this.deferredError ??= internalError('storage write failed, the write group was rolled back');
  }
}
