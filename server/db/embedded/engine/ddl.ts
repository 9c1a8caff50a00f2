/** Collection and index management: create/drop collections, createIndexes, dropIndexes. */
import type { Document } from 'bson';
import type { IndexSpec } from '../engine-api';
import type { Catalog } from './catalog';
import { collationCompare } from './collation';
import { isPlainObject } from './doc-utils';
import { badValue, indexNotFound, invalidOptions, mongoError } from './errors';
import { ID_INDEX_SPEC, SqlIndex, isTextSpec, normalizeSpec, sameKey, sameOptions } from './indexes';
import { SqlTextIndex } from './text-store';

/** Command fields a caller may leave in the options; they are not collection options. */
const GENERIC_FIELDS = new Set([
  'writeConcern',
  'lsid',
  '$db',
  'comment',
  '$readPreference',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  '$clusterTime',
  'maxTimeMS',
  'create',
]);
const REFUSED: Record<string, string> = {
  capped: 'capped collections are not supported by this server',
  timeseries: 'time-series collections are not supported by this server',
  validator: 'collection validators are not supported by this server; validate in the application',
  clusteredIndex: 'clustered collections are not supported by this server',
  viewOn: 'views are not supported by this server',
  pipeline: 'views are not supported by this server',
  expireAfterSeconds: 'collection-level expireAfterSeconds is not supported; use a TTL index',
  encryptedFields: 'queryable encryption is not supported by this server',
  changeStreamPreAndPostImages: 'change streams are not supported by this server',
};
const ACCEPTED = new Set([
  'storageEngine',
  'indexOptionDefaults',
  'validationLevel',
  'validationAction',
  'size',
  'max',
  'autoIndexId',
  'flags',
]);

/**
 * A collated index must order its keys by the collation, and Node's ICU (Intl.Collator)
 * offers no sort keys to store: such indexes and collection defaults are refused, never
 * built in byte order. `{locale: 'simple'}` is byte order and is accepted (and not echoed).
 */
const NO_COLLATED_INDEXES =
  '{what} other than {locale: "simple"} is not supported by this server: its index keys would have to be ICU sort keys, which it cannot compute. Queries, sorts and aggregations do accept a collation.';

function withoutSimpleCollation(spec: IndexSpec): IndexSpec {
  if (!isPlainObject(spec) || spec.collation === undefined) return spec;
  if (collationCompare(spec.collation) !== undefined) {
    throw mongoError('CannotCreateIndex', NO_COLLATED_INDEXES.replace('{what}', `index '${String(spec.name)}': a collation`));
  }
  const { collation: _simple, ...rest } = spec;
  return rest as IndexSpec;
}

export function createCollection(cat: Catalog, db: string, coll: string, options: Document = {}): void {
  const stored: Document = {};
  for (const [k, v] of Object.entries(options ?? {})) {
    if (GENERIC_FIELDS.has(k)) continue;
    if (k === 'collation') {
      if (collationCompare(v) !== undefined) throw invalidOptions(NO_COLLATED_INDEXES.replace('{what}', 'a collection default collation'));
      continue; // {locale: 'simple'} is no collation at all
    }
    if (k in REFUSED) {
      const harmless = v === false || v === null || v === undefined || (isPlainObject(v) && Object.keys(v).length === 0);
      if (harmless) continue;
      throw invalidOptions(REFUSED[k]);
    }
    if (!ACCEPTED.has(k)) throw mongoError(40415, `BSON field 'create.${k}' is an unknown field.`);
    stored[k] = v;
  }
  if (cat.get(db, coll)) throw mongoError(48, `Collection ${db}.${coll} already exists.`);
  cat.write(false, (txn) => cat.create(db, coll, stored, txn));
}

export function dropCollection(cat: Catalog, db: string, coll: string): void {
  const c = cat.get(db, coll);
  if (!c) throw mongoError(26, 'ns not found');
  cat.write(false, (txn) => cat.drop(c, txn));
}

export function dropDatabase(cat: Catalog, db: string): void {
  const m = cat.dbs.get(db);
  if (!m) return;
  const colls = [...m.values()];
  cat.write(false, (txn) => {
    for (const c of colls) cat.drop(c, txn);
  });
}

function samePartialFilter(a: IndexSpec, b: IndexSpec): boolean {
  const pa = a.partialFilterExpression;
  const pb = b.partialFilterExpression;
  if (pa === undefined || pb === undefined) return pa === pb;
  return JSON.stringify(pa) === JSON.stringify(pb);
}

function show(spec: IndexSpec): string {
  return JSON.stringify(spec);
}

export function createIndexes(cat: Catalog, db: string, coll: string, specs: IndexSpec[]) {
  if (!Array.isArray(specs) || specs.length === 0) throw badValue('Must specify at least one index to create');
  const normalized = specs.map((spec) => normalizeSpec(withoutSimpleCollation(spec)));
  return cat.write(false, (txn) => {
    const { coll: c, created } = cat.ensure(db, coll, txn);
    const before = c.specs().length;
    let made = 0;
    for (const spec of normalized) {
      const existing = c.specs();
      const byName = existing.find((s) => s.name === spec.name);
      if (byName) {
        if (sameKey(byName.key, spec.key) && sameOptions(byName, spec)) continue;
        if (!sameKey(byName.key, spec.key)) {
          throw mongoError(
            86,
            `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${show(spec)}, existing index: ${show(byName)}`,
          );
        }
        throw mongoError(
          85,
          `An equivalent index already exists with the same name but different options. Requested index: ${show(spec)}, existing index: ${show(byName)}`,
        );
      }
      // Indexes on one key pattern may coexist when their partial filters differ (then a
      // key pattern alone no longer names one of them: 181 in dropIndexes).
      const byKey = existing.find((s) => sameKey(s.key, spec.key) && samePartialFilter(s, spec));
      if (byKey) {
        throw mongoError(85, `Index already exists with a different name: ${byKey.name}`);
      }
      if (isTextSpec(spec)) {
        if (c.text) {
          throw mongoError(
            85,
            `An equivalent index already exists with a different name and options. Requested index: ${show(spec)}, existing index: ${show(c.text.spec)} (only one text index per collection)`,
          );
        }
        const t = new SqlTextIndex(cat.store, cat.addIndexRow(c, spec), spec);
        t.createTables();
        c.buildText(t);
        c.text = t;
        txn.record(() => {
          c.text = null;
        });
      } else {
        const ix = new SqlIndex(cat.store, cat.addIndexRow(c, spec), spec, false);
        ix.createTable();
        c.buildIndex(ix, txn);
        c.indexes.push(ix);
        txn.record(() => {
          c.indexes = c.indexes.filter((x) => x !== ix);
        });
      }
      made++;
    }
    const result: { numIndexesBefore: number; numIndexesAfter: number; createdCollectionAutomatically: boolean; note?: string } = {
      numIndexesBefore: before,
      numIndexesAfter: before + made,
      createdCollectionAutomatically: created,
    };
    if (made === 0) result.note = 'all indexes already exist';
    return result;
  });
}

export function listIndexes(cat: Catalog, db: string, coll: string): IndexSpec[] {
  const c = cat.get(db, coll);
  if (!c) throw mongoError(26, `ns does not exist: ${db}.${coll}`);
  return c.specs();
}

export function dropIndexes(cat: Catalog, db: string, coll: string, index: string | string[] | Document): { nIndexesWas: number } {
  const c = cat.get(db, coll);
  if (!c) throw mongoError(26, `ns not found ${db}.${coll}`);
  const specs = c.specs();
  let names: string[];
  if (index === '*') names = specs.filter((s) => s.name !== '_id_').map((s) => s.name);
  else if (typeof index === 'string') names = [index];
  else if (Array.isArray(index)) names = index.map(String);
  else if (isPlainObject(index)) {
    const found = specs.filter((s) => sameKey(s.key, index));
    if (found.length === 0) throw indexNotFound(`can't find index with key: ${JSON.stringify(index)}`);
    if (found.length > 1) {
      throw mongoError(
        'AmbiguousIndexKeyPattern',
        `${found.length} indexes found for key: ${JSON.stringify(index)}, identify by name instead`,
      );
    }
    names = [found[0].name];
  } else throw badValue('dropIndexes needs an index name, a key pattern, a list of names or "*"');
  for (const n of names) {
    if (n === ID_INDEX_SPEC.name) throw invalidOptions('cannot drop _id index');
    if (!specs.some((s) => s.name === n)) throw indexNotFound(`index not found with name [${n}]`);
  }
  cat.write(false, (txn) => {
    for (const n of names) {
      if (c.text?.name === n) {
        const t = c.text;
        t.dropTables();
        cat.removeIndexRow(t.id);
        c.text = null;
        t.dropped = true;
        txn.record(() => {
          t.dropped = false;
          c.text = t;
        });
      } else {
        const prev = c.indexes;
        const ix = prev.find((x) => x.name === n)!;
        ix.dropTable();
        cat.removeIndexRow(ix.id);
        c.indexes = prev.filter((x) => x !== ix);
        ix.dropped = true;
        txn.record(() => {
          ix.dropped = false;
          c.indexes = prev;
        });
      }
    }
  });
  return { nIndexesWas: specs.length };
}
