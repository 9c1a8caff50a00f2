/**
 * Compatibility: `let` variables in reads and writes, and the `$out` / `$merge` stages,
 * through the official driver, with MongoDB 7.0's documented answers.
 */
import assert from 'node:assert/strict';
import type { MongoServerError } from 'mongodb';
import { useCompatServer } from './helpers/compat-server';

const code = (n: number) => (e: MongoServerError) => {
  assert.equal(e.code, n, e.message);
  return true;
};

describe('compat: let variables', () => {
  const ctx = useCompatServer();

  it('find, aggregate and count see $$variables; let values are expressions evaluated once', async () => {
    const c = ctx.db.collection('l');
    await c.insertMany([1, 2, 3, 4].map((n) => ({ _id: n, n })) as never[]);
    const ids = (docs: { _id: unknown }[]) => docs.map((d) => d._id);
    assert.deepEqual(ids(await c.find({ $expr: { $gt: ['$n', '$$min'] } }, { let: { min: 2 }, sort: { _id: 1 } }).toArray()), [3, 4]);
    assert.deepEqual(ids(await c.find({ $expr: { $eq: ['$n', '$$three'] } }, { let: { three: { $add: [1, 2] } } }).toArray()), [3]);
    const agg = await c
      .aggregate(
        [{ $match: { $expr: { $lte: ['$n', '$$max'] } } }, { $project: { scaled: { $multiply: ['$n', '$$k'] } } }, { $sort: { _id: 1 } }],
        {
          let: { max: 2, k: 10 },
        },
      )
      .toArray();
    assert.deepEqual(agg, [
      { _id: 1, scaled: 10 },
      { _id: 2, scaled: 20 },
    ]);
    assert.equal(await c.countDocuments({ $expr: { $eq: ['$n', '$$v'] } }, { let: { v: 4 } } as never), 1);
    const [now] = await c.aggregate([{ $limit: 1 }, { $project: { t: '$$at' } }], { let: { at: '$$NOW' } }).toArray();
    assert.ok(now.t instanceof Date);
  });

  it('$lookup sub-pipelines see the command variables and their own let', async () => {
    await ctx.db.collection('prices').insertMany([
      { item: 'a', price: 5 },
      { item: 'a', price: 50 },
      { item: 'b', price: 7 },
    ]);
    const orders = ctx.db.collection('orders');
    await orders.insertMany([{ _id: 1, item: 'a' }] as never[]);
    const [o] = await orders
      .aggregate(
        [
          {
            $lookup: {
              from: 'prices',
              let: { it: '$item' },
              pipeline: [
                { $match: { $expr: { $and: [{ $eq: ['$item', '$$it'] }, { $lt: ['$price', '$$cap'] }] } } },
                { $project: { _id: 0, price: 1 } },
              ],
              as: 'cheap',
            },
          },
        ],
        { let: { cap: 10 } },
      )
      .toArray();
    assert.deepEqual(o.cheap, [{ price: 5 }]);
  });

  it('update, delete and findAndModify filters and pipeline updates see $$variables', async () => {
    const c = ctx.db.collection('w');
    await c.insertMany([1, 2, 3].map((n) => ({ _id: n, n })) as never[]);
    const u = await c.updateMany({ $expr: { $gte: ['$n', '$$from'] } }, [{ $set: { n: { $add: ['$n', '$$step'] } } }], {
      let: { from: 2, step: 100 },
    });
    assert.equal(u.modifiedCount, 2);
    const f = await c.findOneAndUpdate({ $expr: { $eq: ['$n', '$$target'] } }, [{ $set: { hit: '$$tag' } }], {
      let: { target: 1, tag: 'x' },
      returnDocument: 'after',
    });
    assert.equal(f?.hit, 'x');
    const d = await c.deleteMany({ $expr: { $gt: ['$n', '$$limit'] } }, { let: { limit: 102 } });
    assert.equal(d.deletedCount, 1);
    // a statement's constants ('c') are variables of its pipeline update
    await ctx.db.command({ update: 'w', updates: [{ q: { _id: 1 }, u: [{ $set: { c: '$$k' } }], c: { k: 'const' } }] });
    assert.equal((await c.findOne({ _id: 1 as never }))?.c, 'const');
    assert.deepEqual(
      (await c.find().sort({ _id: 1 }).toArray()).map((x) => x.n),
      [1, 102],
    );
  });

  it('refuses invalid variable names and undefined variables', async () => {
    const c = ctx.db.collection('v');
    await c.insertOne({ a: 1 });
    await assert.rejects(c.find({}, { let: { Bad: 1 } }).toArray(), code(16867));
    await assert.rejects(c.find({ $expr: { $eq: ['$a', '$$nope'] } }).toArray(), (e: MongoServerError) => typeof e.code === 'number');
  });
});

describe('compat: $out and $merge', () => {
  const ctx = useCompatServer();

  it('$out replaces the target collection, keeps its indexes, returns no documents, writes to another database', async () => {
    const src = ctx.db.collection('src');
    await src.insertMany([1, 2, 3].map((n) => ({ _id: n, n, g: n % 2 })) as never[]);
    const target = ctx.db.collection('target');
    await target.insertMany([{ _id: 99, old: true }] as never[]);
    await target.createIndex({ total: 1 }, { name: 'total_1' });
    const out = await src.aggregate([{ $group: { _id: '$g', total: { $sum: '$n' } } }, { $out: 'target' }]).toArray();
    assert.deepEqual(out, []);
    assert.deepEqual(await target.find().sort({ _id: 1 }).toArray(), [
      { _id: 0, total: 2 },
      { _id: 1, total: 4 },
    ]);
    assert.ok((await target.indexes()).some((i) => i.name === 'total_1'));
    await src.aggregate([{ $match: { n: 1 } }, { $out: { db: `${ctx.db.databaseName}_other`, coll: 'copy' } }]).toArray();
    assert.equal(await ctx.client.db(`${ctx.db.databaseName}_other`).collection('copy').countDocuments(), 1);
  });

  it("$out: a result the target's unique index refuses is 11000 and leaves the target unchanged", async () => {
    const src = ctx.db.collection('src');
    await src.insertMany([{ k: 1 }, { k: 1 }]);
    const target = ctx.db.collection('target');
    await target.insertOne({ keep: true });
    await target.createIndex({ k: 1 }, { unique: true });
    await assert.rejects(src.aggregate([{ $project: { k: 1 } }, { $out: 'target' }]).toArray(), code(11000));
    assert.deepEqual(await target.find({}, { projection: { _id: 0 } }).toArray(), [{ keep: true }]);
    assert.deepEqual((await ctx.db.listCollections().toArray()).map((c) => c.name).sort(), ['src', 'target']);
  });

  it('$out or $merge anywhere but last is 40601', async () => {
    await assert.rejects(
      ctx.db
        .collection('x')
        .aggregate([{ $out: 'y' }, { $match: {} }])
        .toArray(),
      code(40601),
    );
  });

  it('$merge: merge/insert by default, replace, keepExisting, fail, pipeline with $$new, discard', async () => {
    const t = ctx.db.collection('t');
    await t.insertMany([{ _id: 1, a: 1, keep: 'x' }] as never[]);
    const s = ctx.db.collection('s');
    await s.insertMany([
      { _id: 1, a: 10 },
      { _id: 2, a: 20 },
    ] as never[]);
    await s.aggregate([{ $merge: 't' }]).toArray();
    assert.deepEqual(await t.find().sort({ _id: 1 }).toArray(), [
      { _id: 1, a: 10, keep: 'x' },
      { _id: 2, a: 20 },
    ]);
    await s.aggregate([{ $project: { a: { $add: ['$a', 1] } } }, { $merge: { into: 't', whenMatched: 'replace' } }]).toArray();
    assert.deepEqual(await t.findOne({ _id: 1 as never }), { _id: 1, a: 11 });
    await s.aggregate([{ $project: { a: 0 } }, { $merge: { into: 't', whenMatched: 'keepExisting' } }]).toArray();
    assert.deepEqual(await t.findOne({ _id: 1 as never }), { _id: 1, a: 11 });
    await assert.rejects(s.aggregate([{ $merge: { into: 't', whenMatched: 'fail' } }]).toArray(), code(11000));
    await s.aggregate([{ $merge: { into: 't', whenMatched: [{ $set: { a: { $add: ['$a', '$$new.a'] } } }] } }]).toArray();
    assert.deepEqual(
      (await t.find().sort({ _id: 1 }).toArray()).map((d) => d.a),
      [21, 41],
    );
    await s.insertOne({ _id: 3, a: 30 } as never);
    await s.aggregate([{ $merge: { into: 't', whenMatched: 'keepExisting', whenNotMatched: 'discard' } }]).toArray();
    assert.equal(await t.countDocuments(), 2);
    await assert.rejects(
      s.aggregate([{ $merge: { into: 't', whenMatched: 'keepExisting', whenNotMatched: 'fail' } }]).toArray(),
      code(13113),
    );
  });

  it('$merge on other fields needs a unique index on them (51183), then matches by them', async () => {
    const t = ctx.db.collection('byKey');
    await t.insertOne({ sku: 'a', qty: 1 });
    const s = ctx.db.collection('incoming');
    await s.insertMany([
      { sku: 'a', qty: 5 },
      { sku: 'b', qty: 7 },
    ]);
    await assert.rejects(s.aggregate([{ $project: { _id: 0 } }, { $merge: { into: 'byKey', on: 'sku' } }]).toArray(), code(51183));
    await t.createIndex({ sku: 1 }, { unique: true });
    await s.aggregate([{ $project: { _id: 0 } }, { $merge: { into: 'byKey', on: 'sku' } }]).toArray();
    assert.deepEqual(
      await t
        .find({}, { projection: { _id: 0 } })
        .sort({ sku: 1 })
        .toArray(),
      [
        { sku: 'a', qty: 5 },
        { sku: 'b', qty: 7 },
      ],
    );
  });
});
