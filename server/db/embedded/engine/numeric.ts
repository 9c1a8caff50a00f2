/**
 * BSON numbers in memory, and MongoDB's arithmetic on them.
 *
 * Representation (decided once, in codec.ts, for every document the server decodes):
 *   - int32            -> a JS number (always an integer in [-2^31, 2^31 - 1])
 *   - double           -> a JS number, EXCEPT an integral value in the int32 range (5.0), which
 *                         stays a bson `Double` wrapper: as a bare JS number it would go back
 *                         out as an int32
 *   - int64            -> a bson `Long`, whatever its value
 *   - decimal128       -> refused elsewhere (doc-utils assertNoDecimal)
 * With this, `BSON.serialize` writes every value back with the type it arrived with (a JS
 * number serializes as int32 when it is an int32-range integer, as double otherwise).
 *
 * Arithmetic follows MongoDB's widening rules: int op int -> int, overflowing to long;
 * anything with a long -> long, overflowing to double; anything with a double -> double.
 */
import { Double, Int32, Long } from 'bson';

export type NumKind = 'int' | 'long' | 'double';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -9223372036854775808n;
const LONG_MAX = 9223372036854775807n;

const bsonType = (v: unknown): string | undefined =>
  typeof v === 'object' && v !== null ? (v as { _bsontype?: string })._bsontype : undefined;

/** True for an int32-range integer that is not -0: the values a bare JS number means int32 for. */
export function isInt32Value(x: number): boolean {
  return Number.isInteger(x) && x >= INT_MIN && x <= INT_MAX && !Object.is(x, -0);
}

/** The numeric kind of a value, or null when it is not a (supported) number. */
export function numKind(v: unknown): NumKind | null {
  if (typeof v === 'number') return isInt32Value(v) ? 'int' : 'double';
  if (typeof v === 'bigint') return 'long';
  switch (bsonType(v)) {
    case 'Long':
      return 'long';
    case 'Double':
      return 'double';
    case 'Int32':
      return 'int';
  }
  return null;
}

export function isNumeric(v: unknown): boolean {
  return numKind(v) !== null;
}

/** A double as the server holds it: a JS number, or a `Double` when it would pass for an int32. */
export function makeDouble(x: number): number | Double {
  return isInt32Value(x) ? new Double(x) : x;
}

/** An int64 result: a Long when it fits in 64 bits, else (MongoDB's overflow rule) a double. */
export function makeLong(x: bigint): Long | number | Double {
  if (x > LONG_MAX || x < LONG_MIN) return makeDouble(Number(x));
  return Long.fromBigInt(x);
}

/** An int32-typed result: an int, overflowing to long (and on to double). */
export function makeInt(x: bigint): number | Long | Double {
  if (x >= BigInt(INT_MIN) && x <= BigInt(INT_MAX)) return Number(x);
  return makeLong(x);
}

/** The value of any number as a JS double (a Long beyond 2^53 is rounded). */
export function toDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  switch (bsonType(v)) {
    case 'Long':
      return (v as Long).toNumber();
    case 'Double':
    case 'Int32':
      return (v as Double | Int32).value;
  }
  return NaN;
}

/** The exact integer value of an int or long (callers check numKind first). */
export function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (bsonType(v) === 'Long') return (v as Long).toBigInt();
  return BigInt(toDouble(v));
}

/** The wider of two kinds (int < long < double). */
export function widen(a: NumKind, b: NumKind): NumKind {
  if (a === 'double' || b === 'double') return 'double';
  if (a === 'long' || b === 'long') return 'long';
  return 'int';
}

/** A result of `kind` from an exact integer (int/long) or a double. */
function fromExact(kind: NumKind, exact: bigint): number | Long | Double {
  return kind === 'int' ? makeInt(exact) : makeLong(exact);
}

export type BinaryOp = 'add' | 'subtract' | 'multiply';

/** a (op) b with MongoDB's result type; both must be numbers (numKind not null). */
export function arith(a: unknown, b: unknown, op: BinaryOp): number | Long | Double {
  const kind = widen(numKind(a)!, numKind(b)!);
  if (kind !== 'double') {
    const x = toBigInt(a);
    const y = toBigInt(b);
    return fromExact(kind, op === 'add' ? x + y : op === 'subtract' ? x - y : x * y);
  }
  const x = toDouble(a);
  const y = toDouble(b);
  return makeDouble(op === 'add' ? x + y : op === 'subtract' ? x - y : x * y);
}

/**
 * A running sum with MongoDB's `$sum` typing: int while every operand is an int and the sum
 * fits, long once a long appears or an int sum overflows, double once a double appears or a
 * long sum overflows. Non-numbers are ignored. Integer sums stay exact: in a JS number while
 * they are below 2^53, in a bigint beyond.
 */
export class NumericSum {
  private kind: NumKind = 'int';
  /** the exact integer sum while it is a safe integer and `big` is null */
  private small = 0;
  private big: bigint | null = null;
  private dbl = 0;
  count = 0;

  add(v: unknown): void {
    const k = numKind(v);
    if (k === null) return;
    this.count++;
    if (this.kind === 'double' || k === 'double') {
      if (this.kind !== 'double') this.dbl = this.exactNumber();
      this.kind = 'double';
      this.dbl += toDouble(v);
      return;
    }
    if (k === 'long') this.kind = 'long';
    if (this.big === null) {
      const x = typeof v === 'number' ? v : k === 'long' ? (v as Long).toNumber() : toDouble(v);
      const next = this.small + x;
      if (Number.isSafeInteger(x) && Number.isSafeInteger(next)) {
        this.small = next;
        if (this.kind === 'int' && (next > INT_MAX || next < INT_MIN)) this.kind = 'long';
        return;
      }
      this.big = BigInt(this.small);
    }
    this.big += toBigInt(v);
    if (this.kind === 'int' && (this.big > BigInt(INT_MAX) || this.big < BigInt(INT_MIN))) this.kind = 'long';
    if (this.big > LONG_MAX || this.big < LONG_MIN) {
      this.dbl = Number(this.big);
      this.kind = 'double';
    }
  }

  private exactNumber(): number {
    return this.big === null ? this.small : Number(this.big);
  }

  /** The sum as MongoDB types it (0 as an int when nothing was added). */
  value(): number | Long | Double {
    if (this.kind === 'double') return makeDouble(this.dbl);
    if (this.kind === 'int') return this.small;
    return this.big === null ? Long.fromNumber(this.small) : Long.fromBigInt(this.big);
  }

  /** The mean as a double, or null when nothing numeric was added. */
  mean(): number | Double | null {
    if (this.count === 0) return null;
    const total = this.kind === 'double' ? this.dbl : this.exactNumber();
    return makeDouble(total / this.count);
  }
}

/** True for a numeric zero of any type (MongoDB's falsy numbers). */
export function isZero(v: unknown): boolean {
  const k = numKind(v);
  return k !== null && toDouble(v) === 0;
}

/** MongoDB's truthiness in expressions: false, null, missing and numeric zero are false. */
export function truthy(v: unknown): boolean {
  if (v === false || v === null || v === undefined) return false;
  if (typeof v === 'number') return v !== 0;
  if (isZero(v)) return false;
  return true;
}
