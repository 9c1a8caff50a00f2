/**
 * Property: the key encoding (engine/keystring.ts) orders like compareValues (bson-order.ts),
 * MongoDB's cross-type order, for every BSON type, ascending and descending, alone and in
 * tuples; equal values encode to equal bytes.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Binary, BSONRegExp, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { compareValues } from '../../../server/db/embedded/engine/bson-order';
import { encodeKey, encodeTuple, entryOf, prefixEnd, ridOf } from '../../../server/db/embedded/engine/keystring';

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const number = fc.oneof(
  fc.integer({ min: -2147483648, max: 2147483647 }),
  fc.double(), // NaN, +-Infinity, -0, subnormals included
  fc.constantFrom(0, -0, 0.5, -0.5, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, -(2 ** 63), Number.MIN_VALUE, -Number.MIN_VALUE),
  int64.map((n) => Long.fromBigInt(n)),
  fc.constantFrom(2n ** 53n + 1n, 2n ** 62n + 1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 1n).map((n) => Long.fromBigInt(n)),
  fc.integer({ min: -2147483648, max: 2147483647 }).map((n) => new Int32(n)),
  fc.double({ noNaN: true }).map((n) => new Double(n)),
);
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0001', '\u0002', 'a', '\uffff', '\ue000', '\u{1f600}', '\u00e9'), maxLength: 5 }),
);
const scalar = fc.oneof(
  number,
  text,
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer({ min: -8.64e15, max: 8.64e15 }).map((t) => new Date(t)),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => new ObjectId(b)),
  fc.tuple(fc.uint8Array({ maxLength: 6 }), fc.constantFrom(0, 4, 5, 128)).map(([b, t]) => new Binary(b, t)),
  fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 })).map(([t, i]) => new Timestamp({ t, i })),
  fc
    .tuple(
      fc.string({ unit: 'grapheme', maxLength: 4 }).filter((p) => !p.includes('\u0000')),
      fc.constantFrom('', 'i', 'im', 's'),
    )
    .map(([p, o]) => new BSONRegExp(p, o)),
  fc.constant(new MinKey()),
  fc.constant(new MaxKey()),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom('a', 'b', '', 'é', '\u0000x'), tie('value'), { maxKeys: 3 }),
}));

function agrees(a: unknown, b: unknown): void {
  const want = sign(compareValues(a, b));
  assert.equal(sign(Buffer.compare(encodeKey(a), encodeKey(b))), want, 'ascending');
  assert.equal(sign(Buffer.compare(encodeKey(a, -1), encodeKey(b, -1))), want === 0 ? 0 : -want, 'descending');
}

describe('embedded engine: key encoding (keystring.ts)', () => {
  it('orders any two values like compareValues, ascending and descending', () => {
    fc.assert(fc.property(value, value, agrees), { numRuns: 3000 });
  });

  it('orders numbers of every kind by value, exactly', () => {
    fc.assert(fc.property(number, number, agrees), { numRuns: 5000 });
    // neighbours a double cannot tell apart
    const big = Long.fromBigInt(2n ** 53n + 1n);
    agrees(big, 2 ** 53);
    agrees(big, 2 ** 53 + 2);
    agrees(Long.fromBigInt(2n ** 63n - 1n), 2 ** 63);
    assert.deepEqual(encodeKey(Long.fromNumber(5)), encodeKey(5));
    assert.deepEqual(encodeKey(new Double(5)), encodeKey(new Int32(5)));
    assert.deepEqual(encodeKey(-0), encodeKey(0));
  });

  it('orders strings by UTF-8 bytes', () => {
    fc.assert(fc.property(text, text, agrees), { numRuns: 3000 });
    assert.ok(Buffer.compare(encodeKey('\uffff'), encodeKey('\u{1f600}')) < 0, 'U+FFFF before an astral character');
    assert.ok(Buffer.compare(encodeKey('a'), encodeKey('a\u0000')) < 0);
  });

  it('treats null and missing alike, below numbers and above MinKey', () => {
    assert.deepEqual(encodeKey(null), encodeKey(undefined));
    agrees(new MinKey(), null);
    agrees(null, -Infinity);
    agrees(new MaxKey(), new Date(0));
  });

  it('orders tuples field by field with mixed directions', () => {
    const dirs = fc.array(fc.constantFrom<1 | -1>(1, -1), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(dirs, fc.array(value, { minLength: 3, maxLength: 3 }), fc.array(value, { minLength: 3, maxLength: 3 }), (d, x, y) => {
        let want = 0;
        for (let i = 0; i < d.length && !want; i++) want = d[i] * sign(compareValues(x[i], y[i])) || 0;
        const got = sign(Buffer.compare(encodeTuple(x.slice(0, d.length), d), encodeTuple(y.slice(0, d.length), d)));
        assert.equal(got, want);
      }),
      { numRuns: 2000 },
    );
  });

  it('puts the record id after the key: the entries of one key are [key, prefixEnd(key))', () => {
    fc.assert(
      fc.property(value, value, fc.nat({ max: 2 ** 53 - 1 }), (a, b, rid) => {
        const ka = encodeKey(a);
        const eb = entryOf(encodeKey(b), rid);
        assert.equal(ridOf(eb), rid);
        const inside = Buffer.compare(eb, ka) >= 0 && Buffer.compare(eb, prefixEnd(ka)!) < 0;
        assert.equal(inside, compareValues(a, b) === 0 && Buffer.compare(ka, encodeKey(b)) === 0);
      }),
      { numRuns: 2000 },
    );
  });
});
