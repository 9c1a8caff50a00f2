/**
 * MongoDB's cross-type value order and value equality. Index keys encode this order as
 * bytes (keystring.ts).
 *
 * Type order (lowest first): MinKey < null/missing < numbers < strings < objects < arrays <
 * binData < ObjectId < bool < Date < Timestamp < regex < code < MaxKey.
 *
 * Strings compare by UTF-8 bytes (the same as Unicode code point order), as MongoDB's simple
 * collation does; under a collation (collation.ts) a string comparator replaces that order.
 * Numbers compare by value across int32, int64 and double, a Long beyond 2^53 exactly.
 * Index keys use the binary encoding of keystring.ts; encodeValue below is only an equality
 * key for hashing values ($in sets, $group ids).
 */
import { Long } from 'bson';

export const T_MINKEY = 1;
export const T_UNDEFINED = 2; // empty array in an index key (MongoDB: undefined)
export const T_NULL = 3;
export const T_NUMBER = 4;
export const T_STRING = 5;
export const T_OBJECT = 6;
export const T_ARRAY = 7;
export const T_BINARY = 8;
export const T_OBJECTID = 9;
export const T_BOOL = 10;
export const T_DATE = 11;
export const T_TIMESTAMP = 12;
export const T_REGEX = 13;
export const T_CODE = 14;
export const T_MAXKEY = 15;

/** Offset so that type chars never collide with the \u0000 terminator or escapes. */
const TYPE_BASE = 0x20;

export function typeRank(v: unknown): number {
  if (v === undefined || v === null) return T_NULL;
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return T_NUMBER;
    case 'string':
      return T_STRING;
    case 'boolean':
      return T_BOOL;
    case 'object':
      break;
    case 'symbol':
      return T_UNDEFINED; // UNDEFINED_KEY: an empty array as a sort/index key
    default:
      return T_OBJECT;
  }
  if (Array.isArray(v)) return T_ARRAY;
  if (v instanceof Date) return T_DATE;
  if (v instanceof RegExp) return T_REGEX;
  if (v instanceof Uint8Array) return T_BINARY;
  const bt = (v as { _bsontype?: string })._bsontype;
  if (bt !== undefined) {
    switch (bt) {
      case 'ObjectId':
        return T_OBJECTID;
      case 'Long':
      case 'Int32':
      case 'Double':
      case 'Decimal128':
        return T_NUMBER;
      case 'Binary':
        return T_BINARY;
      case 'Timestamp':
        return T_TIMESTAMP;
      case 'BSONRegExp':
        return T_REGEX;
      case 'BSONSymbol':
        return T_STRING;
      case 'MinKey':
        return T_MINKEY;
      case 'MaxKey':
        return T_MAXKEY;
      case 'Code':
        return T_CODE;
      default:
        return T_OBJECT; // DBRef and unknown wrappers compare as documents
    }
  }
  return T_OBJECT;
}

/** Numeric value of a number-like BSON value (Long beyond 2^53 is approximated). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const bt = (v as { _bsontype?: string })._bsontype;
  if (bt === 'Long') return (v as Long).toNumber();
  if (bt === 'Int32' || bt === 'Double') return (v as { value: number }).value;
  return Number(String(v));
}

function isLongLike(v: unknown): boolean {
  return typeof v === 'bigint' || (typeof v === 'object' && v !== null && (v as { _bsontype?: string })._bsontype === 'Long');
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  return (v as Long).toBigInt();
}

function compareNumbers(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return cmpNum(a, b);
  const la = isLongLike(a);
  const lb = isLongLike(b);
  const x = toNumber(a);
  const y = toNumber(b);
  if ((la || lb) && Number.isInteger(x) && Number.isInteger(y)) {
    // exact comparison of 64-bit integers
    const bx = la ? toBigInt(a) : BigInt(x);
    const by = lb ? toBigInt(b) : BigInt(y);
    return bx < by ? -1 : bx > by ? 1 : 0;
  }
  return cmpNum(x, y);
}

function cmpNum(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  // NaN sorts below every other number and equals itself
  const nx = Number.isNaN(x);
  const ny = Number.isNaN(y);
  return nx && ny ? 0 : nx ? -1 : 1;
}

/** A string comparator; the simple collation (no comparator) is code point order. */
export type StringCompare = (a: string, b: string) => number;

/**
 * UTF-8 byte order of two strings, which is code point order. UTF-16 code unit order (`<`)
 * agrees except between a surrogate (an astral character) and U+E000..U+FFFF: the first
 * differing code unit decides, with surrogates moved above U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

const cmpStr = compareUtf8;

function bytesOf(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const b = v as { buffer: Uint8Array; position?: number; length?: () => number };
  const len = typeof b.position === 'number' ? b.position : b.buffer.length;
  return b.buffer.subarray(0, len);
}

function subtypeOf(v: unknown): number {
  if (v instanceof Uint8Array) return 0;
  return (v as { sub_type: number }).sub_type ?? 0;
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
}

function regexParts(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as { pattern: string; options: string };
  return [r.pattern, r.options];
}

/**
 * Total order of BSON values as MongoDB sorts them (arrays compared element-wise). `strCmp`
 * (a collation) orders string values, also inside documents and arrays; field names and
 * regex/code text always compare by bytes.
 */
export function compareValues(a: unknown, b: unknown, strCmp?: StringCompare): number {
  const ta = typeRank(a);
  const tb = typeRank(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case T_NULL:
    case T_UNDEFINED:
    case T_MINKEY:
    case T_MAXKEY:
      return 0;
    case T_NUMBER:
      return compareNumbers(a, b);
    case T_STRING:
      return strCmp ? strCmp(String(a), String(b)) : cmpStr(String(a), String(b));
    case T_BOOL:
      return a === b ? 0 : a ? 1 : -1;
    case T_DATE:
      return cmpNum((a as Date).getTime(), (b as Date).getTime());
    case T_OBJECTID:
      return cmpBytes((a as { id: Uint8Array }).id, (b as { id: Uint8Array }).id);
    case T_BINARY: {
      const x = bytesOf(a);
      const y = bytesOf(b);
      if (x.length !== y.length) return x.length < y.length ? -1 : 1;
      const sa = subtypeOf(a);
      const sb = subtypeOf(b);
      if (sa !== sb) return sa < sb ? -1 : 1;
      return cmpBytes(x, y);
    }
    case T_TIMESTAMP: {
      const x = a as { t: number; i: number };
      const y = b as { t: number; i: number };
      return x.t !== y.t ? (x.t < y.t ? -1 : 1) : x.i !== y.i ? (x.i < y.i ? -1 : 1) : 0;
    }
    case T_REGEX: {
      const [pa, fa] = regexParts(a);
      const [pb, fb] = regexParts(b);
      return cmpStr(pa, pb) || cmpStr(fa, fb);
    }
    case T_ARRAY: {
      const x = a as unknown[];
      const y = b as unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(x[i], y[i], strCmp);
        if (c) return c;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    case T_CODE:
      return cmpStr(String((a as { code: unknown }).code), String((b as { code: unknown }).code));
    default: {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kx = Object.keys(x);
      const ky = Object.keys(y);
      const n = Math.min(kx.length, ky.length);
      for (let i = 0; i < n; i++) {
        const t1 = typeRank(x[kx[i]]);
        const t2 = typeRank(y[ky[i]]);
        if (t1 !== t2) return t1 < t2 ? -1 : 1;
        const c = cmpStr(kx[i], ky[i]) || compareValues(x[kx[i]], y[ky[i]], strCmp);
        if (c) return c;
      }
      return kx.length < ky.length ? -1 : kx.length > ky.length ? 1 : 0;
    }
  }
}

/** MongoDB value equality: numbers across types by value, documents by field order. */
export function valuesEqual(a: unknown, b: unknown, strCmp?: StringCompare): boolean {
  return a === b || compareValues(a, b, strCmp) === 0;
}

/**
 * Strict equality used to decide whether an update modified a document: like valuesEqual,
 * but an int and a double of equal value are the same, while a Long and a number are not.
 */
export function sameStoredValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameStoredValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const pa = Object.getPrototypeOf(a);
  if (pa !== Object.getPrototypeOf(b)) return false;
  if (pa === Object.prototype || pa === null) {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    if (kx.length !== ky.length) return false;
    for (let i = 0; i < kx.length; i++) {
      if (kx[i] !== ky[i] || !sameStoredValue(x[kx[i]], y[ky[i]])) return false;
    }
    return true;
  }
  if (typeRank(a) === T_BINARY && subtypeOf(a) !== subtypeOf(b)) return false;
  return compareValues(a, b) === 0;
}

// ---------------------------------------------------------------------------------------
// Order-preserving encoding. Every encoded value starts with its type char and is
// prefix-free, so encodings of tuples can be concatenated and still compare correctly.
// Descending components are encoded by complementing every char (0xFFFF - c).

const f64 = new Float64Array(1);
const u16 = new Uint16Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function encNumber(x: number): string {
  if (Number.isNaN(x)) return '\u0000\u0000\u0000\u0000';
  f64[0] = x === 0 ? 0 : x;
  let a: number, b: number, c: number, d: number;
  if (LITTLE) {
    a = u16[3];
    b = u16[2];
    c = u16[1];
    d = u16[0];
  } else {
    a = u16[0];
    b = u16[1];
    c = u16[2];
    d = u16[3];
  }
  if (a & 0x8000) {
    a = ~a & 0xffff;
    b = ~b & 0xffff;
    c = ~c & 0xffff;
    d = ~d & 0xffff;
  } else {
    a |= 0x8000;
  }
  return String.fromCharCode(a, b, c, d);
}

/**
 * Strings: \u0000 and \u0001 are escaped, \u0000 terminates. `ordered`: code units from
 * U+D800 up are moved so that surrogates (astral characters) sort above U+E000..U+FFFF, which
 * makes the encodings sort in code point (UTF-8 byte) order; identity keys (idKeyOf) keep the
 * unmoved form, which is what existing data files are keyed by.
 */
function encString(s: string, ordered = false): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 2 || (ordered && c >= 0xd800)) {
      needs = true;
      break;
    }
  }
  if (!needs) return s + '\u0000';
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 2) out += '\u0001' + String.fromCharCode(c + 1);
    else if (ordered && c >= 0xd800) out += String.fromCharCode(c >= 0xe000 ? c - 0x800 : c + 0x2000);
    else out += s[i];
  }
  return out + '\u0000';
}

function encBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 2) {
    out += String.fromCharCode((bytes[i] << 8) | (i + 1 < bytes.length ? bytes[i + 1] : 0));
  }
  return out;
}

const TC: string[] = [];
for (let t = 0; t <= 16; t++) TC[t] = String.fromCharCode(TYPE_BASE + t);

/**
 * Ascending encoding of one value: equal values (1, 1.0, Long 1) encode the same. `ordered`
 * (index keys and their bounds, see encodeKey) also makes string order code point order.
 */
export function encodeValue(v: unknown, ordered = false): string {
  const t = typeRank(v);
  switch (t) {
    case T_NULL:
    case T_UNDEFINED:
    case T_MINKEY:
    case T_MAXKEY:
      return TC[t];
    case T_NUMBER:
      return TC[t] + encNumber(toNumber(v));
    case T_STRING:
      return TC[t] + encString(String(v), ordered);
    case T_BOOL:
      return TC[t] + (v ? '\u0002' : '\u0001');
    case T_DATE:
      return TC[t] + encNumber((v as Date).getTime());
    case T_OBJECTID:
      return TC[t] + encBytes((v as { id: Uint8Array }).id);
    case T_BINARY: {
      const bytes = bytesOf(v);
      return TC[t] + String.fromCharCode(bytes.length >>> 16, bytes.length & 0xffff, subtypeOf(v) + 1) + encBytes(bytes);
    }
    case T_TIMESTAMP: {
      const ts = v as { t: number; i: number };
      return TC[t] + String.fromCharCode(ts.t >>> 16, ts.t & 0xffff, ts.i >>> 16, ts.i & 0xffff);
    }
    case T_REGEX: {
      const [p, f] = regexParts(v);
      return TC[t] + encString(p, ordered) + encString(f, ordered);
    }
    case T_CODE:
      return TC[t] + encString(String((v as { code: unknown }).code), ordered);
    case T_ARRAY: {
      let out = TC[t];
      for (const e of v as unknown[]) out += encodeValue(e, ordered);
      return out + '\u0000';
    }
    default: {
      let out = TC[T_OBJECT];
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const ev = encodeValue(o[k], ordered);
        // type first, then name, then value (MongoDB's element order)
        out += ev[0] + encString(k, ordered) + ev.slice(1);
      }
      return out + '\u0000';
    }
  }
}

/** Marker for an empty array in an index key (MongoDB indexes it as `undefined`). */
export const UNDEFINED_KEY = Symbol('undefined-key');
