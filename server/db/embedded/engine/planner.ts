/**
 * Query planner: turns a filter (+ sort, hint) into candidate documents. `_id` equality is
 * a probe of the `_id` index (IDHACK); otherwise the best index is scanned over key
 * intervals built from equality/`$in` prefixes and a range on the next field, as SQLite
 * range scans of the index table (indexes.ts), in chunks that grow from a few entries, so a
 * `limit` stops early and nothing is materialised. A sort matching an index order is served
 * by walking that index. Mingo re-checks every candidate, so an index only ever narrows.
 */
import type { Document } from 'bson';
import { T_ARRAY, T_BINARY, T_BOOL, T_DATE, T_NULL, T_NUMBER, T_OBJECT, T_OBJECTID, T_STRING, T_TIMESTAMP, typeRank } from './bson-order';
import type { Collection, Rec } from './collection';
import { isPlainObject } from './doc-utils';
import { badValue, queryPlanKilled } from './errors';
import type { SqlIndex } from './indexes';
import { encodeKey, keyId, prefixEnd, ridOf, typeByte } from './keystring';

interface Bound {
  v: unknown;
  incl: boolean;
}
interface FieldPred {
  eq?: unknown[];
  lo?: Bound;
  hi?: Bound;
}

export interface PlanStats {
  keysExamined: number;
  docsExamined: number;
}

export interface Plan {
  stage: 'IDHACK' | 'IXSCAN' | 'OR' | 'COLLSCAN' | 'EOF' | 'TEXT';
  indexName?: string;
  keyPattern?: Document;
  intervals?: number;
  direction?: 'forward' | 'backward';
  /** candidates come out in the requested sort order */
  sortCovered: boolean;
  /** every candidate matches the whole filter: no need to re-check with mingo */
  exact?: boolean;
  /**
   * IXSCAN only, and only when the index keys answer the filter exactly (see countable):
   * how many documents match, counted from the index keys alone (null: cannot after all).
   */
  countKeys?(cap?: number): number | null;
  stats: PlanStats;
  candidates(): Iterable<Rec>;
  /**
   * IXSCAN where a document has one entry in the plan's interval (a non-multikey index, or
   * see oneEntryPerDocument) only: the candidates after the first `skip` index entries,
   * which are passed over inside SQLite without reading their documents. Equal to skipping
   * matches only when the plan is `exact` (every entry is a match).
   */
  candidatesAfter?(skip: number): Iterable<Rec>;
}

const RANGE_TYPES = new Set([T_NUMBER, T_STRING, T_DATE, T_OBJECTID, T_BOOL, T_TIMESTAMP, T_BINARY]);
const MAX_POINTS = 2000;

function isRegexValue(v: unknown): boolean {
  return v instanceof RegExp || (typeof v === 'object' && v !== null && (v as { _bsontype?: string })._bsontype === 'BSONRegExp');
}

function usableEq(v: unknown): boolean {
  if (v === undefined || isRegexValue(v)) return false;
  const t = typeRank(v);
  return t !== T_ARRAY;
}

/** Per-path predicates usable for index bounds, from top-level fields and `$and`. */
export function extractPreds(filter: Document, out = new Map<string, FieldPred>()): Map<string, FieldPred> {
  for (const key of Object.keys(filter)) {
    const val = filter[key];
    if (key === '$and' && Array.isArray(val)) {
      for (const sub of val) if (isPlainObject(sub)) extractPreds(sub, out);
      continue;
    }
    if (key.startsWith('$')) continue;
    const pred: FieldPred = out.get(key) ?? {};
    if (isPlainObject(val) && Object.keys(val).some((k) => k.startsWith('$'))) {
      if ('$eq' in val && usableEq(val.$eq)) pred.eq ??= [val.$eq];
      if ('$in' in val && Array.isArray(val.$in) && val.$in.every(usableEq)) pred.eq ??= val.$in;
      for (const op of ['$gt', '$gte'] as const) {
        if (op in val && RANGE_TYPES.has(typeRank(val[op])) && !pred.lo) pred.lo = { v: val[op], incl: op === '$gte' };
      }
      for (const op of ['$lt', '$lte'] as const) {
        if (op in val && RANGE_TYPES.has(typeRank(val[op])) && !pred.hi) pred.hi = { v: val[op], incl: op === '$lte' };
      }
    } else if (usableEq(val)) {
      pred.eq ??= [val];
    }
    if (pred.eq || pred.lo || pred.hi) out.set(key, pred);
  }
  return out;
}

/** A key range [start, end) of an index (end null: to the end). */
interface Interval {
  start: Buffer;
  end: Buffer | null;
}

const EMPTY: Buffer = Buffer.alloc(0);
const cat = (a: Buffer, b: Buffer) => (a.length ? Buffer.concat([a, b]) : b);

/** Interval for a range on one field after prefix `p` (encoded space, end exclusive). */
function rangeInterval(p: Buffer, pred: FieldPred, dir: 1 | -1, useBoth: boolean): Interval {
  let lo = pred.lo;
  let hi = pred.hi;
  if (lo && hi && (!useBoth || typeRank(lo.v) !== typeRank(hi.v))) hi = undefined;
  const t = typeRank((lo ?? hi)!.v);
  // Numbers: an open side stops at -Infinity / +Infinity, so NaN (below every number in the
  // index order, matched by no range) stays out. Other types: the type's whole bracket.
  if (t === T_NUMBER) {
    lo ??= { v: -Infinity, incl: true };
    hi ??= { v: Infinity, incl: true };
  }
  const tStart = cat(p, typeByte(t, dir));
  const tEnd = prefixEnd(tStart);
  // value-space lower/upper -> encoded-space start/end
  const vLow = lo ? { s: cat(p, encodeKey(lo.v, dir)), incl: lo.incl } : null;
  const vHigh = hi ? { s: cat(p, encodeKey(hi.v, dir)), incl: hi.incl } : null;
  const encLow = dir === 1 ? vLow : vHigh;
  const encHigh = dir === 1 ? vHigh : vLow;
  const start = encLow ? (encLow.incl ? encLow.s : (prefixEnd(encLow.s) ?? encLow.s)) : tStart;
  const end = encHigh ? (encHigh.incl ? prefixEnd(encHigh.s) : encHigh.s) : tEnd;
  return { start, end };
}

function sortFields(sort: Document | undefined): [string, 1 | -1][] {
  if (!sort) return [];
  return Object.keys(sort).map((k) => {
    const d = sort[k];
    if (d === 1 || d === -1) return [k, d];
    if (typeof d === 'number' || (d && typeof d === 'object' && typeof (d as { valueOf(): unknown }).valueOf() === 'number')) {
      const n = Number((d as { valueOf(): number }).valueOf());
      if (n === 1 || n === -1) return [k, n];
    }
    if (isPlainObject(d) && d.$meta !== undefined) throw badValue('$meta sort is not supported yet');
    throw badValue('$sort key ordering must be 1 (for ascending) or -1 (for descending)');
  });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Values whose key string decides equality exactly. A string with a lone surrogate is not
 * one: UTF-8 cannot hold it, so such strings share a key string with U+FFFD.
 */
function exactValue(v: unknown): boolean {
  if (!usableEq(v)) return false;
  return typeof v !== 'string' || !LONE_SURROGATE.test(v);
}

type Shape = 'eq' | 'range' | null;

/** 'eq' / 'range' when a field's predicate is nothing but what index bounds express. */
function shapeOf(val: unknown): Shape {
  if (!(isPlainObject(val) && Object.keys(val).some((k) => k.startsWith('$')))) return exactValue(val) && !isPlainObject(val) ? 'eq' : null;
  const keys = Object.keys(val);
  if (keys.length === 1 && keys[0] === '$eq') return exactValue(val.$eq) && !isPlainObject(val.$eq) ? 'eq' : null;
  if (keys.length === 1 && keys[0] === '$in') {
    return Array.isArray(val.$in) && val.$in.every((x) => exactValue(x) && !isPlainObject(x)) ? 'eq' : null;
  }
  let t = -1;
  for (const k of keys) {
    if (k !== '$gt' && k !== '$gte' && k !== '$lt' && k !== '$lte') return null;
    if (!exactValue(val[k]) || !RANGE_TYPES.has(typeRank(val[k]))) return null;
    if (t !== -1 && typeRank(val[k]) !== t) return null;
    t = typeRank(val[k]);
  }
  return keys.length <= 2 && !('$gt' in val && '$gte' in val) && !('$lt' in val && '$lte' in val) ? 'range' : null;
}

/** True when scanning `ix` with these bounds yields exactly the documents matching `filter`. */
function coversExactly(filter: Document, ix: SqlIndex, eqCount: number, hasRange: boolean): boolean {
  if (ix.multikey.value || ix.partial || ix.sparse) return false;
  const keys = Object.keys(filter);
  if (keys.length === 0) return false;
  for (const k of keys) {
    const pos = ix.fields.findIndex((f) => f.path === k);
    if (pos < 0) return false;
    const shape = shapeOf(filter[k]);
    if (pos < eqCount) {
      if (shape !== 'eq') return false;
    } else if (pos === eqCount && hasRange) {
      if (shape !== 'range') return false;
    } else return false;
  }
  return true;
}

interface Candidate {
  ix: SqlIndex;
  score: number;
  intervals: Interval[];
  reverse: boolean;
  sortCovered: boolean;
  eqCount: number;
  hasRange: boolean;
}

/** Intervals and sort coverage of one index for the given predicates. */
function evaluate(ix: SqlIndex, preds: Map<string, FieldPred>, sort: [string, 1 | -1][], forced: boolean): Candidate | null {
  if (ix.partial && !forced) return null;
  const fields = ix.fields;
  let prefixes = [EMPTY];
  let eqCount = 0;
  let single = true;
  const singleUpTo: boolean[] = [];
  for (const f of fields) {
    const p = preds.get(f.path);
    if (!p?.eq) break;
    if (ix.sparse && p.eq.some((v) => typeRank(v) === T_NULL)) break;
    if (prefixes.length * p.eq.length > MAX_POINTS) break;
    const next = new Map<string, Buffer>();
    for (const pre of prefixes) {
      for (const v of p.eq) {
        const k = cat(pre, encodeKey(v, f.dir));
        next.set(keyId(k), k);
      }
    }
    prefixes = [...next.values()];
    singleUpTo.push(single);
    single = single && p.eq.length === 1;
    eqCount++;
  }
  singleUpTo.push(single);
  let intervals: Interval[];
  let hasRange = false;
  const rangeField = fields[eqCount];
  const rp = rangeField ? preds.get(rangeField.path) : undefined;
  if (rp && (rp.lo || rp.hi)) {
    hasRange = true;
    intervals = prefixes.map((pre) => rangeInterval(pre, rp, rangeField.dir, !ix.multikey.value));
  } else {
    intervals = prefixes.map((pre) => ({ start: pre, end: pre.length === 0 ? null : prefixEnd(pre) }));
  }
  intervals.sort((a, b) => Buffer.compare(a.start, b.start));

  let sortCovered = false;
  let reverse = false;
  // A multikey index orders a document by its first entry in scan order: its smallest
  // (ascending) or largest (descending) element, MongoDB's sort key, only when the scan covers
  // every entry of the sort fields; with bounds on a sort field, the element that sorts it
  // may lie outside them.
  const multikeyBound = ix.multikey.value && sort.some(([k]) => preds.has(k));
  if (sort.length && !multikeyBound && !(ix.sparse && eqCount === 0 && !hasRange) && !sort.some(([k]) => k === '$natural')) {
    const j = fields.findIndex((f) => f.path === sort[0][0]);
    if (j >= 0 && j <= eqCount && singleUpTo[j] && j + sort.length <= fields.length) {
      const same = sort.every(([k, d], i) => fields[j + i].path === k && fields[j + i].dir === d);
      const opposite = sort.every(([k, d], i) => fields[j + i].path === k && fields[j + i].dir === -d);
      if (same || opposite) {
        sortCovered = true;
        reverse = opposite;
      }
    }
  }
  if (eqCount === 0 && !hasRange && !sortCovered && !forced) return null;
  if (ix.sparse && eqCount === 0 && !hasRange && !forced) return null;
  let score = eqCount * 4 + (hasRange ? 2 : 0) + (sortCovered ? 1 : 0);
  if (ix.unique && eqCount === fields.length) score += 8;
  score -= fields.length * 0.01;
  return { ix, score, intervals, reverse, sortCovered, eqCount, hasRange };
}

/** One index scan per `$or` branch, or null when some branch has no usable index. */
function planOr(coll: Collection, branches: unknown[], pool: SqlIndex[], collated: boolean): Candidate[] | null {
  const out: Candidate[] = [];
  for (const b of branches) {
    if (!isPlainObject(b)) return null;
    const preds = collated ? withoutCollatedValues(extractPreds(b)) : extractPreds(b);
    let best: Candidate | null = null;
    for (const ix of pool) {
      const c = evaluate(ix, preds, [], false);
      if (c && c.score >= 2 && (!best || c.score > best.score)) best = c;
    }
    if (!best) return null;
    out.push(best);
  }
  void coll;
  return out;
}

/** Stops a scan whose collection or index was dropped since it started (MongoDB: 175). */
export function alive(coll: Collection, ix: { dropped: boolean; name: string } | null): void {
  if (coll.dropped) throw queryPlanKilled(`collection dropped: ${coll.ns}`);
  if (ix?.dropped) throw queryPlanKilled(`index '${ix.name}' dropped`);
}

/** Index entries fetched per SQLite query: small first (a limit of 1 reads a few), then larger. */
const FIRST_CHUNK = 16;
const MAX_CHUNK = 1024;

/**
 * The documents under the candidate's intervals in index order, read in chunks. A chunk is
 * re-read from the last entry handed out when a write happened meanwhile (`epoch`), so a
 * cursor resumed after other commands never hands out a stale entry. Multikey indexes can
 * hold one document several times: it is handed out once.
 */
function* scanIndex(coll: Collection, c: Candidate, stats: PlanStats, epoch: () => number, skip = 0): Iterable<Rec> {
  const seen = c.ix.multikey.value ? new Set<number>() : null;
  const list = c.reverse ? [...c.intervals].reverse() : c.intervals;
  for (const iv of list) {
    if (iv.end !== null && Buffer.compare(iv.end, iv.start) <= 0) continue;
    let offset = 0;
    if (skip > 0) {
      const n = c.ix.count(iv.start, iv.end, skip); // stops counting at `skip`
      stats.keysExamined += Math.min(n, skip);
      if (n < skip) {
        skip -= n; // the whole interval is skipped
        continue;
      }
      offset = skip;
      skip = 0;
    }
    let from: Buffer | null = null;
    let chunk = FIRST_CHUNK;
    for (;;) {
      alive(coll, c.ix);
      const entries = c.ix.scan(iv.start, iv.end, c.reverse, chunk, from, offset);
      offset = 0;
      const at = epoch();
      let i = 0;
      for (; i < entries.length; i++) {
        const e = entries[i];
        from = e;
        stats.keysExamined++;
        const rid = ridOf(e);
        if (seen) {
          if (seen.has(rid)) continue;
          seen.add(rid);
        }
        const rec = coll.getRec(rid);
        if (!rec) continue;
        stats.docsExamined++;
        yield rec;
        if (epoch() !== at) break;
      }
      if (i < entries.length - 1) continue; // a write happened: re-read after `from`
      if (entries.length < chunk) break;
      chunk = Math.min(chunk * 4, MAX_CHUNK);
    }
  }
}

/**
 * The key fields of a multikey index that have met arrays (bit i: fields[i]), all of them
 * when the index does not know (index-keys.ts MultikeyFlag).
 */
function arrayFields(ix: SqlIndex): number {
  return ix.multikey.paths & ((1 << ix.fields.length) - 1);
}

/**
 * True when a document has at most one entry in the candidate's single interval: every key
 * field that has met an array lies in the equality prefix, which fixes it to one value (a
 * document's entries under one value prefix are one entry: entries are `key + idKey`). A
 * document with an array in a field after the prefix has one entry per element there.
 */
function oneEntryPerDocument(c: Candidate): boolean {
  return !c.ix.multikey.value || (c.intervals.length === 1 && arrayFields(c.ix) >> c.eqCount === 0);
}

/**
 * True when each matching document owns exactly one entry in the candidate's intervals, so
 * counting entries counts matches: an exact plan on a non-multikey index, or (multikey) a
 * filter of single equalities on top-level fields of the index's equality prefix, in one
 * interval, with every field that has met arrays in that prefix (oneEntryPerDocument); mingo
 * matches an array that contains the value, as the index does. A null equality is counted
 * only on a field that has never held an array (null, missing, [] and [null] differ there).
 */
function countable(filter: Document, c: Candidate): boolean {
  const ix = c.ix;
  if (coversExactly(filter, ix, c.eqCount, c.hasRange)) return true;
  if (!ix.multikey.value || ix.partial || ix.sparse || c.hasRange || !oneEntryPerDocument(c)) return false;
  const keys = Object.keys(filter);
  if (keys.length === 0) return false;
  const arrays = arrayFields(ix);
  for (const k of keys) {
    const pos = ix.fields.findIndex((f) => f.path === k);
    if (pos < 0 || pos >= c.eqCount || k.includes('.')) return false;
    const raw = filter[k];
    const v = isPlainObject(raw) && Object.keys(raw).length === 1 && '$eq' in raw ? raw.$eq : raw;
    if ((v === null && (arrays >> pos) & 1) || isPlainObject(v) || !exactValue(v)) return false;
  }
  return true;
}

/**
 * The number of entries in the candidate's intervals, counted by SQLite without reading a
 * document (at most `cap` when cap > 0). Null when intervals overlap or a multikey document
 * could sit in several of them: then the entries are not one per document and only
 * scanIndex (which dedupes) is right.
 */
function countIndexKeys(c: Candidate, stats: PlanStats, cap: number): number | null {
  if (c.ix.multikey.value && c.intervals.length !== 1) return null;
  let n = 0;
  let prevEnd: Buffer | null | undefined;
  for (const iv of c.intervals) {
    if (prevEnd === null || (prevEnd !== undefined && Buffer.compare(iv.start, prevEnd) < 0)) return null;
    prevEnd = iv.end;
    if (iv.end !== null && Buffer.compare(iv.end, iv.start) <= 0) continue;
    n += c.ix.count(iv.start, iv.end, cap > 0 ? cap - n : 0);
    if (cap > 0 && n >= cap) break;
  }
  stats.keysExamined += n;
  return n;
}

/**
 * Every document in record (insertion) order, or reversed, in chunks. While most documents
 * of a chunk were cached, the next chunk reads record ids only and takes documents from the
 * cache (reading the rest one by one); otherwise it reads the documents with the ids.
 * Documents read here are cached only into free space.
 */
function* scanAll(coll: Collection, reverse: boolean, stats: PlanStats): Iterable<Rec> {
  let after: number | null = null;
  let chunk = FIRST_CHUNK;
  let mostlyCached = false;
  for (;;) {
    alive(coll, null);
    let n: number;
    let cached = 0;
    if (mostlyCached) {
      const rids = coll.scanRids(after, reverse, chunk);
      n = rids.length;
      for (const rid of rids) {
        after = rid;
        if (coll.isCached(rid)) cached++;
        const rec = coll.getRec(rid, 'room');
        if (!rec) continue;
        stats.docsExamined++;
        yield rec;
      }
    } else {
      const rows = coll.scanRecords(after, reverse, chunk);
      n = rows.length;
      for (const r of rows) {
        after = r.rid;
        if (coll.isCached(r.rid)) cached++;
        stats.docsExamined++;
        yield coll.recordOf(r.rid, r.doc);
      }
    }
    if (n < chunk) return;
    mostlyCached = cached * 2 > n;
    chunk = Math.min(chunk * 4, MAX_CHUNK);
  }
}

function resolveHint(coll: Collection, hint: unknown): SqlIndex | 'natural' | null {
  if (hint === undefined || hint === null || hint === '') return null;
  if (isPlainObject(hint) && Object.keys(hint).length === 0) return null;
  if (isPlainObject(hint) && '$natural' in hint) return 'natural';
  const all = [coll.idIndex, ...coll.indexes];
  let found: SqlIndex | undefined;
  if (typeof hint === 'string') found = all.find((i) => i.name === hint);
  else if (isPlainObject(hint)) {
    const hk = JSON.stringify(hint);
    found = all.find((i) => JSON.stringify(i.spec.key) === hk);
  }
  if (!found) {
    if (coll.text && hint === coll.text.name) return null;
    throw badValue('error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index');
  }
  return found;
}

/**
 * Under a non-simple collation strings do not compare in index order: predicates on values
 * that are or may hold strings give no bounds (the filter decides on a scan instead).
 */
function withoutCollatedValues(preds: Map<string, FieldPred>): Map<string, FieldPred> {
  const collatable = (v: unknown) => {
    const t = typeRank(v);
    return t === T_STRING || t === T_OBJECT || t === T_ARRAY;
  };
  for (const [k, p] of preds) {
    if (p.eq?.some(collatable)) p.eq = undefined;
    if (p.lo && collatable(p.lo.v)) p.lo = undefined;
    if (p.hi && collatable(p.hi.v)) p.hi = undefined;
    if (!p.eq && !p.lo && !p.hi) preds.delete(k);
  }
  return preds;
}

/** Options of a plan beyond filter, sort and hint. */
export interface PlanOptions {
  /** The operation has a non-simple collation: string bounds and index order are not used (see withoutCollatedValues). */
  collated?: boolean;
  /** Changes whenever a write commits (Catalog.epoch); index scans use it to notice writes between two batches of a cursor. */
  epoch?: () => number;
}

/** The plan for `filter` (+ sort, hint) on `coll`. */
export function plan(coll: Collection | undefined, filter: Document, sort?: Document, hint?: unknown, opts: PlanOptions = {}): Plan {
  const collated = opts.collated ?? false;
  const epoch = opts.epoch ?? (() => 0);
  const stats: PlanStats = { keysExamined: 0, docsExamined: 0 };
  const sf = sortFields(sort);
  if (!coll) return { stage: 'EOF', sortCovered: true, stats, candidates: () => [] };
  const natural = sf.length === 1 && sf[0][0] === '$natural';
  const hinted = resolveHint(coll, hint);
  const preds = collated ? withoutCollatedValues(extractPreds(filter)) : extractPreds(filter);

  if (hinted === 'natural' || natural) {
    const reverse = natural && sf[0][1] === -1;
    return {
      stage: 'COLLSCAN',
      direction: reverse ? 'backward' : 'forward',
      sortCovered: natural || !sf.length,
      stats,
      candidates: () => scanAll(coll, reverse, stats),
    };
  }

  const idPred = preds.get('_id');
  if (!hinted && idPred?.eq) {
    const values = idPred.eq;
    return {
      stage: 'IDHACK',
      indexName: '_id_',
      keyPattern: { _id: 1 },
      sortCovered: values.length <= 1,
      exact: Object.keys(filter).length === 1 && shapeOf(filter._id) === 'eq',
      stats,
      *candidates() {
        const seen = new Set<number>();
        for (const v of values) {
          alive(coll, null);
          stats.keysExamined++;
          const rid = coll.ridOfId(v);
          if (rid === undefined || seen.has(rid)) continue;
          seen.add(rid);
          const rec = coll.getRec(rid);
          if (rec) {
            stats.docsExamined++;
            yield rec;
          }
        }
      },
    };
  }

  let best: Candidate | null = null;
  const pool = hinted ? [hinted] : [coll.idIndex, ...coll.indexes];
  for (const ix of pool) {
    const c = evaluate(ix, preds, collated ? [] : sf, !!hinted);
    if (c && (!best || c.score > best.score)) best = c;
  }
  if (!hinted && (!best || best.score < 4) && Array.isArray(filter.$or) && filter.$or.length) {
    const union = planOr(coll, filter.$or as unknown[], pool, collated);
    if (union) {
      return {
        stage: 'OR',
        indexName: union.map((c) => c.ix.name).join(','),
        intervals: union.reduce((n, c) => n + c.intervals.length, 0),
        sortCovered: !sf.length,
        stats,
        *candidates() {
          const seen = new Set<number>();
          for (const c of union) {
            for (const r of scanIndex(coll, c, stats, epoch)) {
              if (seen.has(r.rid)) continue;
              seen.add(r.rid);
              yield r;
            }
          }
        },
      };
    }
  }
  if (best) {
    const b = best;
    return {
      stage: 'IXSCAN',
      indexName: b.ix.name,
      keyPattern: b.ix.spec.key,
      intervals: b.intervals.length,
      direction: b.reverse ? 'backward' : 'forward',
      sortCovered: b.sortCovered || !sf.length,
      exact: countable(filter, b),
      stats,
      candidates: () => scanIndex(coll, b, stats, epoch),
      candidatesAfter: oneEntryPerDocument(b) ? (skip) => scanIndex(coll, b, stats, epoch, skip) : undefined,
      countKeys: countable(filter, b) ? (cap = 0) => countIndexKeys(b, stats, cap) : undefined,
    };
  }
  return { stage: 'COLLSCAN', direction: 'forward', sortCovered: !sf.length, stats, candidates: () => scanAll(coll, false, stats) };
}

export { sortFields };
