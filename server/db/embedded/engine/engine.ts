/** The Engine implementation: wires the catalog, read/write ops, DDL, stats and TTL. */
import type { Document } from 'bson';
import type {
  AggregateOptions,
  CollectionInfo,
  CountOptions,
  OperationSpec,
  DeleteStatement,
  Engine,
  FindAndModifyArgs,
  FindOptions,
  IndexSpec,
  UpdateStatement,
  WriteOptions,
} from '../engine-api';
import { idKeyOf } from './bson-order';
import { Catalog, type Logger } from './catalog';
import * as ddl from './ddl';
import { fieldValues } from './index-keys';
import { ID_INDEX_SPEC } from './indexes';
import { compileFilter } from './mingo-context';
import { runMerge, runOut, writeStage } from './out-merge';
import { plan } from './planner';
import * as reads from './read-ops';
import type { SqliteStore } from './sqlite-store';
import * as writes from './write-ops';
import { mongoError } from './errors';

const INDEX_ENTRY_BYTES = 48;

export class EmbeddedEngine implements Engine {
  readonly catalog: Catalog;
  private closed = false;

  constructor(store: SqliteStore | null, logger: Logger) {
    this.catalog = new Catalog(store, logger);
    this.catalog.load();
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

  find(db: string, coll: string, opts: FindOptions): Document[] {
    return reads.find(this.cat, db, coll, opts ?? {});
  }

  /** The plan a find would use plus execution counters (tests). */
  explainFind(db: string, coll: string, opts: FindOptions): Document {
    return reads.explain(this.cat, db, coll, opts ?? {});
  }

  /** explain of a find / count / distinct / aggregate command document. */
  explain(db: string, command: Document, verbosity: string): Document {
    return reads.explainCommand(this.cat, db, command, verbosity);
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

  aggregate(db: string, coll: string | null, pipeline: Document[], opts?: AggregateOptions) {
    reads.checkPipeline(pipeline);
    const stage = writeStage(pipeline);
    if (!stage) return reads.aggregate(this.cat, db, coll, pipeline, opts);
    const docs = reads.aggregate(this.cat, db, coll, pipeline.slice(0, -1), opts);
    const spec = pipeline[pipeline.length - 1][stage];
    if (stage === '$out') runOut(this, db, spec, docs);
    else runMerge(this, db, spec, docs);
    return [];
  }

  count(db: string, coll: string, opts: CountOptions): number {
    return reads.count(this.cat, db, coll, opts ?? {});
  }

  distinct(db: string, coll: string, key: string, query?: Document, opts?: OperationSpec): unknown[] {
    return reads.distinct(this.cat, db, coll, key, query, opts);
  }

  collStats(db: string, coll: string): Document {
    const c = this.cat.get(db, coll);
    if (!c) throw mongoError(26, `Collection [${db}.${coll}] not found.`);
    const indexSizes: Document = { _id_: c.docs.size * INDEX_ENTRY_BYTES };
    let totalIndexSize = indexSizes._id_ as number;
    for (const ix of c.indexes) {
      const s = ix.tree.size * INDEX_ENTRY_BYTES;
      indexSizes[ix.name] = s;
      totalIndexSize += s;
    }
    if (c.text) indexSizes[c.text.name] = 0;
    const count = c.docs.size;
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
          const p = plan(c, { [field.path]: { $lt: cutoff } }, undefined, ix.name);
          const expired: string[] = [];
          for (const d of p.candidates()) {
            const dates = fieldValues(d, field).values.filter((v): v is Date => v instanceof Date);
            if (dates.length && Math.min(...dates.map((x) => x.getTime())) < cutoff.getTime()) expired.push(idKeyOf(d._id));
          }
          if (!expired.length) continue;
          removed += cat.write(false, (txn) => {
            let n = 0;
            for (const k of expired) if (c.delete(k, txn)) n++;
            return n;
          });
        }
      }
    }
    return removed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.catalog.store?.close();
  }
}
