/**
 * The one mingo configuration of the engine: mingo's operators, with the ones whose answers
 * differ from MongoDB's replaced (query-ops.ts: path semantics and BSON comparisons;
 * expr-ops.ts: expression comparisons, arithmetic types, truthiness; stage-ops.ts: $sort,
 * $group, $bucket, $lookup, $project, $count), scripts disabled, and the guards that refuse
 * what it would still answer wrongly. Per-operation options (collation, `let` variables)
 * travel in mingo's options to every operator.
 */
import { Context, type ProcessingMode } from 'mingo';
import { Aggregator } from 'mingo/aggregator';
import { evalExpr } from 'mingo/core';
import * as accumulatorOps from 'mingo/operators/accumulator';
import * as expressionOps from 'mingo/operators/expression';
import * as pipelineOps from 'mingo/operators/pipeline';
import * as projectionOps from 'mingo/operators/projection';
import * as queryOps from 'mingo/operators/query';
import * as windowOps from 'mingo/operators/window';
import { Query } from 'mingo/query';
import type { Document } from 'bson';
import type { StringCompare } from './bson-order';
import { collationCompare } from './collation';
import { assertNoDecimal, isPlainObject } from './doc-utils';
import { MongoCommandError, asCommandError, badValue, indexNotFound, mongoError } from './errors';
import { ACCUMULATOR_OPERATORS, EXPRESSION_OPERATORS, exprQueryOp } from './expr-ops';
import { queryOperators } from './query-ops';
import { PIPELINE_STAGES } from './stage-ops';
import { splitTextFilter } from './text-search';

export { bsonTypeCode } from './bson-types';

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
    }
    text = scanForRefused((v as Record<string, unknown>)[k], depth + 1) || text;
  }
  return text;
}

// ---- the context ---------------------------------------------------------------------------

const CUSTOM_QUERY_OPS = {
  ...queryOperators((filter) => new Query(filter, PREPARED)),
  $expr: exprQueryOp,
};

/** Every mingo operator, with the MongoDB-faithful ones replacing mingo's own. */
const FULL_CONTEXT = Context.init({
  accumulator: { ...(accumulatorOps as object), ...ACCUMULATOR_OPERATORS } as never,
  expression: { ...(expressionOps as object), ...EXPRESSION_OPERATORS } as never,
  pipeline: { ...(pipelineOps as object), ...PIPELINE_STAGES } as never,
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

/** Whether a pipeline stage name is one the engine knows (else MongoDB's 40324). */
export function isKnownStage(name: string): boolean {
  return FULL_CONTEXT.getOperator('pipeline' as never, name) !== null;
}

/** Whether the collection has a text index, for filters using `$text` (see text-search.ts). */
export interface TextHook {
  hasTextIndex: boolean;
}

/**
 * Per-operation options of a query or pipeline: the command's `collation` (validated by
 * collation.ts) and its `let` variables, already evaluated (see evaluateLet).
 */
export interface OperationOptions {
  collation?: Document;
  variables?: Record<string, unknown>;
}

/** The mingo options of an operation: the prepared ones unless it has a collation or variables. */
function optionsFor(op: OperationOptions | undefined): typeof MINGO_OPTIONS {
  if (!op || (op.collation === undefined && op.variables === undefined)) return PREPARED;
  const collation = collationCompare(op.collation) ? op.collation : undefined; // 'simple' is none
  if (collation === undefined && op.variables === undefined) return PREPARED;
  return { ...MINGO_OPTIONS, collation, variables: op.variables } as typeof MINGO_OPTIONS;
}

/**
 * A validated filter, compiled by mingo on first use: a plan that answers the filter
 * exactly from an index never pays for compiling it.
 */
export class Matcher {
  private q: Query | null = null;
  /** the collation's string order (undefined: simple byte order) */
  readonly strCmp: StringCompare | undefined;

  /**
   * @param filter the filter mingo tests (a `$text` clause already taken out)
   * @param text that `$text` clause, answered by the collection's text index (text-read.ts)
   * @param op the operation's collation and `let` variables
   */
  constructor(
    readonly filter: Document,
    readonly text: Document | null = null,
    readonly op: OperationOptions = {},
  ) {
    this.strCmp = collationCompare(op.collation);
  }

  /** Compiles now (surfacing errors in the filter). */
  compile(): this {
    if (!this.q) {
      try {
        this.q = new Query(this.filter, optionsFor(this.op));
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

/**
 * Validates a filter (refusals, `$text`); compiles lazily. Errors become code 2 (BadValue).
 * `op` carries the operation's collation and `let` variables.
 */
export function compileFilter(filter: Document | undefined, text?: TextHook, op?: OperationOptions): Matcher {
  const f = filter ?? {};
  if (typeof f !== 'object' || Array.isArray(f)) throw badValue('query filter must be an object');
  if (scanForRefused(f)) {
    const split = splitTextFilter(f); // BadValue for a misplaced $text, index or not
    if (!text?.hasTextIndex) throw indexNotFound('text index required for $text query');
    return new Matcher(split.rest, split.text, op);
  }
  return new Matcher(f, null, op);
}

const SYSTEM_VARIABLES = new Set([
  'ROOT',
  'CURRENT',
  'REMOVE',
  'NOW',
  'CLUSTER_TIME',
  'DESCEND',
  'PRUNE',
  'KEEP',
  'SEARCH_META',
  'USER_ROLES',
]);

/**
 * The values of a command's `let` document: each is an expression evaluated once, without a
 * current document (so `$$NOW` works and field paths are missing). Names follow MongoDB's
 * rules for user variables.
 */
export function evaluateLet(letDoc: unknown, op: OperationOptions = {}): Record<string, unknown> | undefined {
  if (letDoc === undefined || letDoc === null) return undefined;
  if (!isPlainObject(letDoc)) throw mongoError(14, "BSON field 'let' is the wrong type, expected type 'object'");
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(letDoc)) {
    if (name === '') throw mongoError(16866, 'empty variable names are not allowed');
    if (SYSTEM_VARIABLES.has(name)) throw mongoError(4738901, `'${name}' is a system variable and cannot be set with let`);
    if (!/^[a-z\u0080-\uffff]/.test(name)) {
      throw mongoError(16867, `'${name}' starts with an invalid character for a user variable name`);
    }
    if (!/^[A-Za-z0-9_\u0080-\uffff]*$/.test(name)) {
      throw mongoError(16868, `'${name}' contains an invalid character for a variable name`);
    }
    try {
      out[name] = evalExpr({}, letDoc[name] as never, optionsFor({ collation: op.collation, variables: out }) as never);
    } catch (e) {
      throw asCommandError(e);
    }
  }
  return out;
}

export function runAggregator(pipeline: Document[], docs: Iterable<Document>, resolver?: Resolver, op?: OperationOptions): Document[] {
  try {
    const agg = new Aggregator(pipeline, { ...aggregatorOptions(op), collectionResolver: resolver } as never);
    return agg.run(Array.isArray(docs) ? docs : [...docs]) as Document[];
  } catch (e) {
    if (e instanceof MongoCommandError) throw e;
    throw asCommandError(e);
  }
}

/** Plain mingo options (not the prepared object) for an Aggregator, which copies them anyway. */
function aggregatorOptions(op: OperationOptions | undefined): Partial<typeof MINGO_OPTIONS> & OperationOptions {
  const collation = op?.collation !== undefined && collationCompare(op.collation) ? op.collation : undefined;
  return { ...MINGO_OPTIONS, collation, variables: op?.variables };
}

/**
 * Like runAggregator, but lazy: stages that can stream ($match, $project, $unwind, $limit,
 * ...) pull documents from `docs` only as the result is read; blocking stages ($group,
 * $sort, ...) read their whole input when first asked.
 */
export function streamAggregator(
  pipeline: Document[],
  docs: Iterable<Document>,
  resolver?: Resolver,
  op?: OperationOptions,
): Iterator<Document> {
  try {
    const it = new Aggregator(pipeline, { ...aggregatorOptions(op), collectionResolver: resolver } as never).stream(docs);
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
export function project(docs: Document[], projection: Document, filter: Document | undefined, op?: OperationOptions): Document[] {
  let out: Document[];
  try {
    out = new Query(filter ?? {}, optionsFor(op)).find(docs, projection).all() as Document[];
  } catch (e) {
    throw asCommandError(e);
  }
  if (out.length !== docs.length) return out;
  return out.map((d, i) => reorderLike(d, docs[i]) as Document);
}
