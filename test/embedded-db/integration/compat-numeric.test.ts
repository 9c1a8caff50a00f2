/**
 * Compatibility: BSON numeric types (int32, int64, double), through the official driver.
 * Each test names MongoDB 7.0's documented behaviour; the server must give the same answer.
 */
import assert from 'node:assert/strict';
import { Double, Int32, Long, MongoServerError } from 'mongodb';
import { useCompatServer } from './helpers/compat-server';

const RAW = { promoteValues: false } as const;
const typeOf = (v: unknown) => (v as { _bsontype?: string })?._bsontype ?? typeof v;

describe('compat: numeric types', () => {
  const ctx = useCompatServer();

  it('int32, int64 and double keep their BSON type through a round trip (MongoDB stores the type it is given)', async () => {
    const c = ctx.db.collection('n');
    const big = Long.fromString('818617667421601800');
    await c.insertOne({ _id: 1 as never, d: new Double(5), l: Long.fromNumber(5), i: new Int32(5), f: 5.5, big, neg0: -0 });
    const doc = (await c.findOne({ _id: 1 as never }, RAW))!;
    assert.equal(typeOf(doc.d), 'Double');
    assert.equal(typeOf(doc.l), 'Long');
    assert.equal(typeOf(doc.i), 'Int32');
    assert.equal(typeOf(doc.f), 'Double');
    assert.equal(typeOf(doc.big), 'Long');
    assert.equal((doc.big as Long).toString(), '818617667421601800');
    assert.ok(Object.is((doc.neg0 as Double).valueOf(), -0));
    // default driver options promote them to JS numbers, as against MongoDB
    const promoted = (await c.findOne({ _id: 1 as never }))!;
    assert.equal(promoted.d, 5);
    assert.equal(promoted.l, 5);
  });

  it('$type sees double, long and int; "number" matches all of them', async () => {
    const c = ctx.db.collection('t');
    await c.insertMany([
      { _id: 'd', v: new Double(5) },
      { _id: 'l', v: Long.fromNumber(5) },
      { _id: 'i', v: new Int32(5) },
      { _id: 'f', v: 2.5 },
      { _id: 's', v: '5' },
    ] as never[]);
    const ids = async (q: object) => (await c.find(q).sort({ _id: 1 }).toArray()).map((d) => d._id);
    assert.deepEqual(await ids({ v: { $type: 'double' } }), ['d', 'f']);
    assert.deepEqual(await ids({ v: { $type: 'long' } }), ['l']);
    assert.deepEqual(await ids({ v: { $type: 'int' } }), ['i']);
    assert.deepEqual(await ids({ v: { $type: 1 } }), ['d', 'f']);
    assert.deepEqual(await ids({ v: { $type: 'number' } }), ['d', 'f', 'i', 'l']);
    const types = await c.aggregate([{ $sort: { _id: 1 } }, { $project: { t: { $type: '$v' } } }]).toArray();
    assert.deepEqual(
      types.map((d) => d.t),
      ['double', 'double', 'int', 'long', 'string'],
    );
  });

  it('numbers of different types compare, sort and match equal by value, with and without an index', async () => {
    const c = ctx.db.collection('eq');
    await c.insertMany([
      { _id: 1, v: new Double(3) },
      { _id: 2, v: Long.fromNumber(1) },
      { _id: 3, v: 2 },
      { _id: 4, v: 2.5 },
      { _id: 5, v: Long.fromString('9007199254740993') },
    ] as never[]);
    for (const indexed of [false, true]) {
      if (indexed) await c.createIndex({ v: 1 });
      assert.deepEqual(
        (await c.find({ v: 3 }).toArray()).map((d) => d._id),
        [1],
      );
      assert.deepEqual(
        (await c.find({ v: new Double(1) }).toArray()).map((d) => d._id),
        [2],
      );
      assert.deepEqual(
        (
          await c
            .find({ v: { $gte: Long.fromNumber(2) } })
            .sort({ v: 1 })
            .toArray()
        ).map((d) => d._id),
        [3, 4, 1, 5],
      );
      assert.deepEqual(
        (await c.find({}).sort({ v: -1 }).toArray()).map((d) => d._id),
        [5, 1, 4, 3, 2],
      );
      // exact int64 comparison beyond 2^53: 9007199254740993 is not the double 9007199254740992
      assert.deepEqual(
        (await c.find({ v: Long.fromString('9007199254740993') }).toArray()).map((d) => d._id),
        [5],
      );
      assert.deepEqual(
        (await c.find({ v: 9007199254740992 }).toArray()).map((d) => d._id),
        [],
      );
    }
  });

  it('a unique index and _id treat 5, 5.0 and Long(5) as the same key (E11000)', async () => {
    const c = ctx.db.collection('u');
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ _id: 5 as never, k: 5 });
    await assert.rejects(c.insertOne({ _id: new Double(5) as never, k: 6 }), (e: MongoServerError) => e.code === 11000);
    await assert.rejects(c.insertOne({ _id: 7 as never, k: Long.fromNumber(5) }), (e: MongoServerError) => e.code === 11000);
  });

  it('$sum and $add on int64 values stay exact int64 (Long("818617667421601800"))', async () => {
    const c = ctx.db.collection('s');
    const big = Long.fromString('818617667421601800');
    await c.insertMany([
      { _id: 1, v: big },
      { _id: 2, v: 1 },
    ] as never[]);
    const [g] = await c.aggregate([{ $group: { _id: null, total: { $sum: '$v' }, n: { $sum: 1 } } }], RAW).toArray();
    assert.equal(typeOf(g.total), 'Long');
    assert.equal((g.total as Long).toString(), '818617667421601801');
    assert.equal(typeOf(g.n), 'Int32');
    const [a] = await c
      .aggregate([{ $match: { _id: 1 } }, { $project: { s: { $add: ['$v', 1] }, m: { $multiply: ['$v', 2] } } }], RAW)
      .toArray();
    assert.equal(typeOf(a.s), 'Long');
    assert.equal((a.s as Long).toString(), '818617667421601801');
    assert.equal((a.m as Long).toString(), '1637235334843203600');
  });

  it('$sum of int32 values past 2^31 is an int64; $avg is a double; double operands make a double', async () => {
    const c = ctx.db.collection('w');
    await c.insertMany([{ v: 2147483647 }, { v: 1 }, { v: new Double(2) }] as never[]);
    const [g] = await c
      .aggregate(
        [
          {
            $group: {
              _id: null,
              ints: { $sum: { $cond: [{ $eq: [{ $type: '$v' }, 'int'] }, '$v', 0] } },
              all: { $sum: '$v' },
              avg: { $avg: '$v' },
            },
          },
        ],
        RAW,
      )
      .toArray();
    assert.equal(typeOf(g.ints), 'Long');
    assert.equal((g.ints as Long).toString(), '2147483648');
    assert.equal(typeOf(g.all), 'Double');
    assert.equal((g.all as Double).valueOf(), 2147483650);
    assert.equal(typeOf(g.avg), 'Double');
  });

  it('$inc of int32 2147483647 by 1 gives int64 2147483648; int64 overflow gives a double; $mul likewise', async () => {
    const c = ctx.db.collection('inc');
    await c.insertOne({ _id: 1 as never, i: 2147483647, l: Long.MAX_VALUE, d: new Double(1), m: 65536 });
    await c.updateOne({ _id: 1 as never }, { $inc: { i: 1, l: 1, d: 1 }, $mul: { m: 65536 } });
    const doc = (await c.findOne({ _id: 1 as never }, RAW))!;
    assert.equal(typeOf(doc.i), 'Long');
    assert.equal((doc.i as Long).toString(), '2147483648');
    assert.equal(typeOf(doc.l), 'Double');
    assert.equal((doc.l as Double).valueOf(), 9223372036854775808);
    assert.equal(typeOf(doc.d), 'Double');
    assert.equal((doc.d as Double).valueOf(), 2);
    assert.equal(typeOf(doc.m), 'Long');
    assert.equal((doc.m as Long).toString(), '4294967296');
  });

  it('$inc of a missing field sets the increment with its own type', async () => {
    const c = ctx.db.collection('inc2');
    await c.insertOne({ _id: 1 as never });
    await c.updateOne({ _id: 1 as never }, { $inc: { l: Long.fromNumber(2), d: new Double(3) } });
    const doc = (await c.findOne({ _id: 1 as never }, RAW))!;
    assert.equal(typeOf(doc.l), 'Long');
    assert.equal(typeOf(doc.d), 'Double');
  });
});
