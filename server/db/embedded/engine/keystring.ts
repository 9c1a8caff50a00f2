/**
 * Order-preserving binary encoding of BSON values for index keys ("key strings"): for any two
 * values a, b, `Buffer.compare(encode(a), encode(b))` has the sign of `compareValues(a, b)`
 * (bson-order.ts), which is MongoDB's cross-type order. SQLite compares BLOB keys with
 * memcmp, so an index table keyed by these bytes is an ordered MongoDB index, and range
 * scans, sort + limit and counts are B-tree walks (see STORAGE.md, "Key encoding").
 *
 * Layout of one value: a type byte (the canonical type rank, 1..15) and a body:
 * - numbers (int32, int64, double, across types by value, exactly): a class byte
 *   (NaN < -Infinity < negative < zero < positive < +Infinity), then for finite non-zero
 *   values the binary exponent (2 bytes, biased) and 64 fraction bits below the leading one,
 *   complemented for negative values. An int64 has at most 63 such bits, a double 52, so a
 *   Long beyond 2^53 and a nearby double keep their exact order.
 * - strings, symbols: UTF-8 bytes (MongoDB's simple-collation order), 0x00 -> 01 01,
 *   0x01 -> 01 02, terminated by 0x00.
 * - documents: per field the value's type byte, the name (as a string), the value's body;
 *   0x00 ends the document. Arrays: each element's full encoding, then 0x00.
 * - binData: length (4 bytes), subtype, bytes; ObjectId: its 12 bytes; bool: 1 byte;
 *   Date: int64 milliseconds with the sign bit flipped; Timestamp: t, i (4 bytes each);
 *   regex: pattern and flags as strings; code: the code as a string.
 * Every encoding is prefix-free, so the encodings of a tuple's values can be concatenated
 * and still order like the tuple. A descending field is encoded with every byte
 * complemented (0xFF - b), which reverses the order of prefix-free codes.
 *
 * An index entry is the tuple's encoding followed by the record id (8 bytes big-endian):
 * equal keys of different documents stay distinct, and the entries holding exactly the key
 * K are the range [K, prefixEnd(K)).
 */
import {
  T_ARRAY,
  T_BINARY,
  T_BOOL,
  T_CODE,
  T_DATE,
  T_MAXKEY,
  T_MINKEY,
  T_NULL,
  T_NUMBER,
  T_OBJECTID,
  T_REGEX,
  T_STRING,
  T_TIMESTAMP,
  T_UNDEFINED,
  UNDEFINED_KEY,
  typeRank,
} from './bson-order';

const NUM_NAN = 1;
const NUM_NEG_INF = 2;
const NUM_NEG = 3;
const NUM_ZERO = 4;
const NUM_POS = 5;
const NUM_POS_INF = 6;
/** Added to the binary exponent (-1074..1023 for doubles, 0..63 for int64) to keep it positive. */
const EXP_BIAS = 1100;

/** A growable byte buffer the encoders write into; `take()` returns a copy of what was written. */
class KeyWriter {
  buf = Buffer.allocUnsafe(256);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  u32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(n >>> 0, this.pos);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** UTF-8 bytes of `s` with 0x00 / 0x01 escaped, then the 0x00 terminator. */
  string(s: string): void {
    this.ensure(s.length * 3 + 1);
    let low = false;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) < 2) {
        low = true;
        break;
      }
    }
    if (!low) {
      this.pos += this.buf.write(s, this.pos, 'utf8');
    } else {
      const raw = Buffer.from(s, 'utf8');
      this.ensure(raw.length * 2 + 1);
      for (const b of raw) {
        if (b < 2) {
          this.buf[this.pos++] = 1;
          this.buf[this.pos++] = b + 1;
        } else this.buf[this.pos++] = b;
      }
    }
    this.buf[this.pos++] = 0;
  }

  complementFrom(start: number): void {
    for (let i = start; i < this.pos; i++) this.buf[i] = 0xff - this.buf[i];
  }

  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }
}

const view = new DataView(new ArrayBuffer(8));

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** Exponent and fraction bytes of a positive value given as a BigInt (int64 or subnormal). */
function writeBigMagnitude(w: KeyWriter, mant: bigint, scale: number, negative: boolean): void {
  // value = mant * 2^scale, mant > 0
  const p = bitLength(mant) - 1;
  const frac = (mant - (1n << BigInt(p))) << BigInt(64 - p);
  const e = p + scale + EXP_BIAS;
  const start = w.pos;
  w.ensure(10);
  w.buf.writeUInt16BE(e, w.pos);
  w.buf.writeBigUInt64BE(frac, w.pos + 2);
  w.pos += 10;
  if (negative) w.complementFrom(start);
}

function writeDouble(w: KeyWriter, x: number): void {
  if (x !== x) return w.byte(NUM_NAN);
  if (x === 0) return w.byte(NUM_ZERO);
  if (x === Infinity) return w.byte(NUM_POS_INF);
  if (x === -Infinity) return w.byte(NUM_NEG_INF);
  const negative = x < 0;
  w.byte(negative ? NUM_NEG : NUM_POS);
  view.setFloat64(0, negative ? -x : x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  if (biased === 0) {
    // subnormal: value = mantissa * 2^-1074
    writeBigMagnitude(w, (BigInt(hi & 0xfffff) << 32n) | BigInt(lo), -1074, negative);
    return;
  }
  const start = w.pos;
  w.ensure(10);
  w.buf.writeUInt16BE(biased - 1023 + EXP_BIAS, w.pos);
  w.buf.writeUInt32BE((((hi & 0xfffff) << 12) | (lo >>> 20)) >>> 0, w.pos + 2);
  w.buf.writeUInt32BE((lo << 12) >>> 0, w.pos + 6);
  w.pos += 10;
  if (negative) w.complementFrom(start);
}

function writeInt64(w: KeyWriter, n: bigint): void {
  if (n === 0n) return w.byte(NUM_ZERO);
  const negative = n < 0n;
  w.byte(negative ? NUM_NEG : NUM_POS);
  writeBigMagnitude(w, negative ? -n : n, 0, negative);
}

function writeNumber(w: KeyWriter, v: unknown): void {
  if (typeof v === 'number') return writeDouble(w, v);
  if (typeof v === 'bigint') return writeInt64(w, v);
  const bt = (v as { _bsontype?: string })._bsontype;
  if (bt === 'Long') return writeInt64(w, (v as { toBigInt(): bigint }).toBigInt());
  if (bt === 'Int32' || bt === 'Double') return writeDouble(w, Number((v as { value: number }).value));
  // Decimal128 (refused in stored documents; a filter value is placed by its nearest double)
  return writeDouble(w, Number(String(v)));
}

function writeDate(w: KeyWriter, d: Date): void {
  const t = d.getTime();
  w.ensure(8);
  if (t !== t) {
    w.buf.fill(0, w.pos, w.pos + 8);
  } else {
    const hi = Math.floor(t / 0x100000000);
    const lo = t - hi * 0x100000000;
    w.buf.writeUInt32BE((hi + 0x80000000) >>> 0, w.pos);
    w.buf.writeUInt32BE(lo >>> 0, w.pos + 4);
  }
  w.pos += 8;
}

function binaryBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const b = v as { buffer: Uint8Array; position?: number };
  const len = typeof b.position === 'number' ? b.position : b.buffer.length;
  return b.buffer.subarray(0, len);
}

function regexParts(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as { pattern: string; options: string };
  return [r.pattern, r.options];
}

/** The body of `v` (everything after its type byte). */
function writeBody(w: KeyWriter, v: unknown, t: number): void {
  switch (t) {
    case T_NULL:
    case T_UNDEFINED:
    case T_MINKEY:
    case T_MAXKEY:
      return;
    case T_NUMBER:
      return writeNumber(w, v);
    case T_STRING:
      return w.string(String(v));
    case T_BOOL:
      return w.byte(v ? 2 : 1);
    case T_DATE:
      return writeDate(w, v as Date);
    case T_OBJECTID:
      return w.bytes((v as { id: Uint8Array }).id);
    case T_BINARY: {
      const bytes = binaryBytes(v);
      w.u32(bytes.length);
      w.byte(v instanceof Uint8Array ? 0 : ((v as { sub_type?: number }).sub_type ?? 0));
      return w.bytes(bytes);
    }
    case T_TIMESTAMP: {
      const ts = v as { t: number; i: number };
      w.u32(ts.t);
      return w.u32(ts.i);
    }
    case T_REGEX: {
      const [p, f] = regexParts(v);
      w.string(p);
      return w.string(f);
    }
    case T_CODE:
      return w.string(String((v as { code: unknown }).code));
    case T_ARRAY: {
      for (const e of v as unknown[]) writeValue(w, e);
      return w.byte(0);
    }
    default: {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const x = o[k];
        const xt = typeRank(x);
        w.byte(xt);
        w.string(k);
        writeBody(w, x, xt);
      }
      return w.byte(0);
    }
  }
}

function writeValue(w: KeyWriter, v: unknown): void {
  const t = v === UNDEFINED_KEY ? T_UNDEFINED : typeRank(v);
  w.byte(t);
  writeBody(w, v, t);
}

const shared = new KeyWriter();

/** The key string of one value; `dir` -1 gives the descending (complemented) form. */
export function encodeKey(v: unknown, dir: 1 | -1 = 1): Buffer {
  writeValue(shared, v);
  if (dir === -1) shared.complementFrom(0);
  return shared.take();
}

/** The key string of a tuple of values with per-field directions (a compound index key). */
export function encodeTuple(values: readonly unknown[], dirs: readonly (1 | -1)[]): Buffer {
  for (let i = 0; i < values.length; i++) {
    const start = shared.pos;
    writeValue(shared, values[i]);
    if (dirs[i] === -1) shared.complementFrom(start);
  }
  return shared.take();
}

/** The type byte of a type rank in the given direction: the first byte of every value of that type. */
export function typeByte(t: number, dir: 1 | -1): Buffer {
  return Buffer.from([dir === 1 ? t : 0xff - t]);
}

/** An index entry: the key followed by the record id (8 bytes, big-endian). */
export function entryOf(key: Buffer, rid: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + 8);
  key.copy(out, 0);
  out.writeUInt32BE(Math.floor(rid / 0x100000000), key.length);
  out.writeUInt32BE(rid >>> 0, key.length + 4);
  return out;
}

/** The record id at the end of an index entry. */
export function ridOf(entry: Uint8Array): number {
  const n = entry.length;
  return (
    (entry[n - 8] * 0x1000000 + entry[n - 7] * 0x10000 + entry[n - 6] * 0x100 + entry[n - 5]) * 0x100000000 +
    (entry[n - 4] * 0x1000000 + entry[n - 3] * 0x10000 + entry[n - 2] * 0x100 + entry[n - 1])
  );
}

/**
 * The smallest byte string greater than every string that starts with `p`, or null when
 * there is none (`p` is empty or all 0xFF).
 */
export function prefixEnd(p: Uint8Array): Buffer | null {
  let i = p.length - 1;
  while (i >= 0 && p[i] === 0xff) i--;
  if (i < 0) return null;
  const out = Buffer.from(p.subarray(0, i + 1));
  out[i]++;
  return out;
}

/** Encodings of `s` as a hashable string (Map/Set keys). */
export function keyId(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}
