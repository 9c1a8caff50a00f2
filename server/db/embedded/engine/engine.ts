/** The Engine implementation: wires the catalog, read/write ops, DDL, stats and TTL. */
import type { Document } from 'bson';
import type {
  AggregateOptions,
  CollectionInfo,
  CountOptions,
  OperationSpec,
  DeleteStatement,
  DocCursor,
  Engine,
  FindAndModifyArgs,
  FindOptions,
  IndexSpec,
  UpdateStatement,
  WriteOptions,
} from '../engine-api';
import { aggregateCursor, checkPipeline } from './aggregate';
import { Catalog, type Logger } from './catalog';
import * as ddl from './ddl';
import type { DocCache } from './doc-cache';
import { ArrayCursor, drain } from './doc-cursor';
import { fieldValues } from './index-keys';
import { ID_INDEX_SPEC } from './indexes';
import { compileFilter } from './mingo-context';
import type { Steps } from './steps';
import { runMerge, runOut, writeStage } from './out-merge';
import { plan } from './planner';
import * as reads from './read-ops';
import type { SqliteStore } from './sqlite-store';
import * as writes from './write-ops';
import type { MigrationOptions } from './migrate';
import { mongoError } from './errors';

/** Estimated bytes per index entry for stats (key string + record id + B-tree overhead). */
const INDEX_ENTRY_BYTES = 48;
/** Expired documents removed per transaction by the TTL sweep. */
const TTL_BATCH = 5000;

export class EmbeddedEngine implements Engine {
  readonly catalog: Catalog;
  private closed = false;

  constructor(
    readonly store: SqliteStore,
    readonly cache: DocCache,
    logger: Logger,
    migration?: MigrationOptions,
  ) {
    this.catalog = new Catalog(store, cache, logger);
    try {
      this.catalog.open(migration);
    } catch (e) {
      store.close();
      throw e;
    }
  }

  private get cat(): Catalog {
    if (this.closed) throw mongoError(1, 'the storage engine is closed');
    return this.catalog;
  }

  listDatabases() {
    return [...this.cat.dbs.keys()].sort().map((name) => ({
      name,
      sizeOnDisk: Math.max(4096, this.dbStats(name).totalSize as number),
      empty: false,
    }));
  }

  dropDatabase(db: string): void {
    ddl.dropDatabase(this.cat, db);
  }

  listCollections(db: string, filter?: Document): CollectionInfo[] {
    const m = this.cat.dbs.get(db);
    if (!m) return [];
    const infos: CollectionInfo[] = [...m.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((c) => ({
        name: c.name,
        type: 'collection',
        options: c.options,
        info: { readOnly: false, uuid: this.cat.uuidOf(c) },
        idIndex: ID_INDEX_SPEC,
      }));
    if (!filter || Object.keys(filter).length === 0) return infos;
    const q = compileFilter(filter);
    return infos.filter((i) => q.test(i as unknown as Document));
  }

  createCollection(db: string, coll: string, options?: Document): void {
    ddl.createCollection(this.cat, db, coll, options);
  }

  dropCollection(db: string, coll: string): void {
    ddl.dropCollection(this.cat, db, coll);
  }

  createIndexes(db: string, coll: string, specs: IndexSpec[]) {
    return ddl.createIndexes(this.cat, db, coll, specs);
  }

  listIndexes(db: string, coll: string): IndexSpec[] {
    return ddl.listIndexes(this.cat, db, coll);
  }

  dropIndexes(db: string, coll: string, index: string | string[] | Document) {
    return ddl.dropIndexes(this.cat, db, coll, index);
  }

  insert(db: string, coll: string, docs: Document[], opts?: WriteOptions) {
    return writes.insert(this.cat, db, coll, docs, opts);
  }

  findCursor(db: string, coll: string, opts: FindOptions): DocCursor {
    return reads.findCursor(this.cat, db, coll, opts ?? {});
  }

  find(db: string, coll: string, opts: FindOptions): Document[] {
    return reads.find(this.cat, db, coll, opts ?? {});
  }

  /** The plan a find would use plus execution counters (tests). */
  explainFind(db: string, coll: string, opts: FindOptions): Document {
    return reads.explain(this.cat, db, coll, opts ?? {});
  }

  /** explain of a find / count / distinct / aggregate command document. */
  explain(db: string, command: Document, verbosity: string): Document {
    return reads.explainCommand(
      this.cat,
      db,
      command,
      verbosity,
      (pl) =>
        this.aggregate(db, typeof command.aggregate === 'string' ? command.aggregate : null, pl, {
          hint: command.hint,
          maxTimeMS: command.maxTimeMS as number | undefined,
          collation: command.collation as Document | undefined,
          let: command.let as Document | undefined,
        }).length,
    );
  }

  update(db: string, coll: string, updates: UpdateStatement[], opts?: WriteOptions) {
    return writes.update(this.cat, db, coll, updates, opts);
  }

  delete(db: string, coll: string, deletes: DeleteStatement[], opts?: WriteOptions) {
    return writes.remove(this.cat, db, coll, deletes, opts);
  }

  findAndModify(db: string, coll: string, args: FindAndModifyArgs) {
    return writes.findAndModify(this.cat, db, coll, args);
  }

  aggregateCursor(db: string, coll: string | null, pipeline: Document[], opts?: AggregateOptions): DocCursor {
    checkPipeline(pipeline);
    const stage = writeStage(pipeline);
    if (!stage) return aggregateCursor(this.cat, db, coll, pipeline, opts);
    const docs = drain(aggregateCursor(this.cat, db, coll, pipeline.slice(0, -1), opts));
    const spec = pipeline[pipeline.length - 1][stage];
    if (stage === '$out') runOut(this, db, spec, docs);
    else runMerge(this, db, spec, docs);
    return new ArrayCursor([]);
  }

  aggregate(db: string, coll: string | null, pipeline: Document[], opts?: AggregateOptions): Document[] {
    return drain(this.aggregateCursor(db, coll, pipeline, opts));
  }

  count(db: string, coll: string, opts: CountOptions): number {
    return reads.count(this.cat, db, coll, opts ?? {});
  }

  countSteps(db: string, coll: string, opts: CountOptions): Steps<number> {
    return reads.countSteps(this.cat, db, coll, opts ?? {});
  }

  distinct(db: string, coll: string, key: string, query?: Document, opts?: OperationSpec): unknown[] {
    return reads.distinct(this.cat, db, coll, key, query, opts);
  }

  collStats(db: string, coll: string): Document {
    const c = this.cat.get(db, coll);
    if (!c) throw mongoError(26, `Collection [${db}.${coll}] not found.`);
    // Estimates from the document count (counting index entries would read whole indexes).
    const indexSizes: Document = { _id_: c.count * INDEX_ENTRY_BYTES };
    let totalIndexSize = indexSizes._id_ as number;
    for (const ix of c.indexes) {
      const s = c.count * INDEX_ENTRY_BYTES;
      indexSizes[ix.name] = s;
      totalIndexSize += s;
    }
    if (c.text) indexSizes[c.text.name] = 0;
    const count = c.count;
    const size = c.dataBytes;
    return {
      ns: c.ns,
      count,
      size,
      avgObjSize: count ? Math.round(size / count) : 0,
      storageSize: size,
      freeStorageSize: 0,
      capped: false,
      nindexes: c.specs().length,
      totalIndexSize,
      totalSize: size + totalIndexSize,
      indexSizes,
      scaleFactor: 1,
    };
  }

  dbStats(db: string): Document {
    const m = this.cat.dbs.get(db);
    let objects = 0;
    let dataSize = 0;
    let indexes = 0;
    let indexSize = 0;
    for (const c of m?.values() ?? []) {
      const s = this.collStats(db, c.name);
      objects += s.count as number;
      dataSize += s.size as number;
      indexes += s.nindexes as number;
      indexSize += s.totalIndexSize as number;
    }
    return {
      db,
      collections: m?.size ?? 0,
      views: 0,
      objects,
      avgObjSize: objects ? Math.round(dataSize / objects) : 0,
      dataSize,
      storageSize: dataSize,
      indexes,
      indexSize,
      totalSize: dataSize + indexSize,
      scaleFactor: 1,
    };
  }

  deferCommits<T>(fn: () => T): T {
    return this.cat.deferCommits(fn);
  }

  commitDeferred(): void {
    this.cat.commitDeferred();
  }

  expireTtl(now: Date = new Date()): number {
    const cat = this.cat;
    let removed = 0;
    for (const m of cat.dbs.values()) {
      for (const c of m.values()) {
        for (const ix of c.indexes) {
          if (ix.ttlSeconds === null || ix.fields.length !== 1) continue;
          const cutoff = new Date(now.getTime() - ix.ttlSeconds * 1000);
          const field = ix.fields[0];
          const p = plan(c, { [field.path]: { $lt: cutoff } }, undefined, ix.name, { epoch: () => cat.epoch });
          let expired: number[] = [];
          const flush = () => {
            const rids = expired;
            expired = [];
            removed += cat.write(false, (txn) => {
              let n = 0;
              for (const rid of rids) {
                const doc = c.getDoc(rid);
                if (!doc) continue;
                c.delete(rid, doc, txn);
                n++;
              }
              return n;
            });
          };
          for (const r of p.candidates()) {
            const dates = fieldValues(r.doc, field).values.filter((v): v is Date => v instanceof Date);
            if (dates.length && Math.min(...dates.map((x) => x.getTime())) < cutoff.getTime()) expired.push(r.rid);
            if (expired.length >= TTL_BATCH) flush(); // one bounded transaction at a time
          }
          if (expired.length) flush();
        }
      }
    }
    return removed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    this.catalog.store.close();
  }
}
