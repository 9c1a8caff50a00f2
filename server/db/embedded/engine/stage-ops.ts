/**
 * Aggregation stages that replace mingo's own in the engine's mingo context, where mingo's
 * answer differs from MongoDB's:
 *   $sort        BSON order (numbers of all types by value, strings by bytes or collation),
 *                arrays by their smallest/largest element, stable
 *   $group       groups by value (1, 1.0 and Long(1) are one group; a missing key is null),
 *                `_id` first in the output
 *   $bucket      [lower, upper) buckets: a boundary value opens its bucket; only non-empty
 *                buckets; `_id` first
 *   $lookup      localField/foreignField with MongoDB's equality (arrays match by element,
 *                null matches missing), no null entries for unmatched elements
 *   $project     inclusion output keeps the input document's field order, computed fields
 *                after it (mingo appends `_id` last and reorders)
 *   $count       no output document for an empty input
 *   $sortByCount built from the two stages above
 *   $out/$merge  accepted only as the last stage, which the engine runs itself (out-merge.ts)
 */
import type { Document } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { evalExpr } from 'mingo/core';
import { Lazy, type Iterator as LazyIterator } from 'mingo/lazy';
import * as pipelineOps from 'mingo/operators/pipeline';
import { compareValues, encodeValue, type StringCompare } from './bson-order';
import { isPlainObject, setField } from './doc-utils';
import { mongoError } from './errors';
import { fieldValues, type KeyField } from './index-keys';
import { sortFields } from './planner';
import { stringCompareOf, visitPath } from './query-ops';

type Options = Parameters<typeof evalExpr>[2];
type StageOp = (coll: LazyIterator, expr: unknown, options: Options) => LazyIterator;

const mingoStages = pipelineOps as unknown as Record<string, StageOp>;
const located = (code: number, msg: string) => mongoError(code, msg);
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** mingo's options class is not exported; stages derive per-group options from an instance. */
function derive(options: Options, locals: Record<string, unknown>): Options {
  const ctor = (options as unknown as { constructor: { init(o: Options): Options & { update(l: object): Options } } }).constructor;
  return ctor.init(options).update(locals);
}

// ---- $sort ---------------------------------------------------------------------------------

/** MongoDB's sort key of one field: arrays sort by their smallest (asc) / largest (desc) element. */
function sortKeyOf(d: Document, f: KeyField, strCmp: StringCompare | undefined): unknown {
  if (f.parts.length === 1) {
    const v = isPlainObject(d) && own(d, f.path) ? d[f.path] : undefined;
    if (!Array.isArray(v)) return v === undefined ? null : v;
  }
  const vals = fieldValues(d, f).values;
  let best = vals[0];
  for (let i = 1; i < vals.length; i++) {
    const c = compareValues(vals[i], best, strCmp);
    if (f.dir === 1 ? c < 0 : c > 0) best = vals[i];
  }
  return best;
}

/** A comparator of documents for a sort specification (stable when used with Array.sort). */
export function documentComparator(sort: Document, strCmp?: StringCompare) {
  const fields: KeyField[] = sortFields(sort)
    .filter(([k]) => k !== '$natural')
    .map(([path, dir]) => ({ path, parts: path.split('.'), dir }));
  const keyed = (d: Document) => ({ d, keys: fields.map((f) => sortKeyOf(d, f, strCmp)) });
  const cmp = (a: { keys: unknown[] }, b: { keys: unknown[] }) => {
    for (let i = 0; i < fields.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i], strCmp);
      if (c) return fields[i].dir * c;
    }
    return 0;
  };
  return { fields, keyed, cmp };
}

/** Sorts documents in place the way MongoDB does (stable: ties keep their order). */
export function sortDocuments(docs: Document[], sort: Document, strCmp?: StringCompare): void {
  const { fields, keyed, cmp } = documentComparator(sort, strCmp);
  if (!fields.length) return;
  const k = docs.map(keyed);
  k.sort(cmp);
  for (let i = 0; i < docs.length; i++) docs[i] = k[i].d;
}

const $sort: StageOp = (coll, expr, options) => {
  if (!isPlainObject(expr) || Object.keys(expr).length === 0) throw located(15976, '$sort stage must have at least one sort key');
  const strCmp = stringCompareOf(options);
  return coll.transform((items) => {
    sortDocuments(items as Document[], expr, strCmp);
    return Lazy(items);
  });
};

// ---- $group ----------------------------------------------------------------------------------

interface Group {
  id: unknown;
  docs: unknown[];
}

/** Groups `items` by `keyOf` value (MongoDB equality, collation-aware), in first-seen order. */
export function groupByValue(items: unknown[], keyOf: (o: unknown) => unknown, strCmp?: StringCompare): Group[] {
  const groups: Group[] = [];
  if (strCmp) {
    for (const o of items) {
      const id = keyOf(o);
      const g = groups.find((x) => compareValues(x.id, id, strCmp) === 0);
      if (g) g.docs.push(o);
      else groups.push({ id, docs: [o] });
    }
    return groups;
  }
  const byKey = new Map<string, Group[]>();
  for (const o of items) {
    const id = keyOf(o);
    const k = encodeValue(id);
    const list = byKey.get(k);
    let g = list?.find((x) => compareValues(x.id, id) === 0);
    if (!g) {
      g = { id, docs: [] };
      groups.push(g);
      if (list) list.push(g);
      else byKey.set(k, [g]);
    }
    g.docs.push(o);
  }
  return groups;
}

function groupStage(expr: unknown, options: Options, items: unknown[]): Document[] {
  if (!isPlainObject(expr)) throw located(15947, 'a group specification must be an object');
  if (!own(expr, '_id')) throw located(15955, 'a group specification must include an _id');
  const fields = Object.keys(expr).filter((k) => k !== '_id');
  for (const f of fields) {
    if (f.includes('.')) throw located(40235, `The field name '${f}' cannot contain '.'`);
    if (f.startsWith('$')) throw located(15950, `The field name '${f}' cannot be an operator name`);
    const acc = expr[f];
    if (!isPlainObject(acc) || Object.keys(acc).length !== 1) throw located(40234, `The field '${f}' must be an accumulator object`);
  }
  const strCmp = stringCompareOf(options);
  const groups = groupByValue(
    items,
    (o) => {
      const v = evalExpr(o as never, expr._id as never, options) as unknown;
      return v === undefined ? null : v;
    },
    strCmp,
  );
  return groups.map((g) => {
    const out: Document = { _id: g.id };
    const copts = derive(options, { root: null, groupId: g.id });
    for (const f of fields) setField(out, f, evalExpr(g.docs as never, expr[f] as never, copts));
    return out;
  });
}

const $group: StageOp = (coll, expr, options) => coll.transform((items) => Lazy(groupStage(expr, options, items)));

const $sortByCount: StageOp = (coll, expr, options) => {
  const grouped = $group(coll, { _id: expr, count: { $sum: 1 } }, options);
  return $sort(grouped, { count: -1 }, options);
};

const $count: StageOp = (coll, expr) => {
  if (typeof expr !== 'string' || expr === '') throw located(40156, 'the count field must be a non-empty string');
  if (expr.startsWith('$')) throw located(40158, 'the count field cannot be a $-prefixed path');
  if (expr.includes('.')) throw located(40160, "the count field cannot contain '.'");
  return coll.transform((items) => Lazy(items.length ? [{ [expr]: items.length }] : []));
};

// ---- $bucket ---------------------------------------------------------------------------------

const $bucket: StageOp = (coll, expr, options) => {
  if (!isPlainObject(expr)) throw located(40201, 'Argument to $bucket stage must be an object');
  for (const k of Object.keys(expr)) {
    if (!['groupBy', 'boundaries', 'default', 'output'].includes(k)) throw located(40197, `Unrecognized option to $bucket: ${k}.`);
  }
  const bounds = expr.boundaries;
  if (!Array.isArray(bounds) || bounds.length < 2)
    throw located(40192, "The $bucket 'boundaries' field must be an array of at least two values");
  for (let i = 1; i < bounds.length; i++) {
    if (compareValues(bounds[i - 1], bounds[i]) >= 0) {
      throw located(40194, "The 'boundaries' option to $bucket must be sorted in ascending order");
    }
  }
  if (expr.groupBy === undefined) throw located(40198, "$bucket requires 'groupBy' and 'boundaries' to be specified.");
  const hasDefault = own(expr, 'default');
  if (hasDefault && compareValues(expr.default, bounds[0]) >= 0 && compareValues(expr.default, bounds[bounds.length - 1]) < 0) {
    throw located(
      40199,
      "The $bucket 'default' field must be less than the lowest boundary or greater than or equal to the highest boundary.",
    );
  }
  const output = expr.output === undefined ? { count: { $sum: 1 } } : expr.output;
  if (!isPlainObject(output)) throw located(40196, "The $bucket 'output' field must be an object");
  return coll.transform((items) => {
    const buckets: unknown[][] = bounds.slice(0, -1).map(() => []);
    const fallback: unknown[] = [];
    for (const o of items) {
      const key = evalExpr(o as never, expr.groupBy as never, options) as unknown;
      const k = key === undefined ? null : key;
      if (compareValues(k, bounds[0]) < 0 || compareValues(k, bounds[bounds.length - 1]) >= 0) {
        if (!hasDefault) {
          throw located(40066, '$switch could not find a matching branch for an input, and no default was specified.');
        }
        fallback.push(o);
        continue;
      }
      let lo = 0;
      let hi = bounds.length - 1; // largest i with bounds[i] <= k
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (compareValues(bounds[mid], k) <= 0) lo = mid;
        else hi = mid;
      }
      buckets[lo].push(o);
    }
    const out: Document[] = [];
    const emit = (id: unknown, docs: unknown[]) => {
      const d: Document = { _id: id };
      const copts = derive(options, { root: null, groupId: id });
      for (const f of Object.keys(output)) setField(d, f, evalExpr(docs as never, output[f] as never, copts));
      out.push(d);
    };
    buckets.forEach((docs, i) => docs.length && emit(bounds[i], docs));
    if (fallback.length) emit(expr.default, fallback);
    return Lazy(out);
  });
};

// ---- $lookup ---------------------------------------------------------------------------------

/** The values a local document joins on: elements of arrays, null for missing/empty. */
function localValues(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  visitPath(
    doc,
    path.split('.'),
    0,
    (x) => {
      if (Array.isArray(x)) out.push(...x);
      else out.push(x === undefined ? null : x);
      return false;
    },
    false,
  );
  return out.length ? out : [null];
}

/** Foreign documents whose `field` equals one of `values` (query equality: null matches missing). */
function joinIndex(foreign: Document[], field: string, strCmp: StringCompare | undefined) {
  const parts = field.split('.');
  if (strCmp) {
    return (values: unknown[]) =>
      foreign.filter((d) =>
        visitPath(d, parts, 0, (x) =>
          values.some((v) => (v === null ? x === null || x === undefined : x !== undefined && compareValues(x, v, strCmp) === 0)),
        ),
      );
  }
  const byKey = new Map<string, Document[]>();
  foreign.forEach((d) => {
    const keys = new Set<string>();
    visitPath(d, parts, 0, (x) => {
      keys.add(encodeValue(x === undefined ? null : x));
      return false;
    });
    for (const k of keys) {
      const list = byKey.get(k);
      if (list) list.push(d);
      else byKey.set(k, [d]);
    }
  });
  const order = new Map(foreign.map((d, i) => [d, i]));
  return (values: unknown[]) => {
    const hit = new Set<Document>();
    for (const v of values) for (const d of byKey.get(encodeValue(v)) ?? []) hit.add(d);
    return [...hit].sort((a, b) => order.get(a)! - order.get(b)!);
  };
}

const $lookup: StageOp = (coll, expr, options) => {
  if (!isPlainObject(expr)) throw located(15983, 'the $lookup stage specification must be an object');
  if (typeof expr.as !== 'string' || expr.as === '') throw located(40321, "$lookup requires an 'as' field");
  const hasFields = expr.localField !== undefined || expr.foreignField !== undefined;
  if (hasFields && (typeof expr.localField !== 'string' || typeof expr.foreignField !== 'string')) {
    throw located(40321, "$lookup requires both or neither of 'localField' and 'foreignField' to be specified");
  }
  if (typeof expr.from !== 'string') return mingoStages.$lookup(coll, expr, options);
  const resolver = (options as unknown as { collectionResolver?: (n: string) => Document[] }).collectionResolver;
  const foreign = resolver ? resolver(expr.from) : [];
  const strCmp = stringCompareOf(options);
  const join = hasFields ? joinIndex(foreign, expr.foreignField as string, strCmp) : () => foreign;
  const pipeline = expr.pipeline as Document[] | undefined;
  if (pipeline !== undefined && !Array.isArray(pipeline)) throw located(51047, "$lookup 'pipeline' must be an array");
  const agg = pipeline?.length ? new Aggregator(pipeline, options as never) : null;
  const as = expr.as;
  return coll.map((obj) => {
    const matched = join(hasFields ? localValues(obj, expr.localField as string) : []);
    let result: unknown[] = matched;
    if (agg) {
      const variables = expr.let === undefined ? {} : (evalExpr(obj as never, expr.let as never, options) as Record<string, unknown>);
      result = agg.run(matched, derive(options, { root: null, variables }) as never);
    }
    const out = { ...(obj as Document) };
    setNested(out, as, result);
    return out;
  });
};

/** Sets a (dotted) field on a shallow copy path by path, copying documents on the way. */
function setNested(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]];
    const copy: Record<string, unknown> = isPlainObject(next) ? { ...next } : {};
    setField(cur, parts[i], copy);
    cur = copy;
  }
  setField(cur, parts[parts.length - 1], value);
}

// ---- $project ----------------------------------------------------------------------------------

const isInclusion = (v: unknown) => v === true || (typeof v === 'number' && v !== 0);

/** The projection as a tree of plain objects (dotted keys split). */
function specTree(spec: Document): Record<string, unknown> {
  const tree: Record<string, unknown> = {};
  for (const k of Object.keys(spec)) {
    const parts = k.split('.');
    let cur = tree;
    for (let i = 0; i < parts.length - 1; i++) {
      if (!isPlainObject(cur[parts[i]]) || isOperatorObject(cur[parts[i]])) setField(cur, parts[i], {});
      cur = cur[parts[i]] as Record<string, unknown>;
    }
    const v = spec[k];
    const last = parts[parts.length - 1];
    if (isPlainObject(v) && !isOperatorObject(v) && isPlainObject(cur[last])) Object.assign(cur[last] as object, specTree(v));
    else setField(cur, last, isPlainObject(v) && !isOperatorObject(v) ? specTree(v) : v);
  }
  return tree;
}

function isOperatorObject(v: unknown): boolean {
  return isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$'));
}

/** Reorders a projected document: input order for included/nested fields, then computed ones. */
function orderProjected(out: unknown, input: unknown, tree: Record<string, unknown>): unknown {
  if (Array.isArray(out)) return out.map((e, i) => orderProjected(e, Array.isArray(input) ? input[i] : undefined, tree));
  if (!isPlainObject(out)) return out;
  const res: Record<string, unknown> = {};
  const src = isPlainObject(input) ? input : {};
  for (const k of Object.keys(src)) {
    if (!own(out, k)) continue;
    const s = own(tree, k) ? tree[k] : k === '_id' ? 1 : undefined;
    if (isInclusion(s)) setField(res, k, out[k]);
    else if (isPlainObject(s) && !isOperatorObject(s)) setField(res, k, orderProjected(out[k], src[k], s));
  }
  for (const k of Object.keys(tree)) if (own(out, k) && !own(res, k)) setField(res, k, out[k]);
  for (const k of Object.keys(out)) if (!own(res, k)) setField(res, k, out[k]);
  return res;
}

function isExclusionOnly(tree: Record<string, unknown>): boolean {
  return Object.entries(tree).every(([, v]) => v === false || v === 0 || (isPlainObject(v) && !isOperatorObject(v) && isExclusionOnly(v)));
}

const $project: StageOp = (coll, expr, options) => {
  if (!isPlainObject(expr) || Object.keys(expr).length === 0)
    throw located(40177, 'Invalid $project :: caused by :: projection specification must have at least one field');
  const tree = specTree(expr);
  if (isExclusionOnly(tree)) return mingoStages.$project(coll, expr, options);
  // A lazy sequence runs its steps item by item: the input of the item being projected is
  // remembered just before mingo's projection step and used right after it.
  let input: unknown;
  const tapped = coll.map((o) => (input = o));
  return mingoStages.$project(tapped, expr, options).map((out) => orderProjected(out, input, tree));
};

function lastStageOnly(name: string): StageOp {
  return () => {
    throw located(name === '$out' ? 40601 : 40601, `${name} can only be the final stage in the pipeline`);
  };
}

export const PIPELINE_STAGES: Record<string, StageOp> = {
  $sort,
  $group,
  $sortByCount,
  $count,
  $bucket,
  $lookup,
  $project,
  $out: lastStageOnly('$out'),
  $merge: lastStageOnly('$merge'),
};
