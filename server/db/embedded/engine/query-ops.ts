/**
 * Query operators with MongoDB's path semantics, replacing mingo's own in the engine's mingo
 * context (mingo-context.ts).
 *
 * A dotted path yields candidate values the way MongoDB's matcher walks a document:
 *   - at the end of the path: the value, and (if it is an array) each of its elements;
 *   - through an array: every element that is a document continues the path; scalar and
 *     array elements yield nothing (a numeric part also selects that element);
 *   - through anything else (null, a scalar, a missing field): one "missing" candidate.
 * So `{'a.b': null}` matches `{a: 4}`, `{a: [{}]}` and `{a: [{b: null}]}` but not `{a: [1, 2]}`
 * or `{a: []}`; `$ne`/`$nin` are the exact complements of `$eq`/`$in`; `$exists` asks whether a
 * non-missing candidate exists. Comparisons ($gt ...) only compare values of the same type
 * bracket (numbers of every BSON type by value), with the collation's string order when
 * the query has one (`options.collation`).
 */
import type { Document } from 'bson';
import { compareValues, encodeValue, typeRank, T_MAXKEY, T_MINKEY, T_NULL, type StringCompare } from './bson-order';
import { collationCompare } from './collation';
import { isPlainObject } from './doc-utils';
import { badValue } from './errors';
import { bsonTypeCode } from './bson-types';
import { numKind, toBigInt, toDouble } from './numeric';

type Visit = (x: unknown) => boolean;

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isIndex = (s: string) => s.length > 0 && s.length < 10 && /^\d+$/.test(s);

/**
 * Calls `fn` on each candidate value of `parts` in `v` (undefined = missing) until it returns
 * true. `expandLeaf` false: an array at the end of the path is one candidate, not also its
 * elements ($size).
 */
export function visitPath(v: unknown, parts: string[], i: number, fn: Visit, expandLeaf = true): boolean {
  if (i === parts.length) {
    if (fn(v)) return true;
    if (expandLeaf && Array.isArray(v)) for (const e of v) if (fn(e)) return true;
    return false;
  }
  const p = parts[i];
  if (Array.isArray(v)) {
    if (isIndex(p)) {
      const idx = Number(p);
      if (idx < v.length ? visitPath(v[idx], parts, i + 1, fn, expandLeaf) : fn(undefined)) return true;
      for (const e of v) if (isPlainObject(e) && own(e, p) && visitPath(e[p], parts, i + 1, fn, expandLeaf)) return true;
      return false;
    }
    for (const e of v) {
      if (isPlainObject(e) && visitPath(own(e, p) ? e[p] : undefined, parts, i + 1, fn, expandLeaf)) return true;
    }
    return false;
  }
  if (isPlainObject(v)) return visitPath(own(v, p) ? v[p] : undefined, parts, i + 1, fn, expandLeaf);
  return fn(undefined);
}

/** The collation of a compiled query (mingo passes its options to every operator). */
export function stringCompareOf(options: unknown): StringCompare | undefined {
  const spec = (options as { collation?: unknown } | undefined)?.collation;
  return spec === undefined ? undefined : collationCompare(spec);
}

function isRegexValue(v: unknown): v is RegExp {
  return v instanceof RegExp;
}

function regexTest(re: RegExp, x: unknown): boolean {
  if (typeof x !== 'string') {
    if ((x as { _bsontype?: string } | null)?._bsontype !== 'BSONSymbol') return false;
    x = String((x as { value: string }).value);
  }
  re.lastIndex = 0;
  return re.test(x as string);
}

/** Equality test for one candidate against a query value (null also matches missing). */
function equalityTest(value: unknown, strCmp: StringCompare | undefined): Visit {
  if (value === null || value === undefined) return (x) => x === null || x === undefined;
  const t = typeRank(value);
  if (strCmp === undefined && (typeof value === 'string' || typeof value === 'boolean')) return (x) => x === value;
  return (x) => x !== undefined && typeRank(x) === t && compareValues(x, value, strCmp) === 0;
}

function fieldOp(make: (value: unknown, strCmp: StringCompare | undefined) => Visit, negate = false, expandLeaf = true) {
  return (selector: string, value: unknown, options: unknown) => {
    const test = make(value, stringCompareOf(options));
    const parts = selector.split('.');
    if (parts.length === 1 && expandLeaf) {
      const f = parts[0];
      return (o: unknown) => {
        const v = isPlainObject(o) && own(o, f) ? o[f] : undefined;
        let hit = test(v);
        if (!hit && Array.isArray(v)) for (let i = 0; i < v.length && !hit; i++) hit = test(v[i]);
        return hit !== negate;
      };
    }
    return (o: unknown) => visitPath(o, parts, 0, test, expandLeaf) !== negate;
  };
}

function comparison(ok: (c: number) => boolean, inclusive: boolean) {
  return (value: unknown, strCmp: StringCompare | undefined): Visit => {
    const t = typeRank(value);
    if (t === T_NULL) return inclusive ? (x) => x === null || x === undefined : () => false;
    if (t === T_MINKEY || t === T_MAXKEY) return (x) => x !== undefined && ok(compareValues(x, value));
    return (x) => x !== undefined && typeRank(x) === t && ok(compareValues(x, value, strCmp));
  };
}

function inTest(values: unknown, strCmp: StringCompare | undefined): Visit {
  if (!Array.isArray(values)) throw badValue('$in needs an array');
  const regexes: RegExp[] = [];
  let nullOk = false;
  const others: unknown[] = [];
  for (const v of values) {
    if (isRegexValue(v)) regexes.push(v);
    else if (v === null) nullOk = true;
    else if (isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$')) && Object.keys(v)[0] !== '$ref') {
      throw badValue('cannot nest $ under $in');
    } else others.push(v);
  }
  // Equality by value, through canonical encodings when strings compare by bytes.
  let has: (x: unknown) => boolean;
  if (strCmp === undefined && others.length > 4) {
    // Encodings are equal for equal values (and, rarely, for int64 values beyond 2^53 that
    // round to the same double): a hit is confirmed by an exact comparison.
    const byKey = new Map<string, unknown[]>();
    for (const v of others) {
      const k = encodeValue(v);
      const list = byKey.get(k);
      if (list) list.push(v);
      else byKey.set(k, [v]);
    }
    has = (x) => {
      const list = byKey.get(encodeValue(x));
      return list !== undefined && list.some((v) => compareValues(x, v) === 0);
    };
  } else {
    const tests = others.map((v) => equalityTest(v, strCmp));
    has = (x) => tests.some((t) => t(x));
  }
  return (x) => {
    if (x === undefined || x === null) return nullOk;
    if (has(x)) return true;
    for (const re of regexes) if (regexTest(re, x)) return true;
    return false;
  };
}

// ---- $type ---------------------------------------------------------------------------------

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

function typeCodesOf(spec: unknown): Set<number | 'number'> {
  const list = Array.isArray(spec) ? spec : [spec];
  const out = new Set<number | 'number'>();
  for (const t of list) {
    if (typeof t === 'string') {
      if (t === 'number') out.add('number');
      else if (t in TYPE_ALIASES) out.add(TYPE_ALIASES[t]);
      else throw badValue(`Unknown type name alias: ${t}`);
    } else if (numKind(t) !== null) {
      const n = toDouble(t);
      if (!Number.isInteger(n) || !Object.values(TYPE_ALIASES).includes(n)) throw badValue(`Invalid numerical type code: ${n}`);
      out.add(n);
    } else throw badValue('type must be represented as a number or a string');
  }
  return out;
}

function typeTest(spec: unknown): Visit {
  const codes = typeCodesOf(spec);
  return (x) => {
    if (x === undefined) return false;
    const c = bsonTypeCode(x);
    return codes.has(c) || (codes.has('number') && (c === 1 || c === 16 || c === 18 || c === 19));
  };
}

// ---- $mod ----------------------------------------------------------------------------------

function modTest(spec: unknown): Visit {
  if (!Array.isArray(spec) || spec.length !== 2) {
    throw badValue(Array.isArray(spec) && spec.length < 2 ? 'malformed mod, not enough elements' : 'malformed mod, too many elements');
  }
  const [d, r] = spec;
  if (numKind(d) === null || numKind(r) === null) throw badValue('malformed mod, divisor and remainder must be numbers');
  const dv = toDouble(d);
  if (!Number.isFinite(dv) || !Number.isFinite(toDouble(r))) throw badValue('malformed mod, divisor and remainder must be finite numbers');
  const divisor = BigInt(Math.trunc(dv));
  if (divisor === 0n) throw badValue('divisor cannot be 0');
  const remainder = numKind(r) === 'long' ? toBigInt(r) : BigInt(Math.trunc(toDouble(r)));
  return (x) => {
    const k = numKind(x);
    if (k === null) return false;
    let n: bigint;
    if (k === 'long') n = toBigInt(x);
    else {
      const v = toDouble(x);
      if (!Number.isFinite(v)) return false;
      n = BigInt(Math.trunc(v));
    }
    return n % divisor === remainder;
  };
}

// ---- $all ----------------------------------------------------------------------------------

type Compiled = (o: unknown) => boolean;
type QueryFactory = (filter: Document) => { test(o: unknown): boolean };

function allOp(makeQuery: QueryFactory) {
  return (selector: string, values: unknown, options: unknown): Compiled => {
    if (!Array.isArray(values)) throw badValue('$all needs an array');
    const strCmp = stringCompareOf(options);
    const parts = selector.split('.');
    const preds: Compiled[] = values.map((v) => {
      if (isPlainObject(v) && Object.keys(v)[0] === '$elemMatch') {
        const q = makeQuery({ [selector]: v });
        return (o) => q.test(o);
      }
      if (isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$'))) throw badValue('no $ expressions in $all');
      const test = isRegexValue(v) ? (x: unknown) => regexTest(v, x) : equalityTest(v, strCmp);
      return (o) => visitPath(o, parts, 0, test);
    });
    return (o) => {
      if (preds.length === 0) return false;
      for (const p of preds) if (!p(o)) return false;
      return true;
    };
  };
}

function sizeTest(n: unknown): Visit {
  const k = numKind(n);
  const v = k === null ? NaN : toDouble(n);
  if (k === null || !Number.isInteger(v)) throw badValue('$size needs a number');
  if (v < 0) throw badValue('$size may not be negative');
  return (x) => Array.isArray(x) && x.length === v;
}

function existsOp(selector: string, value: unknown): Compiled {
  const want = !(value === false || value === null || value === 0 || (numKind(value) !== null && toDouble(value) === 0));
  const parts = selector.split('.');
  const present: Visit = (x) => x !== undefined;
  return (o) => visitPath(o, parts, 0, present, false) === want;
}

// ---- $bitsAllSet, $bitsAnySet, $bitsAllClear, $bitsAnyClear ------------------------------------

function binaryBytes(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if ((v as { _bsontype?: string } | null)?._bsontype !== 'Binary') return null;
  const b = v as { buffer: Uint8Array; position?: number };
  return b.buffer.subarray(0, typeof b.position === 'number' ? b.position : b.buffer.length);
}

/** The bit positions a $bits* operand names: a list of positions, a numeric mask or a binary mask. */
function bitPositions(spec: unknown, op: string): number[] {
  if (Array.isArray(spec)) {
    return spec.map((p) => {
      const n = numKind(p) === null ? NaN : toDouble(p);
      if (!Number.isInteger(n) || n < 0) throw badValue(`${op} bit positions must be non-negative integers`);
      return n;
    });
  }
  const bytes = binaryBytes(spec);
  const out: number[] = [];
  if (bytes) {
    for (let i = 0; i < bytes.length; i++) for (let b = 0; b < 8; b++) if (bytes[i] & (1 << b)) out.push(i * 8 + b);
    return out;
  }
  const k = numKind(spec);
  const x = k === null ? NaN : toDouble(spec);
  if (k === null || !Number.isInteger(x) || x < 0) {
    throw badValue(`${op} takes an array of positions, a non-negative integer bitmask or a BinData bitmask`);
  }
  let mask = k === 'long' ? toBigInt(spec) : BigInt(x);
  for (let p = 0; mask > 0n; p++, mask >>= 1n) if (mask & 1n) out.push(p);
  return out;
}

/** Bit `p` of a value: numbers as 64-bit two's complement, binaries byte by byte (low bit first). */
function bitReader(x: unknown): ((p: number) => boolean) | null {
  const bytes = binaryBytes(x);
  if (bytes) return (p) => p >> 3 < bytes.length && (bytes[p >> 3] & (1 << (p & 7))) !== 0;
  const k = numKind(x);
  if (k === null) return null;
  let n: bigint;
  if (k === 'long') n = toBigInt(x);
  else {
    const v = toDouble(x);
    if (!Number.isInteger(v) || v >= 2 ** 63 || v < -(2 ** 63)) return null;
    n = BigInt(v);
  }
  return (p) => (p >= 64 ? n < 0n : ((n >> BigInt(p)) & 1n) === 1n);
}

function bitsTest(op: string, every: boolean, set: boolean) {
  return (spec: unknown): Visit => {
    const positions = bitPositions(spec, op);
    return (x) => {
      const bit = bitReader(x);
      if (!bit) return false;
      return every ? positions.every((p) => bit(p) === set) : positions.some((p) => bit(p) === set);
    };
  };
}

/** Query operators to register over mingo's (see mingo-context.ts). */
export function queryOperators(makeQuery: QueryFactory) {
  return {
    $eq: fieldOp(equalityTest),
    $ne: fieldOp(equalityTest, true),
    $gt: fieldOp(comparison((c) => c > 0, false)),
    $gte: fieldOp(comparison((c) => c >= 0, true)),
    $lt: fieldOp(comparison((c) => c < 0, false)),
    $lte: fieldOp(comparison((c) => c <= 0, true)),
    $in: fieldOp(inTest),
    $nin: fieldOp(inTest, true),
    $type: fieldOp(typeTest),
    $mod: fieldOp(modTest),
    $size: fieldOp(sizeTest, false, false),
    $exists: existsOp,
    $all: allOp(makeQuery),
    $bitsAllSet: fieldOp(bitsTest('$bitsAllSet', true, true)),
    $bitsAnySet: fieldOp(bitsTest('$bitsAnySet', false, true)),
    $bitsAllClear: fieldOp(bitsTest('$bitsAllClear', true, false)),
    $bitsAnyClear: fieldOp(bitsTest('$bitsAnyClear', false, false)),
  };
}
