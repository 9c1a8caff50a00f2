/**
 * Compatibility: aggregation stages, through the official driver. Each test names MongoDB
 * 7.0's documented answer; the server must give the same answer.
 */
import assert from 'node:assert/strict';
import { Long } from 'mongodb';
import { useCompatServer } from './helpers/compat-server';

describe('compat: aggregation', () => {
  const ctx = useCompatServer();

  it('$lookup with an array localField joins each element and adds no null entries', async () => {
    await ctx.db.collection('tags').insertMany([
      { _id: 't1', name: 'one' },
      { _id: 't2', name: 'two' },
      { _id: 't3', name: 'three' },
    ] as never[]);
    const posts = ctx.db.collection('posts');
    await posts.insertMany([
      { _id: 1, tags: ['t1', 'missing', 't3'] },
      { _id: 2, tags: [] },
      { _id: 3 },
      { _id: 4, tags: 't2' },
    ] as never[]);
    const out = await posts
      .aggregate([{ $lookup: { from: 'tags', localField: 'tags', foreignField: '_id', as: 'found' } }, { $sort: { _id: 1 } }])
      .toArray();
    assert.deepEqual(
      out.map((d) => (d.found as { _id: string }[]).map((t) => t._id)),
      [['t1', 't3'], [], [], ['t2']],
    );
  });

  it('$lookup: a null or missing local value matches foreign documents where the field is null or missing', async () => {
    await ctx.db.collection('f').insertMany([{ _id: 1, k: null }, { _id: 2 }, { _id: 3, k: 5 }, { _id: 4, k: [5, null] }] as never[]);
    const l = ctx.db.collection('l');
    await l.insertMany([{ _id: 'missing' }, { _id: 'five', k: Long.fromNumber(5) }] as never[]);
    const out = await l
      .aggregate([{ $lookup: { from: 'f', localField: 'k', foreignField: 'k', as: 'm' } }, { $sort: { _id: 1 } }])
      .toArray();
    assert.deepEqual(
      out.map((d) => [d._id, (d.m as { _id: number }[]).map((x) => x._id)]),
      [
        ['five', [3, 4]],
        ['missing', [1, 2, 4]],
      ],
    );
  });

  it('$bucket puts a boundary value into the bucket it opens, outputs non-empty buckets only, _id first', async () => {
    const c = ctx.db.collection('b');
    await c.insertMany([0, 5, 10, 15, 20, 25, 100].map((v, i) => ({ _id: i, v })) as never[]);
    const out = await c
      .aggregate([
        { $bucket: { groupBy: '$v', boundaries: [0, 10, 20, 30, 40], default: 'other', output: { n: { $sum: 1 }, vs: { $push: '$v' } } } },
      ])
      .toArray();
    assert.deepEqual(out, [
      { _id: 0, n: 1 + 1, vs: [0, 5] },
      { _id: 10, n: 2, vs: [10, 15] },
      { _id: 20, n: 2, vs: [20, 25] },
      { _id: 'other', n: 1, vs: [100] },
    ]);
    assert.deepEqual(Object.keys(out[0]), ['_id', 'n', 'vs']);
  });

  it('$project keeps _id first and the input order of included fields; computed fields follow', async () => {
    const c = ctx.db.collection('p');
    await c.insertOne({ _id: 1 as never, a: 1, b: { x: 1, y: 2, z: 3 }, c: 3 });
    const [d] = await c.aggregate([{ $project: { c: 1, total: { $add: ['$a', '$c'] }, 'b.z': 1, a: 1, 'b.x': 1 } }]).toArray();
    assert.deepEqual(Object.keys(d), ['_id', 'a', 'b', 'c', 'total']);
    assert.deepEqual(Object.keys(d.b), ['x', 'z']);
    const [e] = await c.aggregate([{ $project: { b: 0 } }]).toArray();
    assert.deepEqual(Object.keys(e), ['_id', 'a', 'c']);
  });

  it('$group: a missing key is null; 1, 1.0 and Long(1) are one group', async () => {
    const c = ctx.db.collection('g');
    await c.insertMany([{ k: 1 }, { k: 1.5 }, { k: Long.fromNumber(1) }, { k: null }, {}] as never[]);
    const out = await c.aggregate([{ $group: { _id: '$k', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray();
    assert.deepEqual(out, [
      { _id: null, n: 2 },
      { _id: 1, n: 2 },
      { _id: 1.5, n: 1 },
    ]);
  });

  it('$count over no documents outputs no document', async () => {
    const c = ctx.db.collection('empty');
    assert.deepEqual(await c.aggregate([{ $match: { x: 1 } }, { $count: 'n' }]).toArray(), []);
  });

  it('an unknown stage answers 40324 (Unrecognized pipeline stage name)', async () => {
    await assert.rejects(
      ctx.db
        .collection('x')
        .aggregate([{ $nope: {} }])
        .toArray(),
      (e: { code?: number; message: string }) => {
        assert.equal(e.code, 40324);
        assert.match(e.message, /Unrecognized pipeline stage name: '\$nope'/);
        return true;
      },
    );
  });
});
