/** find, count, distinct, aggregate and explain over the planner and mingo. */
import type { Document } from 'bson';
import type { AggregateOptions, CountOptions, FindOptions, OperationSpec } from '../engine-api';
import { compareValues, type StringCompare } from './bson-order';
import type { Catalog } from './catalog';
import type { Collection } from './collection';
import { cloneDeep, isPlainObject, normalizeFilter } from './doc-utils';
import { Deadline, asCommandError, badValue, mongoError } from './errors';
import { compileFilter, evaluateLet, isKnownStage, runAggregator, scanForRefused } from './mingo-context';
import type { Matcher, OperationOptions } from './mingo-context';
import { projectDocs } from './projection';
import { plan, type Plan } from './planner';
import { documentComparator, groupByValue, sortDocuments } from './stage-ops';
import { countMatching, countPipelineShape } from './count';
import { selectText } from './text-read';
import { addScores, assertNoScoreWithoutText, rewriteScoreMeta, SCORE_FIELD, splitMetaProjection } from './text-search';

function toCount(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'number' ? v : Number((v as { valueOf(): unknown }).valueOf());
  if (!Number.isFinite(n)) throw badValue(`${what} must be a number`);
  return Math.trunc(n);
}

/** Sorts documents in place the way MongoDB does (stable: ties keep natural order). */
export function sortDocs(docs: Document[], sort: Document, strCmp?: StringCompare): void {
  sortDocuments(docs, sort, strCmp);
}

/** The first `need` documents in sort order, keeping only `need` candidates at a time. */
function topK(docs: Iterable<Document>, sort: Document, need: number, strCmp?: StringCompare): Document[] {
  const { keyed, cmp } = documentComparator(sort, strCmp);
  const best: ReturnType<typeof keyed>[] = [];
  for (const d of docs) {
    const item = keyed(d);
    if (best.length === need && cmp(item, best[need - 1]) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(item, best[mid]) < 0) hi = mid;
      else lo = mid + 1;
    }
    best.splice(lo, 0, item);
    if (best.length > need) best.pop();
  }
  return best.map((x) => x.d);
}

export interface Selection {
  docs: Document[];
  plan: Plan;
  /** `$text` queries: each selected (stored) document's text score */
  scores?: Map<Document, number>;
}

/** Matching documents after sort/skip/limit, without projection. */
export function select(
  coll: Collection | undefined,
  filter: Document,
  q: Matcher,
  o: { sort?: Document; skip?: number; limit?: number; hint?: unknown },
  deadline: Deadline,
): Selection {
  try {
    return selectUnguarded(coll, filter, q, o, deadline);
  } catch (e) {
    throw asCommandError(e); // a query must never crash the server
  }
}

function selectUnguarded(
  coll: Collection | undefined,
  filter: Document,
  q: Matcher,
  o: { sort?: Document; skip?: number; limit?: number; hint?: unknown },
  deadline: Deadline,
): Selection {
  if (q.text) return selectText(coll, q, o, deadline, (docs, sort) => sortDocs(docs, sort, q.strCmp));
  const p = plan(coll, filter, o.sort, o.hint, q.strCmp !== undefined);
  const skip = Math.max(0, toCount(o.skip, 'skip'));
  const limit = Math.abs(toCount(o.limit, 'limit'));
  const testAll = Object.keys(filter).length === 0 || !!p.exact;
  if (!testAll) q.compile(); // errors in the filter surface even when nothing is scanned
  const out: Document[] = [];
  if (p.sortCovered) {
    const need = limit > 0 ? skip + limit : Infinity;
    for (const d of p.candidates()) {
      deadline.tick();
      if (testAll || q.test(d)) {
        out.push(d);
        if (out.length >= need) break;
      }
    }
    return { docs: skip ? out.slice(skip) : out, plan: p };
  }
  if (limit > 0 && skip + limit <= 1000) {
    const matches = (function* () {
      for (const d of p.candidates()) {
        deadline.tick();
        if (testAll || q.test(d)) yield d;
      }
    })();
    const top = topK(matches, o.sort!, skip + limit, q.strCmp);
    return { docs: top.slice(skip), plan: p };
  }
  for (const d of p.candidates()) {
    deadline.tick();
    if (testAll || q.test(d)) out.push(d);
  }
  deadline.check();
  sortDocs(out, o.sort!, q.strCmp);
  return { docs: out.slice(skip, limit > 0 ? skip + limit : undefined), plan: p };
}

function filterOf(f: unknown): Document {
  if (f === undefined || f === null) return {};
  if (!isPlainObject(f)) throw badValue('filter must be an object');
  return normalizeFilter(f);
}

/** A command's collation and `let` document as the options of its queries and pipelines. */
export function operationOptions(collation: unknown, letDoc: unknown): OperationOptions {
  const op: OperationOptions = {};
  if (collation !== undefined && collation !== null) op.collation = collation as Document;
  const variables = evaluateLet(letDoc, op);
  if (variables) op.variables = variables;
  return op;
}

export function find(cat: Catalog, db: string, coll: string, o: FindOptions): Document[] {
  return findWithPlan(cat, db, coll, o).docs;
}

export function findWithPlan(cat: Catalog, db: string, coll: string, o: FindOptions): Selection {
  const c = cat.get(db, coll);
  const filter = filterOf(o.filter);
  const op = operationOptions(o.collation, o.let);
  const q = compileFilter(filter, { hasTextIndex: !!c?.text }, op);
  const deadline = new Deadline(o.maxTimeMS);
  if (o.sort !== undefined && !isPlainObject(o.sort)) throw badValue('sort must be an object');
  if (!q.text) assertNoScoreWithoutText(o.sort, o.projection);
  const sel = select(c, filter, q, o, deadline);
  const meta = splitMetaProjection(o.projection);
  const selected = sel.docs;
  if (meta.rest && isPlainObject(meta.rest) && Object.keys(meta.rest).length) {
    sel.docs = projectDocs(sel.docs, meta.rest, q.filter, op);
  }
  if (meta.names.length && sel.scores) sel.docs = addScores(sel.docs, selected, sel.scores, meta.names);
  return sel;
}

function describePlan(p: Plan): Document {
  const winningPlan: Document = { stage: p.stage };
  if (p.indexName) winningPlan.indexName = p.indexName;
  if (p.keyPattern) winningPlan.keyPattern = p.keyPattern;
  if (p.direction) winningPlan.direction = p.direction;
  if (p.intervals !== undefined) winningPlan.intervals = p.intervals;
  winningPlan.sortCovered = p.sortCovered;
  return winningPlan;
}

function explainOf(ns: string, filter: Document, p: Plan, run: (() => number) | null): Document {
  const out: Document = {
    explainVersion: '1',
    queryPlanner: { namespace: ns, parsedQuery: filter, winningPlan: describePlan(p), rejectedPlans: [] },
  };
  if (run) {
    const started = Date.now();
    const nReturned = run();
    out.executionStats = {
      executionSuccess: true,
      nReturned,
      executionTimeMillis: Date.now() - started,
      totalKeysExamined: p.stats.keysExamined,
      totalDocsExamined: p.stats.docsExamined,
    };
  }
  return out;
}

/** explain for a find: plan plus execution counters. */
export function explain(cat: Catalog, db: string, coll: string, o: FindOptions): Document {
  const started = Date.now();
  const sel: Selection | null = findWithPlan(cat, db, coll, o);
  const out = explainOf(`${db}.${coll}`, filterOf(o.filter), sel.plan, null);
  out.executionStats = {
    executionSuccess: true,
    nReturned: sel.docs.length,
    executionTimeMillis: Date.now() - started,
    totalKeysExamined: sel.plan.stats.keysExamined,
    totalDocsExamined: sel.plan.stats.docsExamined,
  };
  return out;
}

/** explain of a find / count / distinct / aggregate command document. */
export function explainCommand(cat: Catalog, db: string, cmd: Document, verbosity: string): Document {
  const name = Object.keys(cmd)[0];
  const execute = verbosity !== 'queryPlanner';
  const coll = typeof cmd[name] === 'string' ? (cmd[name] as string) : null;
  const c = coll === null ? undefined : cat.get(db, coll);
  const ns = `${db}.${coll ?? '$cmd.aggregate'}`;
  let filter: Document = {};
  let o: { sort?: Document; skip?: number; limit?: number; hint?: unknown } = {};
  let run: (() => number) | null = null;
  switch (name) {
    case 'find': {
      filter = filterOf(cmd.filter);
      o = { sort: cmd.sort, skip: cmd.skip, limit: cmd.limit, hint: cmd.hint };
      break;
    }
    case 'count':
      filter = filterOf(cmd.query);
      o = { skip: cmd.skip, limit: cmd.limit, hint: cmd.hint };
      break;
    case 'distinct':
      filter = filterOf(cmd.query);
      break;
    case 'aggregate': {
      const pl = Array.isArray(cmd.pipeline) ? (cmd.pipeline as Document[]) : [];
      if (pl.length && isPlainObject(pl[0]) && pl[0].$match !== undefined) {
        filter = filterOf(pl[0].$match);
        if (pl.length > 1 && isPlainObject(pl[1]?.$sort)) o.sort = pl[1].$sort as Document;
      }
      o.hint = cmd.hint;
      if (execute) {
        run = () =>
          aggregate(cat, db, coll, pl, { hint: cmd.hint, maxTimeMS: cmd.maxTimeMS as number, collation: cmd.collation, let: cmd.let })
            .length;
      }
      break;
    }
    default:
      throw badValue(`cannot explain '${name}'`);
  }
  const q = compileFilter(filter, { hasTextIndex: !!c?.text }, operationOptions(cmd.collation, cmd.let));
  if (q.text) {
    const sel = select(c, filter, q, o, new Deadline(cmd.maxTimeMS as number | undefined));
    return explainOf(ns, filter, sel.plan, execute ? (run ?? (() => sel.docs.length)) : null);
  }
  const p = plan(c, filter, o.sort, o.hint, q.strCmp !== undefined);
  if (execute && !run) {
    run = () => {
      const deadline = new Deadline(cmd.maxTimeMS as number | undefined);
      const testAll = Object.keys(filter).length === 0;
      let n = 0;
      const skip = Math.max(0, toCount(o.skip, 'skip'));
      const limit = Math.abs(toCount(o.limit, 'limit'));
      for (const d of p.candidates()) {
        deadline.tick();
        if (testAll || q.test(d)) n++;
      }
      n = Math.max(0, n - skip);
      return limit ? Math.min(n, limit) : n;
    };
  }
  return explainOf(ns, filter, p, run);
}

export function count(cat: Catalog, db: string, coll: string, o: CountOptions): number {
  const op = operationOptions(o.collation, o.let);
  const c = cat.get(db, coll);
  if (!c) return 0;
  const filter = filterOf(o.query);
  const skip = Math.max(0, toCount(o.skip, 'skip'));
  const limit = Math.abs(toCount(o.limit, 'limit'));
  if (Object.keys(filter).length === 0 && o.hint === undefined) {
    const n = Math.max(0, c.docs.size - skip);
    return limit > 0 ? Math.min(n, limit) : n;
  }
  const q = compileFilter(filter, { hasTextIndex: !!c.text }, op);
  const deadline = new Deadline(o.maxTimeMS);
  const counted = countMatching(c, filter, q, o.hint, deadline); // count.ts: no result array
  if (counted !== null) {
    const n = Math.max(0, counted - skip);
    return limit > 0 ? Math.min(n, limit) : n;
  }
  return select(c, filter, q, { skip, limit, hint: o.hint }, deadline).docs.length;
}

/** countDocuments' pipeline answered by countMatching (count.ts); null: not that shape. */
function countByPipeline(c: Collection | undefined, pipeline: Document[], opts: AggregateOptions, op: OperationOptions): Document[] | null {
  const shape = countPipelineShape(pipeline);
  if (!shape) return null;
  const skip = shape.skip === undefined ? 0 : shape.skip;
  const limit = shape.limit === undefined ? 0 : shape.limit;
  if (typeof skip !== 'number' || !Number.isInteger(skip) || skip < 0) return null;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || (shape.limit !== undefined && limit === 0)) return null;
  const filter = filterOf(shape.match);
  const q = compileFilter(filter, { hasTextIndex: !!c?.text }, op);
  const counted = countMatching(c, filter, q, opts.hint, new Deadline(opts.maxTimeMS));
  if (counted === null) return null;
  let n = Math.max(0, counted - skip);
  if (limit > 0) n = Math.min(n, limit);
  return n > 0 ? [{ _id: shape.id, [shape.field]: n }] : [];
}

function distinctValues(v: unknown, parts: string[], i: number, out: unknown[]): void {
  if (v === undefined) return;
  if (i === parts.length) {
    if (Array.isArray(v)) out.push(...v);
    else out.push(v);
    return;
  }
  if (Array.isArray(v)) {
    const p = parts[i];
    if (/^\d+$/.test(p)) distinctValues(v[Number(p)], parts, i + 1, out);
    for (const e of v) if (isPlainObject(e)) distinctValues(e, parts, i, out);
    return;
  }
  if (isPlainObject(v) && Object.prototype.hasOwnProperty.call(v, parts[i])) {
    distinctValues(v[parts[i]], parts, i + 1, out);
  }
}

export function distinct(
  cat: Catalog,
  db: string,
  coll: string,
  key: string,
  query?: Document,
  opts: OperationSpec & { maxTimeMS?: number } = {},
): unknown[] {
  if (typeof key !== 'string' || key === '') throw badValue('distinct key must be a non-empty string');
  const op = operationOptions(opts.collation, opts.let);
  const c = cat.get(db, coll);
  const filter = filterOf(query);
  const q = compileFilter(filter, { hasTextIndex: !!c?.text }, op);
  if (!c) return [];
  const { docs } = select(c, filter, q, {}, new Deadline(opts.maxTimeMS));
  const parts = key.split('.');
  const vals: unknown[] = [];
  for (const d of docs) distinctValues(d, parts, 0, vals);
  // values equal by value (or under the collation) appear once, as first seen
  return groupByValue(vals, (v) => v, q.strCmp)
    .map((g) => g.id)
    .sort((a, b) => compareValues(a, b, q.strCmp));
}

/**
 * Every stage is a one-field object naming a stage the engine knows (40323 / 40324 as in
 * MongoDB) and not one it refuses; `$out` and `$merge` only last (the engine runs them).
 */
export function checkPipeline(pipeline: unknown): asserts pipeline is Document[] {
  if (!Array.isArray(pipeline)) throw mongoError(14, "'pipeline' option must be specified as an array");
  pipeline.forEach((st, i) => {
    if (!isPlainObject(st) || Object.keys(st).length !== 1) {
      throw mongoError(40323, 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = Object.keys(st)[0];
    if (REFUSED_STAGES[name]) throw badValue(REFUSED_STAGES[name]);
    if (!isKnownStage(name)) throw mongoError(40324, `Unrecognized pipeline stage name: '${name}'`);
    if ((name === '$out' || name === '$merge') && i !== pipeline.length - 1) {
      throw mongoError(40601, `${name} can only be the final stage in the pipeline`);
    }
  });
}

const READ_ONLY_STAGES = new Set(['$match', '$sort', '$skip', '$limit', '$count', '$group', '$sortByCount']);

const REFUSED_STAGES: Record<string, string> = {
  $geoNear: '$geoNear: geospatial queries are not supported by this server',
  $search: '$search is not supported by this server',
  $searchMeta: '$searchMeta is not supported by this server',
  $vectorSearch: '$vectorSearch is not supported by this server',
  $changeStream: 'change streams are not supported by this server',
  $collStats: '$collStats is not supported by this server; use the collStats command',
  $indexStats: '$indexStats is not supported by this server',
  $currentOp: '$currentOp is not supported by this server',
  $listSessions: '$listSessions is not supported by this server',
  $listLocalSessions: '$listLocalSessions is not supported by this server',
  $planCacheStats: '$planCacheStats is not supported by this server',
};

export function aggregate(cat: Catalog, db: string, coll: string | null, pipeline: Document[], opts: AggregateOptions = {}): Document[] {
  checkPipeline(pipeline);
  const op = operationOptions(opts.collation, opts.let);
  const c = coll === null ? undefined : cat.get(db, coll);
  if (coll !== null) {
    const counted = countByPipeline(c, pipeline, opts, op);
    if (counted) return counted;
  }
  pipeline = cloneDeep(pipeline);
  // $text: only in a $match that is the first stage (the filter checks the rest).
  pipeline.forEach((st, i) => {
    if (scanForRefused(st) && !(i === 0 && st.$match !== undefined)) {
      throw badValue('$text is only allowed in a $match that is the first stage of a pipeline');
    }
  });
  let scores: Map<Document, number> | undefined;
  const deadline = new Deadline(opts.maxTimeMS);
  let rest = pipeline;
  let source: Document[] | Iterable<Document>;
  if (coll === null) {
    source = [];
  } else if (rest.length && rest[0].$match !== undefined) {
    const filter = filterOf(rest[0].$match);
    const q = compileFilter(filter, { hasTextIndex: !!c?.text }, op);
    rest = rest.slice(1);
    const o: { sort?: Document; skip?: number; limit?: number; hint?: unknown } = { hint: opts.hint };
    if (!q.text && rest.length && isPlainObject(rest[0].$sort)) {
      o.sort = rest[0].$sort;
      rest = rest.slice(1);
      if (rest.length && rest[0].$skip !== undefined) {
        o.skip = toCount(rest[0].$skip, '$skip');
        rest = rest.slice(1);
      }
      if (rest.length && rest[0].$limit !== undefined) {
        o.limit = toCount(rest[0].$limit, '$limit');
        if (o.limit <= 0) throw badValue('the limit must be positive');
        rest = rest.slice(1);
      }
    }
    const sel = select(c, filter, q, o, deadline);
    source = sel.docs;
    scores = sel.scores;
  } else {
    source = c ? c.docs.values() : [];
  }
  rest = rewriteScoreMeta(rest, !!scores);
  if (scores) {
    // The score rides along as a hidden field of copies; see text-search.ts.
    const s = scores;
    source = (source as Document[]).map((d) => ({ ...d, [SCORE_FIELD]: s.get(d) }));
  }
  // mingo reshapes documents in place in several stages: unless the rest of the pipeline
  // only filters, orders or groups, it works on copies so stored documents stay immutable.
  const copy = rest.some((st) => !READ_ONLY_STAGES.has(Object.keys(st)[0]));
  const resolver = (name: string) => {
    const other = cat.get(db, name);
    if (!other) return [];
    const docs = [...other.docs.values()];
    return copy ? docs.map(cloneDeep) : docs;
  };
  if (!rest.length) return scores ? hideScores(source as Document[]) : Array.isArray(source) ? source : [...source];
  function* ticking(src: Iterable<Document>) {
    for (const d of src) {
      deadline.tick();
      yield copy ? cloneDeep(d) : d;
    }
  }
  const out = runAggregator(rest, ticking(source), resolver, op);
  deadline.check();
  return scores ? hideScores(out) : out;
}

/** Removes the hidden score field from aggregation output (top level; the docs are copies). */
function hideScores(docs: Document[]): Document[] {
  for (const d of docs) if (isPlainObject(d) && Object.hasOwn(d, SCORE_FIELD)) delete d[SCORE_FIELD];
  return docs;
}
