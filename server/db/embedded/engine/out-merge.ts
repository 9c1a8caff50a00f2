/**
 * The `$out` and `$merge` stages: the pipeline before them runs as usual, then its result is
 * written with the Engine's public write operations only (insert, update, delete,
 * createCollection, dropCollection, createIndexes), so these stages do not depend on how
 * the storage engine keeps documents. When the engine offers group commit, all writes of one
 * stage reach storage in one commit.
 *
 * $out (MongoDB 7.0 semantics): replaces the target collection with the result, keeping the
 * target's options and indexes. The result is first written to a temporary collection with
 * those indexes, so a result the indexes refuse (duplicate key) fails with 11000 and leaves
 * the target untouched.
 *
 * $merge: for each result document, the target document with the same `on` fields (default
 * `_id`; other fields need a unique index) is replaced, kept, merged (top-level fields set),
 * refused or updated by a pipeline (with `$$new` and the stage's `let`); an unmatched
 * document is inserted, discarded or refused. Writes done before a failure stay, as in
 * MongoDB.
 */
import { ObjectId, type Document } from 'bson';
import type { Engine, IndexSpec } from '../engine-api';
import { compareValues } from './bson-order';
import { isPlainObject, setField } from './doc-utils';
import { badValue, mongoError } from './errors';

interface Target {
  db: string;
  coll: string;
}

function targetOf(spec: unknown, db: string, stage: '$out' | '$merge'): Target {
  if (typeof spec === 'string') return { db, coll: spec };
  if (isPlainObject(spec) && typeof spec.coll === 'string') {
    if (spec.db !== undefined && typeof spec.db !== 'string') throw mongoError(13111, `${stage}: 'db' must be a string`);
    return { db: (spec.db as string | undefined) ?? db, coll: spec.coll };
  }
  throw mongoError(stage === '$out' ? 16990 : 51178, `${stage} needs a collection name or {db, coll}`);
}

function checkTarget(t: Target, stage: string): void {
  if (t.coll === '' || t.coll.startsWith('system.') || t.coll.includes('$')) {
    throw mongoError('InvalidNamespace', `Invalid ${stage} target namespace, ${t.db}.${t.coll}`);
  }
}

/** Runs `fn` so that its writes are committed together, when the engine can. */
function inOneCommit<T>(engine: Engine, fn: () => T): T {
  if (!engine.deferCommits || !engine.commitDeferred) return fn();
  let result: T;
  try {
    result = engine.deferCommits(fn);
  } finally {
    engine.commitDeferred();
  }
  return result;
}

function firstWriteError(r: { writeErrors: { code: number; errmsg: string; keyPattern?: Document; keyValue?: Document }[] }) {
  const e = r.writeErrors[0];
  return e ? mongoError(e.code, e.errmsg, e.keyPattern ? { keyPattern: e.keyPattern, keyValue: e.keyValue } : undefined) : null;
}

/** `$out`: replaces the target collection's documents with `docs`. */
export function runOut(engine: Engine, db: string, spec: unknown, docs: Document[]): void {
  const t = targetOf(spec, db, '$out');
  checkTarget(t, '$out');
  const existing = engine.listCollections(t.db, { name: t.coll })[0];
  const options = existing?.options ?? {};
  const specs: IndexSpec[] = existing ? engine.listIndexes(t.db, t.coll).filter((s) => s.name !== '_id_') : [];
  const withIds = docs.map((d) => (d._id === undefined ? { _id: new ObjectId(), ...d } : d));
  const temp = `tmp.agg_out.${new ObjectId().toHexString()}`;
  inOneCommit(engine, () => {
    // Validate against the target's indexes in a scratch collection before touching the target.
    engine.createCollection(t.db, temp, options);
    try {
      if (specs.length) engine.createIndexes(t.db, temp, specs);
      const r = engine.insert(t.db, temp, withIds, { ordered: true });
      const err = firstWriteError(r);
      if (err) throw err;
    } finally {
      engine.dropCollection(t.db, temp);
    }
    if (existing) engine.dropCollection(t.db, t.coll);
    engine.createCollection(t.db, t.coll, options);
    if (specs.length) engine.createIndexes(t.db, t.coll, specs);
    if (withIds.length) engine.insert(t.db, t.coll, withIds, { ordered: true });
  });
}

const WHEN_MATCHED = new Set(['replace', 'keepExisting', 'merge', 'fail']);
const WHEN_NOT_MATCHED = new Set(['insert', 'discard', 'fail']);

/** `$merge`: merges `docs` into the target collection. */
export function runMerge(engine: Engine, db: string, spec: unknown, docs: Document[]): void {
  const opts: Document = typeof spec === 'string' || (isPlainObject(spec) && !('into' in spec)) ? { into: spec } : (spec as Document);
  if (!isPlainObject(opts)) throw mongoError(51182, '$merge needs a collection name or an object');
  for (const k of Object.keys(opts)) {
    if (!['into', 'on', 'let', 'whenMatched', 'whenNotMatched'].includes(k))
      throw mongoError(40415, `BSON field '$merge.${k}' is an unknown field.`);
  }
  const t = targetOf(opts.into, db, '$merge');
  checkTarget(t, '$merge');
  const on: string[] = opts.on === undefined ? ['_id'] : typeof opts.on === 'string' ? [opts.on] : (opts.on as string[]);
  if (!Array.isArray(on) || on.length === 0 || !on.every((f) => typeof f === 'string' && f !== '')) {
    throw mongoError(51186, "$merge 'on' must be a field name or a non-empty array of field names");
  }
  const whenMatched = opts.whenMatched ?? 'merge';
  const whenNotMatched = opts.whenNotMatched ?? 'insert';
  if (!Array.isArray(whenMatched) && !WHEN_MATCHED.has(whenMatched as string))
    throw badValue(`Enumeration value '${String(whenMatched)}' for field 'whenMatched' is not a valid value.`);
  if (!WHEN_NOT_MATCHED.has(whenNotMatched as string))
    throw badValue(`Enumeration value '${String(whenNotMatched)}' for field 'whenNotMatched' is not a valid value.`);
  if (opts.let !== undefined && !Array.isArray(whenMatched))
    throw mongoError(51199, "$merge 'let' is only allowed with a pipeline for 'whenMatched'");
  const onId = on.length === 1 && on[0] === '_id';
  if (!onId) {
    const unique = engine.listCollections(t.db, { name: t.coll }).length
      ? engine
          .listIndexes(t.db, t.coll)
          .some((s) => s.unique && sameFields(Object.keys(s.key), on) && s.partialFilterExpression === undefined)
      : false;
    if (!unique) throw mongoError(51183, 'Cannot find index to verify that join fields will be unique');
  }
  inOneCommit(engine, () => {
    for (const d of docs) {
      const doc = d._id === undefined ? { _id: new ObjectId(), ...d } : d;
      const q: Document = {};
      for (const f of on) {
        const v = valueAt(doc, f);
        if (v === undefined || v === null || Array.isArray(v)) {
          throw mongoError(51132, `$merge write error: 'on' field '${f}' cannot be missing, null or an array`);
        }
        setField(q, f, v);
      }
      const [match] = engine.find(t.db, t.coll, { filter: q, limit: 2 });
      if (!match) {
        if (whenNotMatched === 'discard') continue;
        if (whenNotMatched === 'fail')
          throw mongoError(
            13113,
            '$merge could not find a matching document in the target collection for at least one document in the source collection',
          );
        const err = firstWriteError(engine.insert(t.db, t.coll, [doc]));
        if (err) throw err;
        continue;
      }
      let u: Document | Document[];
      if (Array.isArray(whenMatched)) {
        const letDoc: Document = { new: { $literal: doc }, ...(isPlainObject(opts.let) ? (opts.let as Document) : {}) };
        const r = engine.update(t.db, t.coll, [{ q: { _id: match._id }, u: whenMatched as Document[] }], { let: letDoc });
        const err = firstWriteError(r);
        if (err) throw err;
        continue;
      }
      if (whenMatched === 'keepExisting') continue;
      if (whenMatched === 'fail') {
        throw mongoError(
          'DuplicateKey',
          `$merge failed due to a DuplicateKey error: the target already has a document with ${JSON.stringify(q)}`,
        );
      }
      if (doc._id !== undefined && compareValues(doc._id, match._id) !== 0 && d._id !== undefined) {
        throw mongoError('ImmutableField', "$merge write error: the '_id' of a matched document cannot change");
      }
      if (whenMatched === 'replace') {
        const repl: Document = {};
        for (const k of Object.keys(doc)) if (k !== '_id') setField(repl, k, doc[k]);
        u = repl;
      } else {
        const set: Document = {};
        for (const k of Object.keys(doc)) if (k !== '_id') setField(set, k, { $literal: doc[k] });
        u = Object.keys(set).length ? [{ $set: set }] : [];
        if (!Object.keys(set).length) continue;
      }
      const err = firstWriteError(engine.update(t.db, t.coll, [{ q: { _id: match._id }, u }]));
      if (err) throw err;
    }
  });
}

function sameFields(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((f) => b.includes(f));
}

function valueAt(doc: Document, path: string): unknown {
  let cur: unknown = doc;
  for (const p of path.split('.')) {
    if (!isPlainObject(cur) || !Object.prototype.hasOwnProperty.call(cur, p)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** Whether a pipeline ends in `$out` or `$merge`, and which. */
export function writeStage(pipeline: Document[]): '$out' | '$merge' | null {
  const last = pipeline[pipeline.length - 1];
  if (!isPlainObject(last)) return null;
  const name = Object.keys(last)[0];
  return name === '$out' || name === '$merge' ? name : null;
}
