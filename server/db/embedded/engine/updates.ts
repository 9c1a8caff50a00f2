/**
 * Statement-level update semantics: classify the update (operators, replacement,
 * pipeline), compute the new version of a document without touching the stored one, and
 * build upserted documents from the filter's equality fields.
 */
import { ObjectId, type Document } from 'bson';
import { sameStoredValue } from './bson-order';
import { assertNoDecimal, cloneDeep, formatValue, isPlainObject, setField, setPath } from './doc-utils';
import { badValue, failedToParse, immutableField, mongoError } from './errors';
import { runAggregator } from './mingo-context';
import type { Matcher, OperationOptions } from './mingo-context';
import { applyOperators, compileArrayFilters, validateOperators } from './update-ops';

export type UpdateKind = 'ops' | 'replace' | 'pipeline';

const PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

export interface PreparedUpdate {
  kind: UpdateKind;
  u: Document | Document[];
  arrayFilters: Map<string, Matcher>;
  /** the statement's collation and the command's `let` variables */
  op: OperationOptions;
}

export function prepareUpdate(
  u: unknown,
  arrayFilters: Document[] | undefined,
  upsert: boolean,
  op: OperationOptions = {},
): PreparedUpdate {
  assertNoDecimal(u, 'update');
  let kind: UpdateKind;
  if (Array.isArray(u)) {
    for (const st of u) {
      if (!isPlainObject(st) || Object.keys(st).length !== 1)
        throw failedToParse('each pipeline update stage must be an object with exactly one field');
      const name = Object.keys(st)[0];
      if (!PIPELINE_STAGES.has(name)) {
        throw mongoError(2, `${name} is not allowed to be used within an update`);
      }
    }
    if (arrayFilters?.length) throw failedToParse('arrayFilters may not be specified for pipeline-style updates');
    kind = 'pipeline';
  } else if (!isPlainObject(u)) {
    throw failedToParse('Update argument must be either an object or an array');
  } else {
    const keys = Object.keys(u);
    if (keys.length > 0 && keys[0].startsWith('$')) {
      validateOperators(u, upsert);
      kind = 'ops';
    } else {
      for (const k of keys) {
        if (k.startsWith('$')) {
          throw mongoError(
            52,
            `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
          );
        }
      }
      if (arrayFilters?.length) throw failedToParse('arrayFilters may not be specified for replacement-style updates');
      kind = 'replace';
    }
  }
  return { kind, u, arrayFilters: compileArrayFilters(kind === 'ops' ? arrayFilters : undefined, op), op };
}

function idFirst(doc: Document, id: unknown): Document {
  if (Object.keys(doc)[0] === '_id' && doc._id !== undefined) return doc;
  const out: Document = { _id: id };
  for (const k of Object.keys(doc)) if (k !== '_id') setField(out, k, doc[k]);
  return out;
}

function checkId(oldId: unknown, doc: Document): void {
  if (!Object.prototype.hasOwnProperty.call(doc, '_id') || !sameStoredValue(oldId, doc._id)) {
    throw immutableField(`Performing an update on the path '_id' would modify the immutable field '_id'`);
  }
}

/** The new version of `old` (a fresh object; `old` is not modified). */
export function computeUpdated(old: Document, p: PreparedUpdate, filter: Document): Document {
  if (p.kind === 'replace') {
    const repl = p.u as Document;
    if (Object.prototype.hasOwnProperty.call(repl, '_id') && !sameStoredValue(repl._id, old._id)) {
      throw immutableField(
        `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(repl._id)}`,
      );
    }
    const out: Document = { _id: old._id };
    for (const k of Object.keys(repl)) if (k !== '_id') setField(out, k, cloneDeep(repl[k]));
    return out;
  }
  if (p.kind === 'pipeline') {
    const [res] = runAggregator(p.u as Document[], [cloneDeep(old)], undefined, p.op);
    if (!isPlainObject(res)) throw badValue('pipeline update did not produce a document');
    if (res._id === undefined) return idFirst(cloneDeep(res), old._id);
    checkId(old._id, res);
    return idFirst(cloneDeep(res), old._id);
  }
  const doc = cloneDeep(old);
  applyOperators(doc, p.u as Document, { filter, arrayFilters: p.arrayFilters, upsertInsert: false, op: p.op });
  checkId(old._id, doc);
  return idFirst(doc, old._id);
}

/** Equality fields of a filter (dotted paths, `$eq`, `$and`) as a seed document. */
function seedFromFilter(filter: Document, seed: Document): void {
  for (const k of Object.keys(filter)) {
    const v = filter[k];
    if (k === '$and' && Array.isArray(v)) {
      for (const sub of v) if (isPlainObject(sub)) seedFromFilter(sub, seed);
      continue;
    }
    if (k.startsWith('$')) continue;
    let value: unknown;
    if (isPlainObject(v) && Object.keys(v).some((x) => x.startsWith('$'))) {
      if (!Object.prototype.hasOwnProperty.call(v, '$eq')) continue;
      value = v.$eq;
    } else value = v;
    if (value instanceof RegExp) continue;
    setPath(seed, k, cloneDeep(value));
  }
}

/** The document an upsert inserts when nothing matched. */
export function buildUpsertDoc(filter: Document, p: PreparedUpdate): Document {
  if (p.kind === 'replace') {
    const repl = cloneDeep(p.u as Document);
    let id = repl._id;
    if (id === undefined) {
      const seed: Document = {};
      seedFromFilter(filter, seed);
      id = seed._id ?? new ObjectId();
    }
    return idFirst(repl, id);
  }
  const seed: Document = {};
  seedFromFilter(filter, seed);
  let doc = seed;
  if (p.kind === 'pipeline') {
    const [res] = runAggregator(p.u as Document[], [seed], undefined, p.op);
    doc = cloneDeep(res ?? {});
  } else {
    applyOperators(doc, p.u as Document, { filter, arrayFilters: p.arrayFilters, upsertInsert: true, op: p.op });
    if (seed._id !== undefined && !sameStoredValue(seed._id, doc._id)) {
      throw immutableField(`Performing an update on the path '_id' would modify the immutable field '_id'`);
    }
  }
  return idFirst(doc, doc._id ?? new ObjectId());
}
