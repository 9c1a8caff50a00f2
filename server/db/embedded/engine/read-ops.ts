/**
 * find, count, distinct and explain over the planner and mingo. Results stream: select()
 * yields documents in their final order as they are read, so a cursor's first batch costs
 * what it returns, not the whole result. Only a sort no index serves holds anything: the
 * k best documents for a small limit (topK), else one sort key per match (sortKeysOf).
 */
import type { Document } from 'bson';
import type { CountOptions, DocCursor, FindOptions, OperationSpec } from '../engine-api';
import { compareValues, type StringCompare } from './bson-order';
import type { Catalog } from './catalog';
import type { Collection, Rec } from './collection';
import { Deadline, spending } from './deadline';
import { StreamCursor, drain } from './doc-cursor';
import { isPlainObject, normalizeFilter } from './doc-utils';
import { asCommandError, badValue, MongoCommandError } from './errors';
import { fieldValues, type KeyField } from './index-keys';
import { encodeKey, encodeTuple, keyId } from './keystring';
import { compileFilter, evaluateLet } from './mingo-context';
import type { Matcher, OperationOptions } from './mingo-context';
import { groupByValue } from './stage-ops';
import { projectDocs } from './projection';
import { alive, plan, sortFields, type Plan, type PlanStats } from './planner';
import { countMatchingSteps } from './count';
import { runSteps, type Steps } from './steps';
import { TextQueryRun, type TextHit } from './text-read';
import { addScores, assertNoScoreWithoutText, isScoreMeta, splitMetaProjection } from './text-search';

const TOPK_MAX = 1000;

export function toCount(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'number' ? v : Number((v as { valueOf(): unknown }).valueOf());
  if (!Number.isFinite(n)) throw badValue(`${what} must be a number`);
  return Math.trunc(n);
}

interface SortKeyed {
  hit: Hit;
  keys: unknown[];
}

/** MongoDB's sort key of one field: arrays sort by their smallest (asc) / largest (desc) element. */
function sortKeyOf(d: Document, f: KeyField, strCmp?: StringCompare): unknown {
  if (f.parts.length === 1) {
    const v = Object.prototype.hasOwnProperty.call(d, f.path) ? d[f.path] : undefined;
    if (!Array.isArray(v)) return v === undefined ? null : v;
  }
  const vals = fieldValues(d, f).values; // an empty array gives UNDEFINED_KEY: below null
  let best = vals[0];
  for (let i = 1; i < vals.length; i++) {
    const c = compareValues(vals[i], best, strCmp);
    if (f.dir === 1 ? c < 0 : c > 0) best = vals[i];
  }
  return best;
}

function sortFieldsOf(sort: Document): KeyField[] {
  return sortFields(sort)
    .filter(([k]) => k !== '$natural')
    .map(([path, dir]) => ({ path, parts: path.split('.'), dir }));
}

/** A selected document, with its text score when the query has `$text`. */
export interface Hit extends Rec {
  score?: number;
}

/** Sort key of a hit; `{$meta: 'textScore'}` keys read the hit's score (best first). */
function keyOfField(h: Hit, f: KeyField, meta: boolean, strCmp?: StringCompare): unknown {
  return meta ? (h.score ?? 0) : sortKeyOf(h.doc, f, strCmp);
}

/** Sort keys and their comparator; `strCmp`: the operation's collation (none: simple). */
function sorter(sort: Document, strCmp?: StringCompare) {
  const metaKeys = new Set(Object.keys(sort).filter((k) => isScoreMeta(sort[k])));
  const plain: Document = {};
  for (const k of Object.keys(sort)) plain[k] = metaKeys.has(k) ? -1 : sort[k];
  const fields = sortFieldsOf(plain);
  const meta = fields.map((f) => metaKeys.has(f.path));
  const keyed = (h: Hit): SortKeyed => ({ hit: h, keys: fields.map((f, i) => keyOfField(h, f, meta[i], strCmp)) });
  const cmp = (a: SortKeyed, b: SortKeyed) => {
    for (let i = 0; i < fields.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i], strCmp);
      if (c) return fields[i].dir * c;
    }
    return 0;
  };
  return { fields, meta, keyed, cmp };
}

/** The first `need` hits in sort order, keeping only `need` candidates at a time (ties: arrival order). */
function topK(hits: Iterable<Hit>, sort: Document, need: number, strCmp?: StringCompare): Hit[] {
  const { keyed, cmp } = sorter(sort, strCmp);
  const best: SortKeyed[] = [];
  for (const h of hits) {
    const item = keyed(h);
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
  return best.map((x) => x.hit);
}

/**
 * Every hit in sort order without holding the documents: one key string (keystring.ts,
 * ordered like compareValues) per match, then the documents are read again as the cursor
 * advances. The documents sorted may not pass SORT_MEMORY_LIMIT when allowDiskUse is false.
 */
function* sortedByKeys(
  coll: Collection,
  hits: Iterable<Hit>,
  sort: Document,
  allowDiskUse: boolean | undefined,
  memoryLimit: number,
): Generator<Hit> {
  const { fields, meta } = sorter(sort);
  const dirs = fields.map((f) => f.dir);
  const rows: { k: Buffer; seq: number; rid: number; score?: number }[] = [];
  let bytes = 0;
  for (const h of hits) {
    bytes += h.bytes;
    if (allowDiskUse === false && bytes > memoryLimit) {
      throw new MongoCommandError(
        292,
        'QueryExceededMemoryLimitNoDiskUseAllowed',
        `Sort exceeded memory limit of ${memoryLimit} bytes, but did not opt in to external sorting.`,
      );
    }
    const values = fields.map((f, i) => keyOfField(h, f, meta[i]));
    rows.push({ k: encodeTuple(values, dirs), seq: rows.length, rid: h.rid, score: h.score });
  }
  rows.sort((a, b) => Buffer.compare(a.k, b.k) || a.seq - b.seq);
  for (const r of rows) {
    alive(coll, null);
    const rec = coll.getRec(r.rid);
    if (rec) yield { ...rec, score: r.score };
  }
}

/** `src` without its first `skip` items, at most `limit` (0: all); reads nothing past the last. */
function* skipLimit<T>(src: Iterable<T>, skip: number, limit: number): Generator<T> {
  if (limit === 0 && skip === 0) {
    yield* src;
    return;
  }
  const end = limit === 0 ? Infinity : skip + limit;
  if (end === 0) return;
  let i = 0;
  for (const x of src) {
    if (i++ >= skip) yield x;
    if (i >= end) return;
  }
}

export interface SelectOptions {
  sort?: Document;
  skip?: number;
  limit?: number;
  hint?: unknown;
  allowDiskUse?: boolean;
  /** scores are wanted (projection or pipeline); a score sort implies it */
  scores?: boolean;
}

export interface Selection {
  hits: Iterable<Hit>;
  plan: Plan;
  text?: TextQueryRun;
  /** The long work `hits` needs first, as steps (a text search's top k or sorted matches). */
  prepare?: () => Steps<void>;
}

/**
 * The documents matching `filter` after sort/skip/limit, without projection, as a lazy
 * sequence (read when iterated). Errors in the filter surface here, before any reading.
 */
export function select(
  cat: Catalog,
  coll: Collection | undefined,
  filter: Document,
  q: Matcher,
  o: SelectOptions,
  deadline: Deadline,
): Selection {
  try {
    return q.text ? selectText(coll, q, o, deadline) : selectPlain(cat, coll, filter, q, o, deadline);
  } catch (e) {
    throw asCommandError(e); // a query must never crash the server
  }
}

function selectPlain(
  cat: Catalog,
  coll: Collection | undefined,
  filter: Document,
  q: Matcher,
  o: SelectOptions,
  deadline: Deadline,
): Selection {
  const p = plan(coll, filter, o.sort, o.hint, { collated: q.strCmp !== undefined, epoch: () => cat.epoch });
  const skip = Math.max(0, toCount(o.skip, 'skip'));
  const limit = Math.abs(toCount(o.limit, 'limit'));
  const testAll = Object.keys(filter).length === 0 || !!p.exact;
  if (!testAll) q.compile(); // errors in the filter surface even when nothing is scanned
  function* matching(): Generator<Hit> {
    for (const r of p.candidates()) {
      deadline.tick();
      if (testAll || q.test(r.doc)) yield r;
    }
  }
  const unsorted = !o.sort || Object.keys(o.sort).length === 0;
  if ((p.sortCovered || unsorted) && skip > 0 && p.exact && p.candidatesAfter) {
    // Every index entry is a match: skip entries inside SQLite instead of reading documents.
    const after = p.candidatesAfter;
    const skipped = (function* () {
      for (const r of after(skip)) {
        deadline.tick();
        yield r;
      }
    })();
    return { hits: skipLimit(skipped, 0, limit), plan: p };
  }
  if (p.sortCovered || unsorted) return { hits: skipLimit(matching(), skip, limit), plan: p };
  if (limit > 0 && skip + limit <= TOPK_MAX) {
    return { hits: lazy(() => topK(matching(), o.sort!, skip + limit, q.strCmp).slice(skip)), plan: p };
  }
  if (q.strCmp) {
    // Key strings order strings by code point, not by a collation: sort the documents themselves.
    return {
      hits: skipLimit(
        lazy(() => sortHits([...matching()], o.sort!, q.strCmp)),
        skip,
        limit,
      ),
      plan: p,
    };
  }
  return { hits: skipLimit(sortedByKeys(coll!, matching(), o.sort!, o.allowDiskUse, cat.sortMemoryLimit), skip, limit), plan: p };
}

/** An iterable computed on first iteration. */
function lazy<T>(make: () => T[]): Iterable<T> {
  return {
    *[Symbol.iterator]() {
      yield* make();
    },
  };
}

function selectText(coll: Collection | undefined, q: Matcher, o: SelectOptions, deadline: Deadline): Selection {
  const stats: PlanStats = { keysExamined: 0, docsExamined: 0 };
  const p: Plan = { stage: 'TEXT', indexName: coll?.text?.name, sortCovered: false, stats, candidates: () => [] };
  if (o.sort !== undefined && !isPlainObject(o.sort)) throw badValue('sort must be an object');
  if (!coll?.text) return { hits: [], plan: p };
  const run = new TextQueryRun(coll, coll.text, q, deadline);
  const skip = Math.max(0, toCount(o.skip, 'skip'));
  const limit = Math.abs(toCount(o.limit, 'limit'));
  const keys = o.sort ? Object.keys(o.sort) : [];
  const metaOnly = keys.length > 0 && keys.every((k) => isScoreMeta(o.sort![k]));
  const track = <T>(it: Iterable<T>): Iterable<T> =>
    lazy(() => {
      const out = [...it];
      stats.keysExamined = run.keys;
      stats.docsExamined = run.examined;
      return out;
    });
  let hits: Iterable<Hit>;
  let prepare: (() => Steps<void>) | undefined;
  const topK = metaOnly && limit > 0;
  if (topK || keys.length) {
    // computed once, in steps by prepare() or at once by the first read of `hits`
    let ready: TextHit[] | null = null;
    const steps = (): Steps<TextHit[]> => (topK ? run.topSteps(skip + limit) : run.allSteps());
    prepare = () =>
      spending(
        (function* () {
          ready ??= yield* steps();
        })(),
        deadline,
      );
    const result = () => (ready ??= runSteps(steps()));
    hits = topK
      ? track(lazy(() => result().slice(skip)))
      : track(
          skipLimit(
            lazy(() => sortHits(result(), o.sort!, q.strCmp)),
            skip,
            limit,
          ),
        );
  } else hits = streamWithStats(skipLimit(run.matches(!!o.scores), skip, limit), run, stats);
  return { hits, plan: p, text: run, prepare };
}

function* streamWithStats(src: Iterable<TextHit>, run: TextQueryRun, stats: PlanStats): Generator<Hit> {
  for (const h of src) {
    stats.keysExamined = run.keys;
    stats.docsExamined = run.examined;
    yield h;
  }
  stats.keysExamined = run.keys;
  stats.docsExamined = run.examined;
}

/** Hits in `sort` order (stable). */
function sortHits(hits: Hit[], sort: Document, strCmp?: StringCompare): Hit[] {
  const { fields, keyed, cmp } = sorter(sort, strCmp);
  if (!fields.length) return hits;
  const k = hits.map(keyed);
  k.sort(cmp);
  return k.map((x) => x.hit);
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

/** The query of a find, ready to run: its selection and how each batch is finished. */
function prepareFind(cat: Catalog, db: string, coll: string, o: FindOptions, deadline: Deadline) {
  const c = cat.get(db, coll);
  const filter = filterOf(o.filter);
  const op = operationOptions(o.collation, o.let);
  const q = compileFilter(filter, { hasTextIndex: !!c?.text }, op);
  if (o.sort !== undefined && !isPlainObject(o.sort)) throw badValue('sort must be an object');
  if (!q.text) assertNoScoreWithoutText(o.sort, o.projection);
  const meta = splitMetaProjection(o.projection);
  const sel = select(cat, c, filter, q, { ...o, scores: meta.names.length > 0 }, deadline);
  const rest = meta.rest && isPlainObject(meta.rest) && Object.keys(meta.rest).length ? meta.rest : null;
  const finish = (hits: Hit[]): Document[] => {
    let docs = hits.map((h) => h.doc);
    if (rest) docs = projectDocs(docs, rest, q.filter, op);
    if (meta.names.length && q.text)
      docs = addScores(
        docs,
        hits.map((h) => h.score ?? 0),
        meta.names,
      );
    return docs;
  };
  return { sel, finish };
}

export function findCursor(cat: Catalog, db: string, coll: string, o: FindOptions): DocCursor {
  const deadline = new Deadline(o.maxTimeMS);
  const { sel, finish } = prepareFind(cat, db, coll, o ?? {}, deadline);
  deadline.pause();
  return new StreamCursor(sel.hits[Symbol.iterator](), finish, deadline, sel.prepare);
}

export function find(cat: Catalog, db: string, coll: string, o: FindOptions): Document[] {
  return drain(findCursor(cat, db, coll, o));
}

/**
 * The record ids matching a write (update, delete, findAndModify), all read before any is
 * changed (a document moved by the write is never met twice); only the ids are kept.
 */
export function selectForWrite(cat: Catalog, c: Collection, filter: Document, q: Matcher, o: SelectOptions): number[] {
  const deadline = new Deadline();
  try {
    const rids: number[] = [];
    for (const h of select(cat, c, filter, q, o, deadline).hits) rids.push(h.rid);
    return rids;
  } catch (e) {
    throw asCommandError(e);
  }
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
  const deadline = new Deadline(o.maxTimeMS);
  const { sel } = prepareFind(cat, db, coll, o ?? {}, deadline);
  return explainOf(`${db}.${coll}`, filterOf(o.filter), sel.plan, () => [...sel.hits].length);
}

/** explain of a find / count / distinct / aggregate command document. */
export function explainCommand(
  cat: Catalog,
  db: string,
  cmd: Document,
  verbosity: string,
  runAggregate: (pipeline: Document[]) => number,
): Document {
  const name = Object.keys(cmd)[0];
  const execute = verbosity !== 'queryPlanner';
  const coll = typeof cmd[name] === 'string' ? (cmd[name] as string) : null;
  const c = coll === null ? undefined : cat.get(db, coll);
  const ns = `${db}.${coll ?? '$cmd.aggregate'}`;
  let filter: Document = {};
  let o: SelectOptions = {};
  let run: (() => number) | null = null;
  switch (name) {
    case 'find':
      filter = filterOf(cmd.filter);
      o = { sort: cmd.sort, skip: cmd.skip, limit: cmd.limit, hint: cmd.hint };
      break;
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
      if (execute) run = () => runAggregate(pl);
      break;
    }
    default:
      throw badValue(`cannot explain '${name}'`);
  }
  const q = compileFilter(filter, { hasTextIndex: !!c?.text }, operationOptions(cmd.collation, cmd.let));
  const sel = select(cat, c, filter, q, o, new Deadline(cmd.maxTimeMS as number | undefined));
  return explainOf(ns, filter, sel.plan, execute ? (run ?? (() => [...sel.hits].length)) : null);
}

/** count: documents matching `o.query` after skip, at most limit; counting stops at skip + limit. */
export function count(cat: Catalog, db: string, coll: string, o: CountOptions): number {
  return runSteps(countSteps(cat, db, coll, o));
}

/** count() as steps: a `$text` count reads one chunk of postings per step, others run in one. */
export function* countSteps(cat: Catalog, db: string, coll: string, o: CountOptions): Steps<number> {
  const op = operationOptions(o.collation, o.let);
  const c = cat.get(db, coll);
  if (!c) return 0;
  const filter = filterOf(o.query);
  const skip = Math.max(0, toCount(o.skip, 'skip'));
  const limit = Math.abs(toCount(o.limit, 'limit'));
  if (Object.keys(filter).length === 0 && o.hint === undefined) {
    const n = Math.max(0, c.count - skip);
    return limit > 0 ? Math.min(n, limit) : n;
  }
  const q = compileFilter(filter, { hasTextIndex: !!c.text }, op);
  const deadline = new Deadline(o.maxTimeMS);
  const counted = yield* spending(countMatchingSteps(cat, c, filter, q, o.hint, deadline, limit > 0 ? skip + limit : 0), deadline);
  const n = Math.max(0, counted - skip);
  return limit > 0 ? Math.min(n, limit) : n;
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

/** Distinct values of `key` among the matching documents (read one by one, values kept once). */
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
  const parts = key.split('.');
  const seen = new Map<string, unknown>();
  try {
    for (const h of select(cat, c, filter, q, {}, new Deadline(opts.maxTimeMS)).hits) {
      const vals: unknown[] = [];
      distinctValues(h.doc, parts, 0, vals);
      for (const v of vals) {
        const k = keyId(encodeKey(v));
        if (!seen.has(k)) seen.set(k, v);
      }
    }
  } catch (e) {
    throw asCommandError(e);
  }
  const values = [...seen.values()];
  if (!q.strCmp) return values.sort((a, b) => compareValues(a, b));
  // values equal under the collation appear once, as first seen
  return groupByValue(values, (v) => v, q.strCmp)
    .map((g) => g.id)
    .sort((a, b) => compareValues(a, b, q.strCmp));
}

export { filterOf };
