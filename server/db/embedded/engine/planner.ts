/**
 * Query planner: turns a filter (+ sort, hint) into candidate documents. `_id` equality is
 * a Map lookup; otherwise the best B+ tree index is scanned over key intervals built from
 * equality/`$in` prefixes and a range on the next field; a sort matching an index order is
 * served by walking that index so `limit` stops early. Mingo re-checks every candidate, so
 * an index only ever narrows.
 */
import type { Document } from 'bson';
import {
  T_ARRAY,
  T_BINARY,
  T_BOOL,
  T_DATE,
  T_NULL,
  T_NUMBER,
  T_OBJECT,
  T_OBJECTID,
  T_STRING,
  T_TIMESTAMP,
  complement,
  encodeKey,
  idKeyOf,
  typeChar,
  typeRank,
} from './bson-order';
import type { Collection } from './collection';
import { isPlainObject } from './doc-utils';
import { badValue } from './errors';
import type { BTreeIndex } from './indexes';

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
  countKeys?(): number | null;
  stats: PlanStats;
  candidates(): Iterable<Document>;
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

/** Smallest string greater than every string starting with `p` (null: none). */
export function prefixEnd(p: string): string | null {
  let i = p.length - 1;
  while (i >= 0 && p.charCodeAt(i) === 0xffff) i--;
  if (i < 0) return null;
  return p.slice(0, i) + String.fromCharCode(p.charCodeAt(i) + 1);
}

interface Interval {
  start: string;
  end: string | null;
}

function enc(v: unknown, dir: 1 | -1): string {
  const e = encodeKey(v);
  return dir === 1 ? e : complement(e);
}

function typeStart(t: number, dir: 1 | -1): string {
  return dir === 1 ? typeChar(t) : complement(typeChar(t));
}

/** Interval for a range on one field after prefix `p` (encoded space, end exclusive). */
function rangeInterval(p: string, pred: FieldPred, dir: 1 | -1, useBoth: boolean): Interval {
  const lo = pred.lo;
  let hi = pred.hi;
  if (lo && hi && (!useBoth || typeRank(lo.v) !== typeRank(hi.v))) hi = undefined;
  const t = typeRank((lo ?? hi)!.v);
  const tStart = p + typeStart(t, dir);
  const tEnd = prefixEnd(tStart);
  // value-space lower/upper -> encoded-space start/end
  const vLow = lo ? { s: p + enc(lo.v, dir), incl: lo.incl } : null;
  const vHigh = hi ? { s: p + enc(hi.v, dir), incl: hi.incl } : null;
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

const SAFE_INT = 2 ** 53;

/** Values whose index encoding decides equality exactly (huge int64 values are approximated). */
function exactValue(v: unknown): boolean {
  if (!usableEq(v)) return false;
  if (typeof v === 'bigint') return false;
  // Past 2^53 the key encoding rounds int64 values to a double: a double key there may
  // stand for several Longs, so those keys only narrow and the filter re-checks.
  if (typeof v === 'number') return !(Math.abs(v) >= SAFE_INT);
  const bt = (v as { _bsontype?: string } | null)?._bsontype;
  if (bt === 'Long') return Math.abs((v as { toNumber(): number }).toNumber()) < SAFE_INT;
  if (bt === 'Double') return Math.abs((v as { value: number }).value) < SAFE_INT;
  return true;
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
function coversExactly(filter: Document, ix: BTreeIndex, eqCount: number, hasRange: boolean): boolean {
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
  ix: BTreeIndex;
  score: number;
  intervals: Interval[];
  reverse: boolean;
  sortCovered: boolean;
  eqCount: number;
  hasRange: boolean;
}

/** Intervals and sort coverage of one index for the given predicates. */
function evaluate(ix: BTreeIndex, preds: Map<string, FieldPred>, sort: [string, 1 | -1][], forced: boolean): Candidate | null {
  if (ix.partial && !forced) return null;
  const fields = ix.fields;
  let prefixes = [''];
  let eqCount = 0;
  let single = true;
  const singleUpTo: boolean[] = [];
  for (const f of fields) {
    const p = preds.get(f.path);
    if (!p?.eq) break;
    if (ix.sparse && p.eq.some((v) => typeRank(v) === T_NULL)) break;
    if (prefixes.length * p.eq.length > MAX_POINTS) break;
    const next: string[] = [];
    for (const pre of prefixes) for (const v of p.eq) next.push(pre + enc(v, f.dir));
    prefixes = [...new Set(next)];
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
    intervals = prefixes.map((pre) => ({ start: pre, end: pre === '' ? null : prefixEnd(pre) }));
  }
  intervals.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));

  let sortCovered = false;
  let reverse = false;
  if (sort.length && !(ix.sparse && eqCount === 0 && !hasRange) && !sort.some(([k]) => k === '$natural')) {
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
function planOr(coll: Collection, branches: unknown[], pool: BTreeIndex[], collated: boolean): Candidate[] | null {
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

function* scanIndex(coll: Collection, c: Candidate, stats: PlanStats): Iterable<Document> {
  const seen = new Set<string>();
  const list = c.reverse ? [...c.intervals].reverse() : c.intervals;
  const tree = c.ix.tree;
  for (const iv of list) {
    if (iv.end !== null && iv.end <= iv.start) continue;
    const it = c.reverse ? tree.entriesReversed(iv.end ?? undefined, undefined, true) : tree.entries(iv.start);
    for (const [k, idKey] of it) {
      if (c.reverse ? k < iv.start : iv.end !== null && k >= iv.end) break;
      if (c.reverse && iv.end !== null && k >= iv.end) continue;
      stats.keysExamined++;
      if (seen.has(idKey)) continue;
      seen.add(idKey);
      const doc = coll.docs.get(idKey);
      if (doc) {
        stats.docsExamined++;
        yield doc;
      }
    }
  }
}

/**
 * True when each matching document owns exactly one entry in the candidate's intervals, so
 * counting entries counts matches: an exact plan on a non-multikey index, or (multikey) a
 * filter of single non-null equalities on top-level fields of the index's equality prefix,
 * in one interval: a document's entries under one value prefix are one entry (entries are
 * `key + idKey`), and mingo matches an array that contains the value, as the index does.
 */
function countable(filter: Document, c: Candidate): boolean {
  const ix = c.ix;
  if (coversExactly(filter, ix, c.eqCount, c.hasRange)) return true;
  if (!ix.multikey.value || ix.partial || ix.sparse || c.hasRange || c.intervals.length !== 1) return false;
  const keys = Object.keys(filter);
  if (keys.length === 0) return false;
  for (const k of keys) {
    const pos = ix.fields.findIndex((f) => f.path === k);
    if (pos < 0 || pos >= c.eqCount || k.includes('.')) return false;
    const raw = filter[k];
    const v = isPlainObject(raw) && Object.keys(raw).length === 1 && '$eq' in raw ? raw.$eq : raw;
    if (v === null || isPlainObject(v) || !exactValue(v)) return false;
  }
  return true;
}

interface RankNode {
  keys: string[];
  children?: RankNode[];
  size(): number;
}

/**
 * How many entries of `tree` are below `key`, in O(height x node size): sorted-btree's
 * internal nodes cache their subtree sizes, and an internal node's keys[i] is the largest
 * key under children[i]. This reads sorted-btree's node layout (pinned version 2.1.x);
 * null when the layout is not the expected one, and the caller then counts with forRange.
 */
function rankOf(tree: BTreeIndex['tree'], key: string): number | null {
  let node = (tree as unknown as { _root?: RankNode })._root;
  let below = 0;
  for (let depth = 0; node && depth < 64; depth++) {
    const keys = node.keys;
    if (!Array.isArray(keys)) return null;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    const children = node.children;
    if (children === undefined) return below + lo;
    if (!Array.isArray(children) || children.length !== keys.length) return null;
    for (let i = 0; i < lo; i++) below += children[i].size();
    if (lo === children.length) return below;
    node = children[lo];
  }
  return null;
}

/**
 * The number of entries in the candidate's intervals, from the entries' ranks (rankOf), or
 * else leaf by leaf (forRange without a callback adds up index ranges per leaf). Null
 * when intervals overlap or a multikey document could sit in several of them: then the
 * entries are not one per document and only scanIndex (which dedupes) is right.
 */
function countIndexKeys(c: Candidate, stats: PlanStats): number | null {
  if (c.ix.multikey.value && c.intervals.length !== 1) return null;
  const tree = c.ix.tree;
  const max = tree.maxKey();
  if (max === undefined) return 0;
  let n = 0;
  let prevEnd: string | null | undefined;
  for (const iv of c.intervals) {
    if (prevEnd === null || (prevEnd !== undefined && iv.start < prevEnd)) return null;
    prevEnd = iv.end;
    if (iv.end !== null ? iv.end <= iv.start : iv.start > max) continue;
    const below = rankOf(tree, iv.start);
    if (below === null) n += iv.end === null ? tree.forRange(iv.start, max, true) : tree.forRange(iv.start, iv.end, false);
    else n += (iv.end === null ? tree.size : rankOf(tree, iv.end)!) - below;
  }
  stats.keysExamined += n;
  return n;
}

function* scanAll(coll: Collection, reverse: boolean, stats: PlanStats): Iterable<Document> {
  if (!reverse) {
    for (const d of coll.docs.values()) {
      stats.docsExamined++;
      yield d;
    }
  } else {
    const all = [...coll.docs.values()];
    for (let i = all.length - 1; i >= 0; i--) {
      stats.docsExamined++;
      yield all[i];
    }
  }
}

function resolveHint(coll: Collection, hint: unknown): BTreeIndex | 'natural' | null {
  if (hint === undefined || hint === null || hint === '') return null;
  if (isPlainObject(hint) && Object.keys(hint).length === 0) return null;
  if (isPlainObject(hint) && '$natural' in hint) return 'natural';
  const all = [coll.idTree, ...coll.indexes];
  let found: BTreeIndex | undefined;
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

/**
 * The plan for `filter` (+ `sort`, `hint`). `collated`: the operation has a non-simple
 * collation, so string bounds and index order are not used (see withoutCollatedValues).
 */
export function plan(coll: Collection | undefined, filter: Document, sort?: Document, hint?: unknown, collated = false): Plan {
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
        const seen = new Set<string>();
        for (const v of values) {
          const k = idKeyOf(v);
          if (seen.has(k)) continue;
          seen.add(k);
          stats.keysExamined++;
          const d = coll.docs.get(k);
          if (d) {
            stats.docsExamined++;
            yield d;
          }
        }
      },
    };
  }

  let best: Candidate | null = null;
  const pool = hinted ? [hinted] : [coll.idTree, ...coll.indexes];
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
          const seen = new Set<string>();
          for (const c of union) {
            for (const d of scanIndex(coll, c, stats)) {
              const k = idKeyOf(d._id);
              if (seen.has(k)) continue;
              seen.add(k);
              yield d;
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
      exact: coversExactly(filter, b.ix, b.eqCount, b.hasRange),
      stats,
      candidates: () => scanIndex(coll, b, stats),
      countKeys: countable(filter, b) ? () => countIndexKeys(b, stats) : undefined,
    };
  }
  return { stage: 'COLLSCAN', direction: 'forward', sortCovered: !sf.length, stats, candidates: () => scanAll(coll, false, stats) };
}

export { sortFields };
