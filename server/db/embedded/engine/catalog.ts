/**
 * The catalog: databases and their collections, the commit path every write goes through
 * (memory first with an undo log, then one SQLite transaction; undo on failure), and the
 * start-up load that rebuilds the in-memory indexes from disk.
 */
import { UUID, type Document } from 'bson';
import { idKeyOf } from './bson-order';
import { Collection } from './collection';
import { MongoCommandError, internalError } from './errors';
import { BTreeIndex, isTextSpec, makeTextIndex } from './indexes';
import type { SqliteStore } from './sqlite-store';
import { WriteTxn } from './write-txn';

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

export class Catalog {
  readonly dbs = new Map<string, Map<string, Collection>>();
  readonly uuids = new WeakMap<Collection, UUID>();

  constructor(
    readonly store: SqliteStore | null,
    readonly logger: Logger,
  ) {}

  get(db: string, coll: string): Collection | undefined {
    return this.dbs.get(db)?.get(coll);
  }

  uuidOf(c: Collection): UUID {
    let u = this.uuids.get(c);
    if (!u) {
      u = new UUID();
      this.uuids.set(c, u);
    }
    return u;
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

  /** Creates the collection inside `txn` (undone if the command fails). */
  create(db: string, coll: string, options: Document, txn: WriteTxn): Collection {
    validateDbName(db);
    validateCollName(db, coll);
    const c = new Collection(db, coll, options);
    this.attach(c);
    txn.record(() => this.detach(c), { kind: 'createColl', ns: c.ns, options });
    return c;
  }

  /** The collection, created implicitly on first write. */
  ensure(db: string, coll: string, txn: WriteTxn): { coll: Collection; created: boolean } {
    const c = this.get(db, coll);
    if (c) return { coll: c, created: false };
    return { coll: this.create(db, coll, {}, txn), created: true };
  }

  drop(c: Collection, txn: WriteTxn): void {
    this.detach(c);
    txn.record(() => this.attach(c), { kind: 'dropColl', ns: c.ns });
  }

  /**
   * Runs one write command: `fn` mutates memory through `txn`; then its ops are committed to
   * SQLite in one transaction. Any throw undoes the in-memory changes.
   */
  write<T>(durable: boolean | undefined, fn: (txn: WriteTxn) => T): T {
    // A write outside a group must not land on top of uncommitted group writes (their undo
    // steps assume they are the newest): commit the group first (see commitDeferred).
    if (!this.deferring && this.deferred.length) this.settleDeferred();
    const txn = new WriteTxn(!!durable);
    let result: T;
    try {
      result = fn(txn);
    } catch (e) {
      txn.rollbackAll();
      throw e;
    }
    if (this.deferring) {
      if (!txn.empty) this.deferred.push(txn);
      return result;
    }
    if (this.store && txn.ops.length) {
      try {
        this.store.commit(txn.ops, !!durable);
      } catch (e) {
        txn.rollbackAll();
        const msg = e instanceof Error ? e.message : String(e);
        this.logger.warn({ err: msg }, 'embedded engine: storage commit failed, write undone');
        throw internalError(`storage write failed, nothing was written: ${msg}`);
      }
    }
    return result;
  }

  // ---- group commit ----------------------------------------------------------------------
  // The wire server runs the write commands that arrive in one event-loop turn inside
  // deferCommits(): each applies in memory at once (later commands of the group see it),
  // its storage ops wait; commitDeferred() then writes all of them in ONE SQLite transaction
  // before any of those commands is acknowledged. If that commit fails, every write of the
  // group is undone in memory, newest first, and all of them fail. Nothing else may run
  // between (the server commits the group before any other command), except a write
  // outside the group, which commits the group first (settleDeferred).
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
    const err = this.deferredError;
    this.deferredError = null;
    if (err) throw err;
  }

  private settleDeferred(): void {
    const txns = this.deferred;
    this.deferred = [];
    if (!this.store) return;
    const ops = txns.flatMap((t) => t.ops);
    if (!ops.length) return;
    try {
      this.store.commit(
        ops,
        txns.some((t) => t.durable),
      );
    } catch (e) {
      for (let i = txns.length - 1; i >= 0; i--) txns[i].rollbackAll();
      const msg = e instanceof Error ? e.message : String(e);
      this.logger.warn({ err: msg, writes: txns.length }, 'embedded engine: storage commit of a write group failed, all undone');
      this.deferredError ??= internalError(`storage write failed, nothing was written: ${msg}`);
    }
  }

  /** Rebuild memory from SQLite at start-up. */
  load(): void {
    if (!this.store) return;
    const started = Date.now();
    let docs = 0;
    const loaded = this.store.load();
    const readMs = Date.now() - started;
    for (const lc of loaded) {
      const dot = lc.ns.indexOf('.');
      const c = new Collection(lc.ns.slice(0, dot), lc.ns.slice(dot + 1), lc.options);
      for (let i = 0; i < lc.docs.length; i++) {
        const doc = lc.docs[i];
        const idKey = idKeyOf(doc._id);
        const bytes = lc.sizes[i];
        c.docs.set(idKey, doc);
        c.sizes.set(idKey, bytes);
        c.dataBytes += bytes;
      }
      c.buildIndex(c.idTree);
      docs += lc.docs.length;
      for (const spec of lc.indexes) {
        try {
          if (isTextSpec(spec as never)) {
            const t = makeTextIndex(spec as never);
            c.buildText(t);
            c.text = t;
          } else {
            const ix = new BTreeIndex(spec as never);
            c.buildIndex(ix);
            c.indexes.push(ix);
          }
          c.noteCreated(spec.name as string);
        } catch (e) {
          this.logger.warn({ ns: lc.ns, index: spec.name, err: String(e) }, 'embedded engine: index could not be rebuilt, skipped');
        }
      }
      this.attach(c);
    }
    this.logger.info({ docs, ms: Date.now() - started, readMs }, 'embedded engine: data loaded');
  }
}
