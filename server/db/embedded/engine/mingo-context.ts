/**
 * The one mingo configuration of the engine: BSON-aware comparison and `$type` operators,
 * scripts disabled, and the guards that refuse what mingo would answer wrongly.
 */
import { Context, type ProcessingMode } from 'mingo';
import { Aggregator } from 'mingo/aggregator';
import * as accumulatorOps from 'mingo/operators/accumulator';
import * as expressionOps from 'mingo/operators/expression';
import * as pipelineOps from 'mingo/operators/pipeline';
import * as projectionOps from 'mingo/operators/projection';
import * as queryOps from 'mingo/operators/query';
import * as windowOps from 'mingo/operators/window';
import { Query } from 'mingo/query';
import { resolve } from 'mingo/util';
import type { Document } from 'bson';
import { compareValues, typeRank, valuesEqual, T_ARRAY } from './bson-order';
import { assertNoDecimal } from './doc-utils';
import { MongoCommandError, asCommandError, badValue, indexNotFound } from './errors';
import { splitTextFilter } from './text-search';

type Pred = (v: unknown) => boolean;
type Opts = Parameters<typeof resolve>[2];
const RESOLVE_OPTS = { unwrapArray: true } as Opts;

function flatten(a: unknown[], out: unknown[] = []): unknown[] {
  for (const v of a) {
    if (Array.isArray(v)) flatten(v, out);
    else out.push(v);
  }
  return out;
}

function eqMatch(a: unknown, b: unknown): boolean {
  if (valuesEqual(a, b)) return true;
  if (Array.isArray(a)) {
    for (const v of a) if (valuesEqual(v, b)) return true;
    for (const v of flatten(a)) if (valuesEqual(v, b)) return true;
  }
  return false;
}

function regexMatch(a: unknown, re: RegExp): boolean {
  const vals = Array.isArray(a) ? flatten(a) : [a];
  for (const v of vals) {
    if (typeof v === 'string') {
      re.lastIndex = 0;
      if (re.test(v)) return true;
    }
  }
  return false;
}

function cmpMatch(a: unknown, b: unknown, ok: (c: number) => boolean): boolean {
  const tb = typeRank(b);
  if (Array.isArray(a)) {
    if (tb === T_ARRAY && ok(compareValues(a, b))) return true;
    for (const v of a) if (typeRank(v) === tb && ok(compareValues(v, b))) return true;
    return false;
  }
  return typeRank(a) === tb && ok(compareValues(a, b));
}

function fieldOp(pred: (lhs: unknown, value: unknown) => boolean) {
  return (selector: string, value: unknown) => (o: unknown) => pred(resolve(o as never, selector, RESOLVE_OPTS), value);
}

function inMatch(a: unknown, values: unknown): boolean {
  if (!Array.isArray(values)) throw badValue('$in needs an array');
  for (const v of values) {
    if (v instanceof RegExp ? regexMatch(a, v) : eqMatch(a, v)) return true;
  }
  return false;
}

/** `$all`: every listed value matches (a scalar field matches `[itself]`); `$elemMatch` items. */
function allOp(selector: string, values: unknown) {
  if (!Array.isArray(values)) throw badValue('$all needs an array');
  const isElem = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v)[0] === '$elemMatch';
  const preds = values.map((v): ((o: unknown, lhs: unknown) => boolean) => {
    if (isElem(v)) {
      const q = new Query({ [selector]: v }, PREPARED);
      return (o) => q.test(o as never);
    }
    if (v instanceof RegExp) return (_o, lhs) => regexMatch(lhs, v);
    return (_o, lhs) => eqMatch(lhs, v);
  });
  return (o: unknown) => {
    if (values.length === 0) return false;
    const lhs = resolve(o as never, selector, RESOLVE_OPTS);
    for (const p of preds) if (!p(o, lhs)) return false;
    return true;
  };
}

// ---- $type -------------------------------------------------------------------------------

const TYPE_ALIASES: Record<string, number> = {
  double: 1,
  string: 2,
  object: 3,
  array: 4,
  binData: 5,
  undefined: 6,
  objectId: 7,
  bool: 8,
  date: 9,
  null: 10,
  regex: 11,
  dbPointer: 12,
  javascript: 13,
  symbol: 14,
  javascriptWithScope: 15,
  int: 16,
  timestamp: 17,
  long: 18,
  decimal: 19,
  minKey: -1,
  maxKey: 127,
};

/** BSON type code a value would be stored as. */
export function bsonTypeCode(v: unknown): number {
  if (v === null) return 10;
  if (v === undefined) return 6;
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && !Object.is(v, -0) ? 16 : 1;
    case 'bigint':
      return 18;
    case 'string':
      return 2;
    case 'boolean':
      return 8;
  }
  if (Array.isArray(v)) return 4;
  if (v instanceof Date) return 9;
  if (v instanceof RegExp) return 11;
  if (v instanceof Uint8Array) return 5;
  switch ((v as { _bsontype?: string })._bsontype) {
    case 'ObjectId':
      return 7;
    case 'Long':
      return 18;
    case 'Int32':
      return 16;
    case 'Double':
      return 1;
    case 'Decimal128':
      return 19;
    case 'Binary':
      return 5;
    case 'Timestamp':
      return 17;
    case 'BSONRegExp':
      return 11;
    case 'BSONSymbol':
      return 14;
    case 'MinKey':
      return -1;
    case 'MaxKey':
      return 127;
    case 'Code':
      return (v as { scope?: unknown }).scope ? 15 : 13;
    case 'DBRef':
      return 3;
  }
  return 3;
}

function typeCodesOf(spec: unknown): Set<number | 'number'> {
  const list = Array.isArray(spec) ? spec : [spec];
  const out = new Set<number | 'number'>();
  for (const t of list) {
    if (typeof t === 'number') out.add(t);
    else if (typeof t === 'string' && t === 'number') out.add('number');
    else if (typeof t === 'string' && t in TYPE_ALIASES) out.add(TYPE_ALIASES[t]);
    else if (t && typeof t === 'object' && typeof (t as { valueOf(): unknown }).valueOf() === 'number') {
      out.add((t as { valueOf(): number }).valueOf());
    } else throw badValue(`Unknown type name alias: ${String(t)}`);
  }
  return out;
}

function typeMatchOne(v: unknown, codes: Set<number | 'number'>): boolean {
  if (v === undefined) return false; // a missing field has no type
  const c = bsonTypeCode(v);
  if (codes.has(c)) return true;
  return codes.has('number') && (c === 1 || c === 16 || c === 18 || c === 19);
}

const $type = (selector: string, spec: unknown) => {
  const codes = typeCodesOf(spec);
  return (o: unknown) => {
    const lhs = resolve(o as never, selector, RESOLVE_OPTS);
    if (typeMatchOne(lhs, codes)) return true;
    if (Array.isArray(lhs)) for (const v of lhs) if (typeMatchOne(v, codes)) return true;
    return false;
  };
};

// ---- refusals ------------------------------------------------------------------------------

const GEO = new Set(['$near', '$nearSphere', '$geoWithin', '$geoIntersects', '$within', '$geoNear']);
const SCRIPT = new Set(['$where', '$function', '$accumulator']);

/** Throws for operators the engine refuses; returns true when `$text` occurs. */
export function scanForRefused(v: unknown, depth = 0): boolean {
  if (v === null || typeof v !== 'object' || depth > 100) return false;
  let text = false;
  if (Array.isArray(v)) {
    for (const e of v) text = scanForRefused(e, depth + 1) || text;
    return text;
  }
  if ((v as { _bsontype?: string })._bsontype === 'Decimal128') assertNoDecimal(v, 'query');
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return false;
  for (const k of Object.keys(v)) {
    if (k.charCodeAt(0) === 36 /* $ */) {
      if (SCRIPT.has(k)) throw badValue(`${k} is not allowed on this server (server-side JavaScript is disabled)`);
      if (GEO.has(k)) throw badValue(`${k}: geospatial queries are not supported by this server`);
      if (k === '$text') text = true;
      if (k === '$collation' || k === 'collation') throw badValue('collation is not supported by this server');
    }
    text = scanForRefused((v as Record<string, unknown>)[k], depth + 1) || text;
  }
  return text;
}

// ---- the context ---------------------------------------------------------------------------

const CUSTOM_QUERY_OPS = {
  $eq: fieldOp(eqMatch),
  $ne: fieldOp((a, b) => !eqMatch(a, b)),
  $gt: fieldOp((a, b) => cmpMatch(a, b, (c) => c > 0)),
  $gte: fieldOp((a, b) => cmpMatch(a, b, (c) => c >= 0)),
  $lt: fieldOp((a, b) => cmpMatch(a, b, (c) => c < 0)),
  $lte: fieldOp((a, b) => cmpMatch(a, b, (c) => c <= 0)),
  $in: fieldOp(inMatch),
  $nin: fieldOp((a, b) => !inMatch(a, b)),
  $type,
  $all: allOp,
};

/** Every mingo operator, with the BSON-aware ones above replacing mingo's own. */
const FULL_CONTEXT = Context.init({
  accumulator: accumulatorOps as never,
  expression: expressionOps as never,
  pipeline: pipelineOps as never,
  projection: projectionOps as never,
  query: { ...(queryOps as object), ...CUSTOM_QUERY_OPS } as never,
  window: windowOps as never,
});

export const MINGO_OPTIONS = {
  context: FULL_CONTEXT,
  scriptEnabled: false,
  useStrictMode: true,
  failOnError: true,
  processingMode: 0 as ProcessingMode,
  idKey: '_id',
};

/**
 * mingo copies its whole operator table whenever it is handed plain options (tens of us per
 * query). Handed its own prepared options object it does not; mingo does not export that
 * class, so one is captured once from a throw-away query through a private operator.
 */
const PREPARED: typeof MINGO_OPTIONS = (() => {
  let captured: unknown = null;
  const ctx = Context.from(FULL_CONTEXT).addQueryOps({
    $__captureOptions: (_s: string, _v: unknown, o: unknown) => {
      captured = o;
      return () => true;
    },
  } as never);
  new Query({ x: { $__captureOptions: 1 } }, { ...MINGO_OPTIONS, context: ctx });
  if (!captured) throw new Error('mingo options could not be prepared');
  return captured as typeof MINGO_OPTIONS;
})();

export type Resolver = (name: string) => Document[];

/** Whether the collection has a text index, for filters using `$text` (see text-search.ts). */
export interface TextHook {
  hasTextIndex: boolean;
}

/**
 * A validated filter, compiled by mingo on first use: a plan that answers the filter
 * exactly from an index never pays for compiling it.
 */
export class Matcher {
  private q: Query | null = null;
  /**
   * @param filter the filter mingo tests (a `$text` clause already taken out)
   * @param text that `$text` clause, answered by the collection's text index (text-read.ts)
   */
  constructor(
    readonly filter: Document,
    readonly text: Document | null = null,
  ) {}

  /** Compiles now (surfacing errors in the filter). */
  compile(): this {
    if (!this.q) {
      try {
        this.q = new Query(this.filter, PREPARED);
      } catch (e) {
        throw asCommandError(e);
      }
    }
    return this;
  }

  test(doc: unknown): boolean {
    if (!this.q) this.compile();
    try {
      return this.q!.test(doc as Document);
    } catch (e) {
      throw asCommandError(e);
    }
  }
}

/** Validates a filter (refusals, `$text`); compiles lazily. Errors become code 2 (BadValue). */
export function compileFilter(filter: Document | undefined, text?: TextHook): Matcher {
  const f = filter ?? {};
  if (typeof f !== 'object' || Array.isArray(f)) throw badValue('query filter must be an object');
  if (scanForRefused(f)) {
    const split = splitTextFilter(f); // BadValue for a misplaced $text, index or not
    if (!text?.hasTextIndex) throw indexNotFound('text index required for $text query');
    return new Matcher(split.rest, split.text);
  }
  return new Matcher(f);
}

export function runAggregator(pipeline: Document[], docs: Iterable<Document>, resolver?: Resolver): Document[] {
  try {
    const agg = new Aggregator(pipeline, { ...MINGO_OPTIONS, collectionResolver: resolver });
    return agg.run(Array.isArray(docs) ? docs : [...docs]) as Document[];
  } catch (e) {
    if (e instanceof MongoCommandError) throw e;
    throw asCommandError(e);
  }
}

/**
 * Like runAggregator, but lazy: stages that can stream ($match, $project, $unwind, $limit,
 * ...) pull documents from `docs` only as the result is read; blocking stages ($group,
 * $sort, ...) read their whole input when first asked.
 */
export function streamAggregator(pipeline: Document[], docs: Iterable<Document>, resolver?: Resolver): Iterator<Document> {
  try {
    const it = new Aggregator(pipeline, { ...MINGO_OPTIONS, collectionResolver: resolver }).stream(docs);
    return { next: () => it.next() as IteratorResult<Document> };
  } catch (e) {
    throw asCommandError(e);
  }
}

/** Re-orders `out`'s fields to follow `src` (MongoDB keeps document order), extras last. */
function reorderLike(out: unknown, src: unknown): unknown {
  if (!isPlain(out) || !isPlain(src)) return out;
  const res: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (k === '__proto__') Object.defineProperty(res, k, { value: v, enumerable: true, writable: true, configurable: true });
    else res[k] = v;
  };
  for (const k of Object.keys(src)) {
    if (Object.prototype.hasOwnProperty.call(out, k)) put(k, reorderLike(out[k], src[k]));
  }
  for (const k of Object.keys(out)) {
    if (!Object.prototype.hasOwnProperty.call(src, k)) put(k, out[k]);
  }
  return res;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/** find-style projection of already selected documents (positional `$` needs the filter). */
export function project(docs: Document[], projection: Document, filter: Document | undefined): Document[] {
  let out: Document[];
  try {
    out = new Query(filter ?? {}, PREPARED).find(docs, projection).all() as Document[];
  } catch (e) {
    throw asCommandError(e);
  }
  if (out.length !== docs.length) return out;
  return out.map((d, i) => reorderLike(d, docs[i]) as Document);
}
