/**
 * A deliberately tiny in-memory Engine, a test double for protocol-level tests only:
 * it lets the wire layer be tested without the storage engine. Not a reference for
 * semantics (no secondary indexes, no upsert details, no TTL).
 */
import { ObjectId, type Document } from 'bson';
import { aggregate, find, Query, update as applyUpdate } from 'mingo';
import { MongoCommandError, type Engine, type IndexSpec } from '../../../../server/db/embedded/engine-api';
import { ArrayCursor } from '../../../../server/db/embedded/engine/doc-cursor';

interface Coll {
  docs: Document[];
  indexes: IndexSpec[];
  options: Document;
}

export function createStubEngine(): Engine & { closed: boolean } {
  const dbs = new Map<string, Map<string, Coll>>();
  const colls = (db: string) => {
    let m = dbs.get(db);
    if (!m) dbs.set(db, (m = new Map()));
    return m;
  };
  const coll = (db: string, name: string, create = false): Coll | undefined => {
    let c = colls(db).get(name);
    if (!c && create) colls(db).set(name, (c = { docs: [], indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }], options: {} }));
    return c;
  };
  const notFound = (db: string, name: string) => new MongoCommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${name}`);
  const query = (c: Coll | undefined, filter: Document = {}) => (c ? c.docs.filter((d) => new Query(filter).test(d)) : []);

  return {
    closed: false,
    listDatabases: () => [...dbs].filter(([, m]) => m.size > 0).map(([name]) => ({ name, sizeOnDisk: 0, empty: false })),
    dropDatabase: (db) => void dbs.delete(db),
    listCollections: (db, filter) =>
      [...colls(db)]
        .map(([name, c]) => ({
          name,
          type: 'collection' as const,
          options: c.options,
          info: { readOnly: false as const },
          idIndex: c.indexes[0],
        }))
        .filter((info) => !filter || new Query(filter).test(info)),
    createCollection(db, name, options = {}) {
      if (coll(db, name)) throw new MongoCommandError(48, 'NamespaceExists', `Collection ${db}.${name} already exists.`);
      coll(db, name, true)!.options = options;
    },
    dropCollection(db, name) {
      if (!colls(db).delete(name)) throw notFound(db, name);
    },
    createIndexes(db, name, specs) {
      const created = !coll(db, name);
      const c = coll(db, name, true)!;
      const before = c.indexes.length;
      for (const s of specs) if (!c.indexes.some((i) => i.name === s.name)) c.indexes.push({ v: 2, ...s });
      return { numIndexesBefore: before, numIndexesAfter: c.indexes.length, createdCollectionAutomatically: created };
    },
    listIndexes(db, name) {
      const c = coll(db, name);
      if (!c) throw notFound(db, name);
      return c.indexes;
    },
    dropIndexes(db, name, index) {
      const c = coll(db, name);
      if (!c) throw notFound(db, name);
      const was = c.indexes.length;
      c.indexes = index === '*' ? c.indexes.slice(0, 1) : c.indexes.filter((i) => i.name !== index || i.name === '_id_');
      return { nIndexesWas: was };
    },
    insert(db, name, docs, opts) {
      const c = coll(db, name, true)!;
      const writeErrors = [];
      let n = 0;
      for (let index = 0; index < docs.length; index++) {
        const doc = docs[index]._id === undefined ? { _id: new ObjectId(), ...docs[index] } : docs[index];
        if (c.docs.some((d) => String(d._id) === String(doc._id))) {
          writeErrors.push({
            index,
            code: 11000,
            errmsg: `E11000 duplicate key error collection: ${db}.${name} index: _id_`,
            keyPattern: { _id: 1 },
            keyValue: { _id: doc._id },
          });
          if (opts?.ordered !== false) break;
          continue;
        }
        c.docs.push(doc);
        n++;
      }
      return { n, writeErrors };
    },
    findCursor(db, name, o) {
      return new ArrayCursor(this.find(db, name, o));
    },
    aggregateCursor(db, name, pipeline) {
      return new ArrayCursor(this.aggregate(db, name, pipeline));
    },
    find(db, name, o) {
      const c = coll(db, name);
      if (!c) return [];
      let cur = find(c.docs, o.filter ?? {}, o.projection);
      if (o.sort) cur = cur.sort(o.sort);
      if (o.skip) cur = cur.skip(o.skip);
      if (o.limit) cur = cur.limit(o.limit);
      return cur.all() as Document[];
    },
    update(db, name, updates) {
      const c = coll(db, name, true)!;
      let n = 0;
      let nModified = 0;
      for (const u of updates) {
        const hits = query(c, u.q);
        for (const d of u.multi ? hits : hits.slice(0, 1)) {
          n++;
          if (applyUpdate(d, u.u as Document).length > 0) nModified++;
        }
      }
      return { n, nModified, upserted: [], writeErrors: [] };
    },
    delete(db, name, deletes) {
      const c = coll(db, name);
      let n = 0;
      for (const del of deletes) {
        const hits = query(c, del.q);
        for (const d of del.limit === 1 ? hits.slice(0, 1) : hits) {
          c!.docs.splice(c!.docs.indexOf(d), 1);
          n++;
        }
      }
      return { n, writeErrors: [] };
    },
    findAndModify(db, name, args) {
      const c = coll(db, name);
      const hit = query(c, args.query)[0];
      if (!hit) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
      const before = structuredClone(hit);
      if (args.remove) c!.docs.splice(c!.docs.indexOf(hit), 1);
      else applyUpdate(hit, args.update as Document);
      return { lastErrorObject: { n: 1, updatedExisting: !args.remove }, value: args.new ? hit : before };
    },
    aggregate: (db, name, pipeline) => aggregate(name === null ? [] : (coll(db, name)?.docs ?? []), pipeline) as Document[],
    count: (db, name, o) => query(coll(db, name), o.query).length,
    distinct: (db, name, key, q) => [...new Set(query(coll(db, name), q).map((d) => d[key]))],
    dbStats: (db) => ({ db, collections: colls(db).size }),
    collStats: (db, name) => ({ ns: `${db}.${name}`, count: coll(db, name)?.docs.length ?? 0 }),
    expireTtl: () => 0,
    close() {
      this.closed = true;
    },
  };
}
