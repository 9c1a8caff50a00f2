/**
 * Aggregation expression operators and accumulators that replace mingo's own in the
 * engine's mingo context (mingo-context.ts), so that expressions see BSON values the way
 * MongoDB does:
 *   - comparisons ($eq ... $cmp, $in, $indexOfArray) use BSON order (bson-order.ts): numbers
 *     of every type by value, null below numbers, a missing field below null; strings by the
 *     collation when the operation has one;
 *   - arithmetic keeps MongoDB's result types (numeric.ts): int + int overflows to long, long
 *     to double, anything with a double is a double; Longs beyond 2^53 stay exact;
 *   - truthiness: numeric zero of any type is false;
 *   - $type and the conversions name and produce int / long / double as MongoDB does.
 */
import { Long } from 'bson';
import { evalExpr } from 'mingo/core';
import * as accumulatorOps from 'mingo/operators/accumulator';
import * as expressionOps from 'mingo/operators/expression';
import { compareValues, encodeValue, typeRank, T_MINKEY, type StringCompare } from './bson-order';
import { typeName } from './bson-types';
import { mongoError } from './errors';
import { NumericSum, arith, isNumeric, makeDouble, makeLong, numKind, toBigInt, toDouble, truthy, widen, type NumKind } from './numeric';
import { stringCompareOf } from './query-ops';

type Options = Parameters<typeof evalExpr>[2];
type ExprOp = (obj: unknown, expr: unknown, options: Options) => unknown;
type AccOp = (coll: unknown[], expr: unknown, options: Options) => unknown;

const push = accumulatorOps.$push as unknown as AccOp;
const mingoExpr = expressionOps as unknown as Record<string, ExprOp>;
const mingoAcc = accumulatorOps as unknown as Record<string, AccOp>;

const located = (code: number, msg: string) => mongoError(code, msg);
const conversionFailure = (msg: string) => mongoError(241, msg);

const isNil = (v: unknown) => v === null || v === undefined;

/** Expression order: like a sort, but a missing value sorts below null (and above MinKey). */
export function compareExpr(a: unknown, b: unknown, strCmp?: StringCompare): number {
  if (a === undefined || b === undefined) {
    if (a === b) return 0;
    if (a === undefined) return typeRank(b) === T_MINKEY ? 1 : -1;
    return typeRank(a) === T_MINKEY ? -1 : 1;
  }
  return compareValues(a, b, strCmp);
}

function args(obj: unknown, expr: unknown, options: Options, name: string, n?: number): unknown[] {
  const v = evalExpr(obj as never, expr as never, options) as unknown;
  const list = Array.isArray(expr) ? (v as unknown[]) : [v];
  if (n !== undefined && list.length !== n) {
    throw located(16020, `Expression ${name} takes exactly ${n} arguments. ${list.length} were passed in.`);
  }
  return list;
}

function comparisonOp(name: string, test: (c: number) => unknown): ExprOp {
  return (obj, expr, options) => {
    const [a, b] = args(obj, expr, options, name, 2);
    return test(compareExpr(a, b, stringCompareOf(options)));
  };
}

// ---- arithmetic ----------------------------------------------------------------------------

const add: ExprOp = (obj, expr, options) => {
  const list = args(obj, expr, options, '$add');
  let date: Date | null = null;
  let acc: unknown = 0;
  for (const v of list) {
    if (isNil(v)) return null;
    if (v instanceof Date) {
      if (date) throw located(16612, 'only one date allowed in an $add expression');
      date = v;
      continue;
    }
    if (!isNumeric(v)) throw located(16554, `$add only supports numeric or date types, not ${typeName(v)}`);
    acc = arith(acc, v, 'add');
  }
  if (date) return new Date(date.getTime() + Math.round(toDouble(acc)));
  return acc;
};

const subtract: ExprOp = (obj, expr, options) => {
  const [a, b] = args(obj, expr, options, '$subtract', 2);
  if (isNil(a) || isNil(b)) return null;
  if (a instanceof Date) {
    if (b instanceof Date) return Long.fromNumber(a.getTime() - b.getTime());
    if (isNumeric(b)) return new Date(a.getTime() - Math.round(toDouble(b)));
  } else if (isNumeric(a) && isNumeric(b)) return arith(a, b, 'subtract');
  throw located(16556, `can't $subtract ${typeName(b)} from ${typeName(a)}`);
};

const multiply: ExprOp = (obj, expr, options) => {
  const list = args(obj, expr, options, '$multiply');
  let acc: unknown = 1;
  for (const v of list) {
    if (isNil(v)) return null;
    if (!isNumeric(v)) throw located(16555, `$multiply only supports numeric types, not ${typeName(v)}`);
    acc = arith(acc, v, 'multiply');
  }
  return acc;
};

const divide: ExprOp = (obj, expr, options) => {
  const [a, b] = args(obj, expr, options, '$divide', 2);
  if (isNil(a) || isNil(b)) return null;
  if (!isNumeric(a) || !isNumeric(b)) throw located(16609, `$divide only supports numeric types, not ${typeName(a)} and ${typeName(b)}`);
  if (toDouble(b) === 0) throw located(16608, "can't $divide by zero");
  return makeDouble(toDouble(a) / toDouble(b));
};

const mod: ExprOp = (obj, expr, options) => {
  const [a, b] = args(obj, expr, options, '$mod', 2);
  if (isNil(a) || isNil(b)) return null;
  if (!isNumeric(a) || !isNumeric(b)) throw located(16611, `$mod only supports numeric types, not ${typeName(a)} and ${typeName(b)}`);
  if (toDouble(b) === 0) throw located(16610, "can't $mod by zero");
  const kind = widen(numKind(a)!, numKind(b)!);
  if (kind === 'double') return makeDouble(toDouble(a) % toDouble(b));
  const r = toBigInt(a) % toBigInt(b);
  return kind === 'int' ? Number(r) : Long.fromBigInt(r);
};

const abs: ExprOp = (obj, expr, options) => {
  const [a] = args(obj, expr, options, '$abs', 1);
  if (isNil(a)) return null;
  const kind = numKind(a);
  if (kind === null) throw located(28765, `$abs only supports numeric types, not ${typeName(a)}`);
  if (kind === 'double') return makeDouble(Math.abs(toDouble(a)));
  const x = toBigInt(a);
  const r = x < 0n ? -x : x;
  if (kind === 'long' && r > 9223372036854775807n) throw located(28680, "can't take $abs of long long min");
  return kind === 'int' && r <= 2147483647n ? Number(r) : makeLong(r);
};

/** Wraps a mingo math operator: numbers in as JS doubles, the result typed as MongoDB types it. */
function numericExpr(name: string, result: 'same' | 'double' | 'pow'): ExprOp {
  const orig = mingoExpr[name];
  return (obj, expr, options) => {
    const list = args(obj, expr, options, name);
    let kind = 'int' as NumKind;
    const plain = list.map((v, i) => {
      const k = numKind(v);
      if (k === null) return v;
      if (i === 0 || result === 'pow') kind = i === 0 ? k : widen(kind, k);
      return toDouble(v);
    });
    const out = orig(obj, Array.isArray(expr) ? plain : plain[0], options);
    if (typeof out !== 'number') return out;
    if (result === 'double' || kind === 'double' || !Number.isInteger(out)) return makeDouble(out);
    if (result === 'same' && (name === '$ceil' || name === '$floor' || name === '$trunc') && numKind(list[0]) !== 'double') {
      return list[0]; // integers are their own ceiling/floor/truncation (exact for any Long)
    }
    return kind === 'int' && out >= -2147483648 && out <= 2147483647 ? out : makeLong(BigInt(out));
  };
}

// ---- types and conversions -----------------------------------------------------------------

function parseNumberString(s: string, integral: boolean): number | bigint {
  const t = s.trim();
  if (integral) {
    if (!/^[+-]?\d+$/.test(t)) throw conversionFailure(`Failed to parse number '${s}' in $convert with no onError value`);
    return BigInt(t);
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^[+-]?(Infinity|inf|NaN|nan)$/i.test(t)) {
    throw conversionFailure(`Failed to parse number '${s}' in $convert with no onError value`);
  }
  return /^[+-]?inf(inity)?$/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : /nan/i.test(t) ? NaN : Number(t);
}

function toLongValue(v: unknown): unknown {
  if (isNil(v)) return null;
  if (typeof v === 'boolean') return Long.fromNumber(v ? 1 : 0);
  if (v instanceof Date) return Long.fromNumber(v.getTime());
  if (typeof v === 'string') {
    const n = parseNumberString(v, true) as bigint;
    if (n > 9223372036854775807n || n < -9223372036854775808n)
      throw conversionFailure(`Conversion would overflow target type in $convert with no onError value: ${v}`);
    return Long.fromBigInt(n);
  }
  const k = numKind(v);
  if (k === 'long') return v;
  if (k !== null) {
    const x = toDouble(v);
    if (!Number.isFinite(x))
      throw conversionFailure(`Attempt to convert NaN or infinity value to integer type in $convert with no onError value: ${x}`);
    // 2^63 as a double: every double at or above it (or below -2^63) overflows int64.
    if (x >= 2 ** 63 || x < -(2 ** 63))
      throw conversionFailure(`Conversion would overflow target type in $convert with no onError value: ${x}`);
    return Long.fromBigInt(BigInt(Math.trunc(x)));
  }
  throw conversionFailure(`Unsupported conversion from ${typeName(v)} to long in $convert with no onError value`);
}

function toIntValue(v: unknown): unknown {
  if (isNil(v)) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = parseNumberString(v, true) as bigint;
    if (n > 2147483647n || n < -2147483648n)
      throw conversionFailure(`Conversion would overflow target type in $convert with no onError value: ${v}`);
    return Number(n);
  }
  const k = numKind(v);
  if (k !== null) {
    const x = k === 'long' ? Number(toBigInt(v)) : toDouble(v);
    if (!Number.isFinite(x))
      throw conversionFailure(`Attempt to convert NaN or infinity value to integer type in $convert with no onError value: ${x}`);
    const t = Math.trunc(x);
    if (t > 2147483647 || t < -2147483648)
      throw conversionFailure(`Conversion would overflow target type in $convert with no onError value: ${x}`);
    return t === 0 ? 0 : t;
  }
  throw conversionFailure(`Unsupported conversion from ${typeName(v)} to int in $convert with no onError value`);
}

function toDoubleValue(v: unknown): unknown {
  if (isNil(v)) return null;
  if (typeof v === 'boolean') return makeDouble(v ? 1 : 0);
  if (v instanceof Date) return makeDouble(v.getTime());
  if (typeof v === 'string') return makeDouble(parseNumberString(v, false) as number);
  if (isNumeric(v)) return makeDouble(toDouble(v));
  throw conversionFailure(`Unsupported conversion from ${typeName(v)} to double in $convert with no onError value`);
}

function toBoolValue(v: unknown): unknown {
  if (isNil(v)) return null;
  return truthy(v);
}

const CONVERSIONS: Record<string, (v: unknown) => unknown> = {
  double: toDoubleValue,
  '1': toDoubleValue,
  int: toIntValue,
  '16': toIntValue,
  long: toLongValue,
  '18': toLongValue,
  bool: toBoolValue,
  '8': toBoolValue,
};

function conversionOp(name: string, f: (v: unknown) => unknown): ExprOp {
  return (obj, expr, options) => f(args(obj, expr, options, name, 1)[0]);
}

const convert: ExprOp = (obj, expr, options) => {
  if (expr === null || typeof expr !== 'object' || Array.isArray(expr))
    throw located(15983, '$convert expects an object of named arguments');
  const spec = expr as Record<string, unknown>;
  const to = evalExpr(obj as never, spec.to as never, options) as unknown;
  const key = isNumeric(to) ? String(toDouble(to)) : String(to);
  const f = CONVERSIONS[key];
  if (!f) return mingoExpr.$convert(obj, expr, options);
  const input = evalExpr(obj as never, spec.input as never, options) as unknown;
  if (isNil(input)) return 'onNull' in spec ? evalExpr(obj as never, spec.onNull as never, options) : null;
  try {
    return f(input);
  } catch (e) {
    if ('onError' in spec) return evalExpr(obj as never, spec.onError as never, options);
    throw e;
  }
};

// ---- booleans and conditions ----------------------------------------------------------------

const and: ExprOp = (obj, expr, options) => {
  const list = Array.isArray(expr) ? expr : [expr];
  return list.every((e) => truthy(evalExpr(obj as never, e as never, options)));
};

const or: ExprOp = (obj, expr, options) => {
  const list = Array.isArray(expr) ? expr : [expr];
  return list.some((e) => truthy(evalExpr(obj as never, e as never, options)));
};

const not: ExprOp = (obj, expr, options) => !truthy(args(obj, expr, options, '$not', 1)[0]);

const cond: ExprOp = (obj, expr, options) => {
  let ifExpr: unknown, thenExpr: unknown, elseExpr: unknown;
  if (Array.isArray(expr)) {
    if (expr.length !== 3) throw located(16020, `Expression $cond takes exactly 3 arguments. ${expr.length} were passed in.`);
    [ifExpr, thenExpr, elseExpr] = expr;
  } else if (expr !== null && typeof expr === 'object') {
    const e = expr as Record<string, unknown>;
    for (const k of ['if', 'then', 'else']) if (!(k in e)) throw located(17080, `Missing '${k}' parameter to $cond`);
    for (const k of Object.keys(e)) if (!['if', 'then', 'else'].includes(k)) throw located(17083, `Unrecognized parameter to $cond: ${k}`);
    ({ if: ifExpr, then: thenExpr, else: elseExpr } = e);
  } else throw located(16020, 'Expression $cond takes exactly 3 arguments. 1 were passed in.');
  return evalExpr(obj as never, (truthy(evalExpr(obj as never, ifExpr as never, options)) ? thenExpr : elseExpr) as never, options);
};

const switchOp: ExprOp = (obj, expr, options) => {
  if (expr === null || typeof expr !== 'object' || Array.isArray(expr)) throw located(40060, '$switch requires an object as an argument');
  const e = expr as { branches?: unknown; default?: unknown };
  if (!Array.isArray(e.branches)) throw located(40061, "$switch expects its 'branches' argument to be an array");
  for (const b of e.branches as { case: unknown; then: unknown }[]) {
    if (truthy(evalExpr(obj as never, b.case as never, options))) return evalExpr(obj as never, b.then as never, options);
  }
  if (!('default' in e)) throw located(40066, '$switch could not find a matching branch for an input, and no default was specified.');
  return evalExpr(obj as never, e.default as never, options);
};

// ---- arrays --------------------------------------------------------------------------------

const inOp: ExprOp = (obj, expr, options) => {
  const [item, arr] = args(obj, expr, options, '$in', 2);
  if (!Array.isArray(arr)) throw located(40081, `$in requires an array as a second argument, found: ${typeName(arr)}`);
  const strCmp = stringCompareOf(options);
  return arr.some((v) => compareExpr(v, item, strCmp) === 0);
};

const indexOfArray: ExprOp = (obj, expr, options) => {
  const list = args(obj, expr, options, '$indexOfArray');
  if (list.length < 2 || list.length > 4) throw located(28667, 'Expression $indexOfArray takes at least 2 arguments, and at most 4');
  const [arr, item] = list;
  if (isNil(arr)) return null;
  if (!Array.isArray(arr)) throw located(40090, `$indexOfArray requires an array as a first argument, found: ${typeName(arr)}`);
  const start = list.length > 2 ? toDouble(list[2]) : 0;
  const end = list.length > 3 ? Math.min(toDouble(list[3]), arr.length) : arr.length;
  const strCmp = stringCompareOf(options);
  for (let i = start; i < end; i++) if (compareExpr(arr[i], item, strCmp) === 0) return i;
  return -1;
};

// ---- accumulators ----------------------------------------------------------------------------

const sumAcc: AccOp = (coll, expr, options) => {
  const s = new NumericSum();
  for (const v of push(coll, expr, options) as unknown[]) s.add(v);
  return s.value();
};

const avgAcc: AccOp = (coll, expr, options) => {
  const s = new NumericSum();
  for (const v of push(coll, expr, options) as unknown[]) s.add(v);
  return s.mean();
};

function extremeAcc(sign: 1 | -1): AccOp {
  return (coll, expr, options) => {
    const strCmp = stringCompareOf(options);
    let best: unknown = null;
    for (const v of push(coll, expr, options) as unknown[]) {
      if (isNil(v)) continue;
      if (best === null || sign * compareValues(v, best, strCmp) > 0) best = v;
    }
    return best;
  };
}

const addToSetAcc: AccOp = (coll, expr, options) => {
  const strCmp = stringCompareOf(options);
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (const v of push(coll, expr, options) as unknown[]) {
    if (v === undefined) continue;
    if (strCmp) {
      if (!out.some((x) => compareValues(x, v, strCmp) === 0)) out.push(v);
      continue;
    }
    const k = encodeValue(v);
    if (seen.has(k) && out.some((x) => compareValues(x, v) === 0)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
};

/** Wraps a mingo accumulator that only understands JS numbers; a numeric result is a double. */
function doubleAcc(name: string): AccOp {
  const orig = mingoAcc[name];
  return (coll, expr, options) => {
    const vals = (push(coll, expr, options) as unknown[]).map((v) => (isNumeric(v) ? toDouble(v) : v));
    const r = orig(vals, null, options);
    return typeof r === 'number' ? makeDouble(r) : r;
  };
}

export const EXPRESSION_OPERATORS: Record<string, ExprOp> = {
  $eq: comparisonOp('$eq', (c) => c === 0),
  $ne: comparisonOp('$ne', (c) => c !== 0),
  $gt: comparisonOp('$gt', (c) => c > 0),
  $gte: comparisonOp('$gte', (c) => c >= 0),
  $lt: comparisonOp('$lt', (c) => c < 0),
  $lte: comparisonOp('$lte', (c) => c <= 0),
  $cmp: comparisonOp('$cmp', (c) => (c < 0 ? -1 : c > 0 ? 1 : 0)),
  $add: add,
  $subtract: subtract,
  $multiply: multiply,
  $divide: divide,
  $mod: mod,
  $abs: abs,
  $ceil: numericExpr('$ceil', 'same'),
  $floor: numericExpr('$floor', 'same'),
  $trunc: numericExpr('$trunc', 'same'),
  $round: numericExpr('$round', 'same'),
  $pow: numericExpr('$pow', 'pow'),
  $sqrt: numericExpr('$sqrt', 'double'),
  $exp: numericExpr('$exp', 'double'),
  $ln: numericExpr('$ln', 'double'),
  $log: numericExpr('$log', 'double'),
  $log10: numericExpr('$log10', 'double'),
  $type: (obj, expr, options) => typeName(args(obj, expr, options, '$type', 1)[0]),
  $isNumber: (obj, expr, options) => isNumeric(args(obj, expr, options, '$isNumber', 1)[0]),
  $toLong: conversionOp('$toLong', toLongValue),
  $toInt: conversionOp('$toInt', toIntValue),
  $toDouble: conversionOp('$toDouble', toDoubleValue),
  $toBool: conversionOp('$toBool', toBoolValue),
  $convert: convert,
  $and: and,
  $or: or,
  $not: not,
  $cond: cond,
  $switch: switchOp,
  $in: inOp,
  $indexOfArray: indexOfArray,
};

export const ACCUMULATOR_OPERATORS: Record<string, AccOp> = {
  $sum: sumAcc,
  $avg: avgAcc,
  $min: extremeAcc(-1),
  $max: extremeAcc(1),
  $addToSet: addToSetAcc,
  $stdDevPop: doubleAcc('$stdDevPop'),
  $stdDevSamp: doubleAcc('$stdDevSamp'),
};

/** `$expr` in a query filter, with MongoDB's truthiness. */
export function exprQueryOp(_selector: string, expr: unknown, options: Options) {
  return (obj: unknown) => truthy(evalExpr(obj as never, expr as never, options));
}
