/** BSON numbers in memory (engine/numeric.ts, engine/codec.ts): representation and arithmetic types. */
import assert from 'node:assert/strict';
import { BSON, Double, Int32, Long } from 'bson';
import { deserializeWire } from '../../../server/db/embedded/engine/codec';
import { arith, NumericSum, numKind } from '../../../server/db/embedded/engine/numeric';

const sum = (...v: unknown[]) => {
  const s = new NumericSum();
  v.forEach((x) => s.add(x));
  return s.value();
};
const typeOf = (v: unknown) => (v as { _bsontype?: string })?._bsontype ?? typeof v;

describe('embedded engine: numbers', () => {
  it('decodes int32 as a number, int64 as a Long, and an integral double as a Double (others as numbers)', () => {
    const doc = deserializeWire(
      BSON.serialize({ i: new Int32(5), l: Long.fromNumber(5), d: new Double(5), f: 5.5, big: 2 ** 40, nested: [{ d: new Double(1) }] }),
    );
    assert.deepEqual(
      [typeOf(doc.i), typeOf(doc.l), typeOf(doc.d), typeOf(doc.f), typeOf(doc.big), typeOf(doc.nested[0].d)],
      ['number', 'Long', 'Double', 'number', 'number', 'Double'],
    );
    assert.deepEqual(
      [numKind(doc.i), numKind(doc.l), numKind(doc.d), numKind(doc.f), numKind(doc.big)],
      ['int', 'long', 'double', 'double', 'double'],
    );
    // and every value serializes back with the type it came with
    const again = BSON.deserialize(BSON.serialize(doc), { promoteValues: false });
    assert.deepEqual([typeOf(again.i), typeOf(again.l), typeOf(again.d), typeOf(again.f)], ['Int32', 'Long', 'Double', 'Double']);
  });

  it('$sum widens int -> long -> double and stays exact past 2^53', () => {
    assert.equal(sum(), 0);
    assert.equal(sum(1, 2), 3);
    assert.equal((sum(2147483647, 1) as Long).toString(), '2147483648');
    assert.equal((sum(Long.fromString('818617667421601800'), 1) as Long).toString(), '818617667421601801');
    assert.equal((sum(Long.fromNumber(9007199254740991), Long.fromNumber(2)) as Long).toString(), '9007199254740993');
    assert.equal(sum(Long.MAX_VALUE, 1), 9223372036854775808);
    assert.equal(typeOf(sum(1, new Double(2))), 'Double');
  });

  it('arithmetic result types: int overflows to long, long to double, a double makes a double', () => {
    assert.equal(typeOf(arith(2147483647, 1, 'add')), 'Long');
    assert.equal(arith(Long.MAX_VALUE, 1, 'add'), 9223372036854775808);
    assert.equal(typeOf(arith(new Double(2), 3, 'multiply')), 'Double');
    assert.equal((arith(Long.fromString('818617667421601800'), 2, 'multiply') as Long).toString(), '1637235334843203600');
    assert.equal(arith(7, 2, 'subtract'), 5);
  });
});
