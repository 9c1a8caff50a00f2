/**
 * Compatibility: what MongoDB 7.0 refuses, and with which code, through the official driver;
 * and that everything the driver and mongoose actually send is still accepted.
 */
import assert from 'node:assert/strict';
import { Double, Long, MongoClient, ServerApiVersion, type MongoServerError } from 'mongodb';
import mongoose, { Schema } from 'mongoose';
import { useCompatServer } from './helpers/compat-server';

const code = (n: number) => (e: MongoServerError) => {
  assert.equal(e.code, n, e.message);
  return true;
};

describe('compat: strictness and error codes', () => {
  const ctx = useCompatServer();

  it('an unknown field in an update statement is 40415 and nothing changes (updateOne with sort)', async () => {
    const c = ctx.db.collection('u');
    await c.insertMany([
      { _id: 1, v: 0 },
      { _id: 2, v: 0 },
    ] as never[]);
    await assert.rejects(
      c.updateOne({}, { $set: { v: 1 } }, { sort: { _id: -1 } }),
      (e: MongoServerError) => e.code === 40415 && /BSON field 'update\.updates\.sort' is an unknown field\./.test(e.message),
    );
    assert.deepEqual(
      (await c.find().sort({ _id: 1 }).toArray()).map((d) => d.v),
      [0, 0],
    );
    await assert.rejects(ctx.db.command({ delete: 'u', deletes: [{ q: {}, limit: 1, sort: { _id: 1 } }] }), code(40415));
    await assert.rejects(ctx.db.command({ find: 'u', filter: {}, sortt: { _id: 1 } }), code(40415));
    await assert.rejects(ctx.db.command({ aggregate: 'u', pipeline: [], cursor: {}, collaton: {} }), code(40415));
    await assert.rejects(ctx.db.command({ findAndModify: 'u', query: {}, update: { $set: { v: 2 } }, returnNew: true }), code(40415));
    assert.equal(await c.countDocuments({ v: 2 }), 0);
  });

  it("insertOne({_id: {$a: 1}}) is refused (52: _id fields may not contain '$'-prefixed fields)", async () => {
    const c = ctx.db.collection('ids');
    await assert.rejects(c.insertOne({ _id: { $a: 1 } as never }), code(52));
    await assert.rejects(c.insertOne({ _id: { x: [{ $b: 1 }] } as never }), code(52));
    assert.equal(await c.countDocuments(), 0);
  });

  it('readConcern: local, available and majority work; snapshot and linearizable need a replica set (123); unknown levels are 2', async () => {
    const c = ctx.db.collection('rc');
    for (const level of ['local', 'available', 'majority'] as const) {
      assert.deepEqual(await c.find({}, { readConcern: { level } }).toArray(), []);
    }
    await assert.rejects(c.find({}, { readConcern: { level: 'snapshot' } }).toArray(), code(123));
    await assert.rejects(c.find({}, { readConcern: { level: 'linearizable' } }).toArray(), code(123));
    await assert.rejects(ctx.db.command({ find: 'rc', readConcern: { level: 'sometimes' } }), code(2));
  });

  it('apiStrict refuses commands outside API version 1 (323); apiVersion must be "1" (322)', async () => {
    const strict = new MongoClient(ctx.server.uri, { serverApi: { version: ServerApiVersion.v1, strict: true } });
    try {
      const c = strict.db(ctx.db.databaseName).collection('api');
      await c.insertOne({ a: 1 });
      assert.equal((await c.find({}).toArray()).length, 1);
      assert.equal(await c.countDocuments(), 1);
      await assert.rejects(c.distinct('a'), code(323));
      await assert.rejects(strict.db('admin').command({ serverStatus: 1 }), code(323));
    } finally {
      await strict.close();
    }
    await assert.rejects(ctx.db.command({ ping: 1, apiVersion: '2' }), code(322));
  });

  it('an ambiguous index key pattern is 181 AmbiguousIndexKeyPattern', async () => {
    const c = ctx.db.collection('ix');
    await c.createIndex({ a: 1 }, { name: 'a_pos', partialFilterExpression: { a: { $gt: 0 } } });
    await c.createIndex({ a: 1 }, { name: 'a_neg', partialFilterExpression: { a: { $lt: 0 } } });
    await assert.rejects(
      c.dropIndex({ a: 1 } as never),
      (e: MongoServerError) => e.code === 181 && e.codeName === 'AmbiguousIndexKeyPattern',
    );
    await c.dropIndex('a_pos');
    await c.dropIndex({ a: 1 } as never);
  });

  it('an unknown expression operator is 168 InvalidPipelineOperator; an unknown query operator is 2', async () => {
    const c = ctx.db.collection('ops');
    await c.insertOne({ a: 1 });
    await assert.rejects(c.aggregate([{ $project: { x: { $nope: 1 } } }]).toArray(), code(168));
    await assert.rejects(c.find({ a: { $nope: 1 } }).toArray(), code(2));
  });

  it('accepts every option the driver puts in find, aggregate, findAndModify, count, distinct, writes and createIndexes', async () => {
    const c = ctx.db.collection<{ _id: number; a: number; tags?: string[] }>('opts');
    await c.insertMany([{ _id: 1, a: 1 }], {
      ordered: false,
      bypassDocumentValidation: true,
      comment: 'c',
      writeConcern: { w: 1, j: true },
    });
    await c.createIndex({ a: 1 }, { name: 'a_1', background: true, unique: false, sparse: false, comment: 'c' });
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 3600, partialFilterExpression: { a: { $exists: true } } });
    const found = await c
      .find(
        { a: 1 },
        {
          sort: { a: 1 },
          projection: { a: 1 },
          hint: 'a_1',
          skip: 0,
          limit: 5,
          batchSize: 10,
          comment: 'c',
          maxTimeMS: 5000,
          allowDiskUse: true,
          let: { x: 1 },
          collation: { locale: 'simple' },
          noCursorTimeout: true,
          allowPartialResults: false,
          readConcern: { level: 'local' },
        },
      )
      .toArray();
    assert.equal(found.length, 1);
    const agg = await c
      .aggregate([{ $match: { $expr: { $eq: ['$a', '$$x'] } } }], {
        allowDiskUse: true,
        comment: 'c',
        hint: { a: 1 },
        maxTimeMS: 5000,
        let: { x: 1 },
        batchSize: 5,
      })
      .toArray();
    assert.equal(agg.length, 1);
    await c.findOneAndUpdate(
      { a: 1 },
      { $set: { b: 2 } },
      {
        sort: { a: 1 },
        projection: { a: 1 },
        upsert: false,
        returnDocument: 'after',
        hint: { a: 1 },
        comment: 'c',
        let: { y: 2 },
        maxTimeMS: 5000,
      },
    );
    await c.findOneAndDelete({ a: 2 }, { sort: { a: 1 }, comment: 'c' });
    await c.findOneAndReplace({ a: 1 }, { a: 1, tags: ['r'] }, { comment: 'c' });
    assert.equal(await c.countDocuments({ a: 1 }, { limit: 5, skip: 0, hint: 'a_1', maxTimeMS: 5000, comment: 'c' }), 1);
    assert.equal(await c.estimatedDocumentCount({ maxTimeMS: 5000, comment: 'c' }), 1);
    assert.deepEqual(await c.distinct('a', {}, { comment: 'c', maxTimeMS: 5000, collation: { locale: 'simple' } }), [1]);
    await c.updateMany(
      { a: 1 },
      { $set: { m: 1 } },
      { upsert: false, hint: { a: 1 }, comment: 'c', let: { z: 1 }, arrayFilters: [] as never },
    );
    await c.bulkWrite(
      [
        { insertOne: { document: { _id: 2, a: 2 } } },
        { updateOne: { filter: { _id: 2 }, update: { $set: { a: 3 } }, hint: { _id: 1 } } },
        { replaceOne: { filter: { _id: 2 }, replacement: { a: 4 } } },
        { deleteOne: { filter: { _id: 2 }, hint: { _id: 1 } } },
      ],
      { ordered: false, comment: 'c' },
    );
    await c.deleteMany({ a: 9 }, { comment: 'c', let: { x: 1 }, hint: { a: 1 } });
    await ctx.db.command({ listCollections: 1, filter: {}, nameOnly: true, authorizedCollections: true });
    await c.listIndexes({ comment: 'c' }).toArray();
  });

  it('takes numeric command fields of any BSON number type (other drivers send int64 and double)', async () => {
    const c = ctx.db.collection('nums');
    await c.insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
    const r = await ctx.db.command({ find: 'nums', limit: Long.fromNumber(2), batchSize: new Double(5), maxTimeMS: Long.fromNumber(5000) });
    assert.equal(r.cursor.firstBatch.length, 2);
    const d = await ctx.db.command({ delete: 'nums', deletes: [{ q: {}, limit: Long.fromNumber(1) }] });
    assert.equal(d.n, 1);
  });

  it('accepts what mongoose sends: model init, syncIndexes, queries with options, populate, sessions', async () => {
    const conn = await mongoose.createConnection(`${ctx.server.uri}/${ctx.db.databaseName}`).asPromise();
    try {
      const Author = conn.model('Author', new Schema({ name: { type: String, index: true } }, { timestamps: true }));
      const Post = conn.model(
        'Post',
        new Schema({
          title: { type: String, required: true },
          author: { type: Schema.Types.ObjectId, ref: 'Author' },
          n: Number,
          tags: [String],
        }),
      );
      await Author.init();
      await Post.syncIndexes();
      const a = await Author.create({ name: 'ada' });
      await Post.create([{ title: 't', author: a._id, n: 1, tags: ['x'] }], { ordered: true });
      const p = await Post.findOne({ title: 't' }).populate('author').lean().maxTimeMS(5000).comment('c').read('primary');
      assert.equal((p?.author as { name?: string })?.name, 'ada');
      await Post.updateOne({ title: 't' }, { $inc: { n: 1 } }, { runValidators: true, upsert: false });
      await Post.findOneAndUpdate({ title: 't' }, { $push: { tags: 'y' } }, { returnDocument: 'after', lean: true });
      assert.equal(await Post.countDocuments({ n: 2 }), 1);
      assert.deepEqual(await Post.distinct('title'), ['t']);
      const [g] = await Post.aggregate([{ $group: { _id: null, total: { $sum: '$n' } } }]).allowDiskUse(true);
      assert.equal(g.total, 2);
      await Post.deleteMany({ n: { $gt: 5 } });
      await Post.exists({ title: 't' });
      const session = await conn.startSession();
      await Post.findOne({ title: 't' }).session(session);
      await session.endSession();
    } finally {
      await conn.close();
    }
  });
});
