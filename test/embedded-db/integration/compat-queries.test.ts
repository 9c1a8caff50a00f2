/**
 * Compatibility: query semantics, through the official driver. Each test names MongoDB 7.0's
 * documented answer; the server must give the same answer with and without an index.
 */
import assert from 'node:assert/strict';
import { Binary, Long, type Collection, type Document } from 'mongodb';
import { useCompatServer } from './helpers/compat-server';

/** Documents whose `a` (or `a.b`) takes every shape that matters for null and $exists. */
const SHAPES: Document[] = [
  { _id: 'no_a' },
  { _id: 'a_null', a: null },
  { _id: 'a_number', a: 4 },
  { _id: 'a_empty_object', a: {} },
  { _id: 'a_b_null', a: { b: null } },
  { _id: 'a_b_value', a: { b: 'hi' } },
  { _id: 'a_empty_array', a: [] },
  { _id: 'a_nested_empty_array', a: [[]] },
  { _id: 'a_values', a: [1, 'x', 4] },
  { _id: 'a_values_with_null', a: [1, null] },
  { _id: 'a_objects_all_b_null', a: [{ b: null }, {}] },
  { _id: 'a_objects_no_b_null', a: [{ b: 1 }, { b: 3 }] },
  { _id: 'a_objects_some_b_missing', a: [{ b: 3 }, {}] },
  { _id: 'a_objects_b_null_inside', a: [{ b: null }, { b: 3 }] },
];

async function ids(c: Collection, filter: Document): Promise<string[]> {
  return (await c.find(filter).toArray()).map((d) => String(d._id)).sort();
}

describe('compat: queries', () => {
  const ctx = useCompatServer();

  describe('equality to null, $in, $ne, $nin and $exists over dotted paths through arrays', () => {
    // MongoDB 7.0: {'a.b': null} matches when a is missing/null/a scalar, when the document a
    // has no b or a null b, or when a is an array holding at least one document without b or
    // with b null. Arrays of plain values ([], [1, 'x'], [null]) yield no value for a.b at all.
    const dottedNull = [
      'a_b_null',
      'a_empty_object',
      'a_null',
      'a_number',
      'a_objects_all_b_null',
      'a_objects_b_null_inside',
      'a_objects_some_b_missing',
      'no_a',
    ].sort();
    const all = SHAPES.map((d) => String(d._id)).sort();
    const not = (xs: string[]) => all.filter((x) => !xs.includes(x));

    for (const index of [null, { 'a.b': 1 }, { a: 1 }] as (Record<string, 1> | null)[]) {
      it(`same answers ${index ? `with an index on ${Object.keys(index)[0]}` : 'without an index'}`, async () => {
        const c = ctx.db.collection('shapes');
        await c.insertMany(SHAPES.map((d) => ({ ...d })));
        if (index) await c.createIndex(index);
        assert.deepEqual(await ids(c, { 'a.b': null }), dottedNull);
        assert.deepEqual(await ids(c, { 'a.b': { $eq: null } }), dottedNull);
        assert.deepEqual(await ids(c, { 'a.b': { $in: [null] } }), dottedNull);
        const nullOr3 = [...dottedNull, 'a_objects_no_b_null'].sort();
        assert.deepEqual(await ids(c, { 'a.b': { $in: [null, 3] } }), nullOr3);
        assert.deepEqual(await ids(c, { 'a.b': { $ne: null } }), not(dottedNull));
        assert.deepEqual(await ids(c, { 'a.b': { $nin: [null] } }), not(dottedNull));
        assert.deepEqual(await ids(c, { 'a.b': { $nin: [null, 3] } }), not(nullOr3));
        assert.deepEqual(await ids(c, { 'a.b': { $exists: true } }), [
          'a_b_null',
          'a_b_value',
          'a_objects_all_b_null',
          'a_objects_b_null_inside',
          'a_objects_no_b_null',
          'a_objects_some_b_missing',
        ]);
        assert.deepEqual(
          await ids(c, { 'a.b': { $exists: false } }),
          not([
            'a_b_null',
            'a_b_value',
            'a_objects_all_b_null',
            'a_objects_b_null_inside',
            'a_objects_no_b_null',
            'a_objects_some_b_missing',
          ]),
        );
        // top level: null matches missing, null and arrays containing null; not []
        assert.deepEqual(await ids(c, { a: null }), ['a_null', 'a_values_with_null', 'no_a']);
        assert.deepEqual(await ids(c, { a: { $ne: null } }), not(['a_null', 'a_values_with_null', 'no_a']));
        assert.deepEqual(await ids(c, { a: { $exists: false } }), ['no_a']);
        assert.deepEqual(await ids(c, { a: 1 }), ['a_values', 'a_values_with_null']);
        assert.deepEqual(await ids(c, { a: [] }), ['a_empty_array', 'a_nested_empty_array']);
        assert.equal(await c.countDocuments({ 'a.b': null }), dottedNull.length);
      });
    }

    it('a path through an array of documents whose field is null is missing (issue case {k: [{k1: null}]})', async () => {
      const c = ctx.db.collection('k');
      await c.insertOne({ _id: 1 as never, k: [{ k1: null }] });
      for (const index of [false, true]) {
        if (index) await c.createIndex({ 'k.k1.k2': 1 });
        assert.equal(await c.countDocuments({ 'k.k1.k2': null }), 1);
        assert.equal(await c.countDocuments({ 'k.k1.k2': { $exists: false } }), 1);
        assert.equal(await c.countDocuments({ 'k.k1.k2': { $ne: null } }), 0);
      }
    });
  });

  describe('$expr compares in BSON order', () => {
    it('a date is greater than null, and null is greater than a missing field', async () => {
      const c = ctx.db.collection('e');
      const t = new Date('2024-01-02T00:00:00Z');
      await c.insertMany([
        { _id: 1, last: t, read: null },
        { _id: 2, last: t, read: new Date('2024-01-01T00:00:00Z') },
        { _id: 3, last: t, read: new Date('2024-02-01T00:00:00Z') },
        { _id: 4, last: t },
        { _id: 5, last: null },
      ] as never[]);
      const q = async (f: Document) => (await c.find(f).sort({ _id: 1 }).toArray()).map((d) => d._id);
      assert.deepEqual(await q({ $expr: { $gt: ['$last', '$read'] } }), [1, 2, 4, 5]);
      assert.deepEqual(await q({ $expr: { $lt: ['$read', '$last'] } }), [1, 2, 4, 5]);
      assert.deepEqual(await q({ $expr: { $eq: ['$read', null] } }), [1]);
      assert.deepEqual(await q({ $expr: { $gt: ['$last', 5] } }), [1, 2, 3, 4]);
      assert.deepEqual(
        await q({ $expr: { $lt: ['$last', 'a string'] } }),
        [1, 2, 3, 4, 5].filter((x) => x === 5),
      );
      const [r] = await c
        .aggregate([{ $match: { _id: 4 } }, { $project: { c: { $cmp: ['$read', null] }, e: { $eq: ['$read', '$nothing'] } } }])
        .toArray();
      assert.equal(r.c, -1);
      assert.equal(r.e, true);
    });

    it('numbers of different types are equal by value; numeric zero is false', async () => {
      const c = ctx.db.collection('e2');
      await c.insertMany([{ _id: 1, a: 2, b: 2.0, z: 0 }] as never[]);
      assert.equal(await c.countDocuments({ $expr: { $eq: ['$a', { $toLong: '$b' }] } }), 1);
      assert.equal(await c.countDocuments({ $expr: '$z' }), 0);
      assert.equal(await c.countDocuments({ $expr: { $toLong: '$z' } }), 0);
    });
  });

  it("$bitsAllSet/$bitsAnySet/$bitsAllClear/$bitsAnyClear read numbers (any type, two's complement) and binary data", async () => {
    const c = ctx.db.collection('bits');
    await c.insertMany([
      { _id: 1, a: 54 }, // 0b110110
      { _id: 2, a: Long.fromNumber(20) }, // 0b10100
      { _id: 3, a: -5 }, // ...11111011
      { _id: 4, a: new Binary(Buffer.from([0x36])) }, // bits 1, 2, 4, 5
      { _id: 5, a: 2.5 }, // not an integer: never matches
      { _id: 6, a: 'x' },
    ] as never[]);
    const ids = async (f: Document) => (await c.find(f).sort({ _id: 1 }).toArray()).map((d) => d._id);
    assert.deepEqual(await ids({ a: { $bitsAllSet: [1, 5] } }), [1, 3, 4]);
    assert.deepEqual(await ids({ a: { $bitsAllSet: 50 } }), [1, 3, 4]); // 0b110010
    assert.deepEqual(await ids({ a: { $bitsAnySet: [0, 3] } }), [3]);
    assert.deepEqual(await ids({ a: { $bitsAllClear: [0, 3] } }), [1, 2, 4]);
    assert.deepEqual(await ids({ a: { $bitsAnyClear: new Binary(Buffer.from([0x01])) } }), [1, 2, 4]);
    assert.deepEqual(await ids({ a: { $bitsAllSet: [100] } }), [3]); // sign extension
  });

  describe('string order', () => {
    it('strings sort and compare by UTF-8 bytes (simple collation), with and without an index', async () => {
      const c = ctx.db.collection('s');
      // U+FF5E (3 UTF-8 bytes) sorts below U+1F600 (4 bytes), though its UTF-16 code unit is higher
      const values = ['\u{1F600}', '\uFF5E', 'z', 'a', 'Z', 'é', 'e'];
      await c.insertMany(values.map((v, i) => ({ _id: i, v })) as never[]);
      const expected = ['Z', 'a', 'e', 'z', 'é', '\uFF5E', '\u{1F600}'];
      for (const index of [false, true]) {
        if (index) await c.createIndex({ v: 1 });
        assert.deepEqual(
          (await c.find().sort({ v: 1 }).toArray()).map((d) => d.v),
          expected,
        );
        assert.deepEqual(
          (await c.find().sort({ v: -1 }).limit(3).toArray()).map((d) => d.v),
          expected.slice(-3).reverse(),
        );
        assert.deepEqual(
          (await c.aggregate([{ $sort: { v: 1 } }]).toArray()).map((d) => d.v),
          expected,
        );
        assert.deepEqual(
          (await c.find({ v: { $gt: '\uFF5E' } }).toArray()).map((d) => d.v),
          ['\u{1F600}'],
        );
        assert.deepEqual(
          (await c.find({ v: { $lt: '\u{1F600}', $gt: 'é' } }).toArray()).map((d) => d.v),
          ['\uFF5E'],
        );
        assert.deepEqual(await c.distinct('v'), expected);
      }
    });
  });
});
