/**
 * One-time migration of a format-1 data directory (the engine that kept everything in
 * memory: tables `collections(ns, options)`, `indexes(ns, name, spec)` and `documents(ns,
 * id_key, doc)`, indexes rebuilt at every start) to format 2 (sqlite-store.ts). It runs inside
 * the same SQLite file, in steps that each commit their work together with their progress
 * marker (meta `migration.*`), so a crash at any point leaves a file that the next start
 * resumes from the last committed step; the old tables are dropped only by the last step.
 *
 *   1. catalog: a catalog row, a documents table and an `_id` index per collection, and the
 *      catalog rows and (empty) tables of its indexes;
 *   2. copy: documents in their original order, in batches, with the `_id` index;
 *   3. indexes: each declared index (text indexes too) built over the copied documents, in
 *      batches; an index the data cannot hold (which format 1 skipped at load with a
 *      warning) is dropped with the same warning;
 *   4. finish: the old tables dropped, meta.format = STORAGE_FORMAT (sqlite-store.ts).
 */
import { UUID, type Document } from 'bson';
import { Collection, decodeStored } from './collection';
import { deserializeStored, serializeDoc } from './codec';
import type { DocCache } from './doc-cache';
import { ID_INDEX_SPEC, SqlIndex, isTextSpec } from './indexes';
import { STORAGE_FORMAT, type SqliteStore } from './sqlite-store';
import { SqlTextIndex } from './text-store';
import { WriteTxn } from './write-txn';

interface Logger {
  info(...a: unknown[]): void;
  warn(...a: unknown[]): void;
}

export interface MigrationOptions {
  /** documents (or records indexed) per committed step; default 2000 */
  batch?: number;
  /** minimum time between two progress log lines; default 2000 ms */
  progressEveryMs?: number;
}

/** True when the file holds format-1 tables that were not migrated yet. */
export function needsMigration(store: SqliteStore): boolean {
  return store.getMeta('format') === undefined && store.tableExists('documents');
}

export function migrateIfNeeded(store: SqliteStore, cache: DocCache, logger: Logger, opts: MigrationOptions = {}): void {
  if (!needsMigration(store)) return;
  const batch = opts.batch ?? 2000;
  const every = opts.progressEveryMs ?? 2000;
  const started = Date.now();
  const total = store.db.prepare('SELECT count(*) FROM documents').pluck().get() as number;
  logger.info(
    { documents: total, resuming: store.getMeta('migration.phase') !== undefined },
    'embedded engine: migrating data to format 2',
  );
  const step = <T>(fn: () => T): T => {
    store.begin();
    try {
      const r = fn();
      store.commit(true);
      return r;
    } catch (e) {
      store.rollback();
      throw e;
    }
  };
  if (store.getMeta('migration.phase') === undefined) step(() => createCatalog(store));
  const colls = openCollections(store, cache);
  if (store.getMeta('migration.phase') === 'copy') copyDocuments(store, cache, colls, total, batch, every, logger, step);
  buildIndexes(store, cache, colls, batch, every, logger, step);
  step(() => {
    store.db.exec('DROP TABLE documents; DROP TABLE IF EXISTS collections; DROP TABLE IF EXISTS indexes;');
    for (const k of store.db.prepare("SELECT key FROM meta WHERE key LIKE 'migration.%'").pluck().all() as string[]) store.deleteMeta(k);
    store.setMeta('format', STORAGE_FORMAT);
  });
  logger.info({ documents: total, ms: Date.now() - started }, 'embedded engine: migration to format 2 done');
}

function createCatalog(store: SqliteStore): void {
  const options = new Map<string, Buffer>();
  if (store.tableExists('collections')) {
    for (const r of store.db.prepare('SELECT ns, options FROM collections').all() as { ns: string; options: Buffer }[]) {
      options.set(r.ns, r.options);
    }
  }
  const specs: { ns: string; spec: Buffer }[] = store.tableExists('indexes')
    ? (store.db.prepare('SELECT ns, spec FROM indexes ORDER BY rowid').all() as { ns: string; spec: Buffer }[])
    : [];
  const names = new Set<string>([...options.keys(), ...specs.map((s) => s.ns)]);
  for (const ns of store.db.prepare('SELECT DISTINCT ns FROM documents').pluck().all() as string[]) names.add(ns);
  const ids = new Map<string, number>();
  for (const ns of [...names].sort()) {
    const r = store.db
      .prepare('INSERT INTO catalog_collections (ns, options, uuid) VALUES (?, ?, ?)')
      .run(ns, options.get(ns) ?? serializeDoc({}), Buffer.from(new UUID().buffer));
    const id = Number(r.lastInsertRowid);
    ids.set(ns, id);
    store.db.exec(`CREATE TABLE c${id} (rid INTEGER PRIMARY KEY, doc BLOB NOT NULL)`);
    addIndex(store, id, serializeDoc(ID_INDEX_SPEC));
  }
  for (const { ns, spec } of specs) {
    if ((deserializeStored(spec).name as string) !== ID_INDEX_SPEC.name) addIndex(store, ids.get(ns)!, spec);
  }
  store.setMeta('migration.phase', 'copy');
  store.setMeta('migration.copied', 0);
}

function addIndex(store: SqliteStore, collId: number, specBytes: Buffer): void {
  const spec = deserializeStored(specBytes);
  const r = store.db.prepare('INSERT INTO catalog_indexes (coll_id, name, spec) VALUES (?, ?, ?)').run(collId, spec.name, specBytes);
  const id = Number(r.lastInsertRowid);
  if (isTextSpec(spec as never)) new SqlTextIndex(store, id, spec as never).createTables();
  else new SqlIndex(store, id, spec as never, false).createTable();
  store.setMeta(`migration.index.${id}`, 0);
}

interface Migrating {
  coll: Collection;
  /** declared indexes still to build: catalog id, spec */
  pending: { id: number; spec: Document }[];
}

function openCollections(store: SqliteStore, cache: DocCache): Map<string, Migrating> {
  const out = new Map<string, Migrating>();
  const byId = new Map<number, Migrating>();
  for (const row of store.collections()) {
    const dot = row.ns.indexOf('.');
    const coll = new Collection(store, cache, row.id, row.ns.slice(0, dot), row.ns.slice(dot + 1), {}, new UUID(row.uuid), {
      docs: row.doc_count,
      bytes: row.data_bytes,
    });
    coll.loadNextRid();
    const m = { coll, pending: [] };
    out.set(row.ns, m);
    byId.set(row.id, m);
  }
  for (const row of store.indexes()) {
    const m = byId.get(row.coll_id)!;
    if (row.name === ID_INDEX_SPEC.name) m.coll.idIndex = new SqlIndex(store, row.id, ID_INDEX_SPEC, false, true);
    else if (store.getMeta(`migration.index.${row.id}`) !== undefined) m.pending.push({ id: row.id, spec: deserializeStored(row.spec) });
  }
  return out;
}

function copyDocuments(
  store: SqliteStore,
  cache: DocCache,
  colls: Map<string, Migrating>,
  total: number,
  batch: number,
  every: number,
  logger: Logger,
  step: (fn: () => void) => void,
): void {
  let after = Number(store.getMeta('migration.copied') ?? 0);
  let done = store.db.prepare('SELECT count(*) FROM documents WHERE rowid <= ?').pluck().get(after) as number;
  const read = store.db.prepare('SELECT rowid, ns, doc FROM documents WHERE rowid > ? ORDER BY rowid LIMIT ?');
  let logged = Date.now();
  for (;;) {
    const rows = read.all(after, batch) as { rowid: number; ns: string; doc: Buffer }[];
    if (!rows.length) break;
    step(() => {
      const txn = new WriteTxn(store, cache);
      for (const r of rows) {
        const c = colls.get(r.ns)!.coll;
        c.insert(decodeStored(r.doc), r.doc, txn);
      }
      writeCounts(store, colls);
      after = rows[rows.length - 1].rowid;
      store.setMeta('migration.copied', after);
    });
    done += rows.length;
    if (Date.now() - logged >= every || done === total) {
      logged = Date.now();
      logger.info({ phase: 'copy', done, total }, 'embedded engine: migration progress');
    }
  }
  step(() => store.setMeta('migration.phase', 'index'));
}

function writeCounts(store: SqliteStore, colls: Map<string, Migrating>): void {
  const st = store.stmt('catalog:counts', 'UPDATE catalog_collections SET doc_count = ?, data_bytes = ? WHERE id = ?');
  for (const { coll } of colls.values()) if (coll.countsDirty) st.run(coll.count, coll.dataBytes, coll.id);
}

function buildIndexes(
  store: SqliteStore,
  cache: DocCache,
  colls: Map<string, Migrating>,
  batch: number,
  every: number,
  logger: Logger,
  step: (fn: () => void) => void,
): void {
  for (const { coll, pending } of colls.values()) {
    for (const { id, spec } of pending) {
      const key = `migration.index.${id}`;
      const text = isTextSpec(spec as never);
      const ix = text ? new SqlTextIndex(store, id, spec as never) : new SqlIndex(store, id, spec as never, false);
      let after: number | null = Number(store.getMeta(key));
      let logged = Date.now();
      try {
        while (after !== null) {
          step(() => {
            const txn = new WriteTxn(store, cache);
            const last =
              ix instanceof SqlTextIndex ? coll.textRecords(ix, after || null, batch) : coll.indexRecords(ix, after || null, batch, txn);
            if (last === null) store.deleteMeta(key);
            else store.setMeta(key, last);
            after = last;
          });
          if (Date.now() - logged >= every) {
            logged = Date.now();
            logger.info({ phase: 'index', ns: coll.ns, index: spec.name, upToRecord: after }, 'embedded engine: migration progress');
          }
        }
      } catch (e) {
        logger.warn({ ns: coll.ns, index: spec.name, err: String(e) }, 'embedded engine: index could not be rebuilt, skipped');
        step(() => {
          if (ix instanceof SqlTextIndex) ix.dropTables();
          else ix.dropTable();
          store.db.prepare('DELETE FROM catalog_indexes WHERE id = ?').run(id);
          store.deleteMeta(key);
        });
      }
    }
  }
}
