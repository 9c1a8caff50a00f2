/**
 * The embedded server with the real storage engine, through the official driver:
 * CRUD, cursors, findAndModify, aggregation, unique indexes, TTL, catalog commands.
 */
import assert from 'node:assert/strict';
import { MongoBulkWriteError, MongoClient, MongoServerError, type Db } from 'mongodb';
import { startEmbeddedServer, type EmbeddedServer } from '../../../server/db/embedded/server';

interface Item {
  _id: number;
  group: string;
  qty: number;
  tags?: string[];
}

describe('embedded db: driver against the storage engine', () => {
  let server: EmbeddedServer;
  let client: MongoClient;
  let db: Db;
  let getMores = 0;

  before(async () => {
    server = await startEmbeddedServer({ dataDir: null });
    client = new MongoClient(server.uri, { monitorCommands: true });
    client.on('commandStarted', (e) => {
      if (e.commandName === 'getMore') getMores++;
    });
    await client.connect();
    db = client.db('drivertest');
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  it('inserts, finds, updates, replaces and deletes', async () => {
    const c = db.collection('crud');
    const { insertedId } = await c.insertOne({ name: 'ada', n: 1 });
    assert.equal((await c.findOne({ _id: insertedId }))?.name, 'ada');
    await c.insertMany([
      { name: 'bob', n: 2 },
      { name: 'cy', n: 3 },
    ]);
    const upd = await c.updateOne({ name: 'bob' }, { $inc: { n: 10 }, $set: { seen: true } });
    assert.equal(upd.matchedCount, 1);
    assert.equal(upd.modifiedCount, 1);
    assert.equal((await c.findOne({ name: 'bob' }))?.n, 12);
    const many = await c.updateMany({ n: { $lt: 5 } }, { $set: { small: true } });
    assert.equal(many.matchedCount, 2);
    const rep = await c.replaceOne({ name: 'cy' }, { name: 'cy', replaced: true });
    assert.equal(rep.modifiedCount, 1);
    assert.deepEqual(Object.keys((await c.findOne({ name: 'cy' }, { projection: { _id: 0 } }))!), ['name', 'replaced']);
    const ups = await c.updateOne({ name: 'dee' }, { $set: { n: 4 }, $setOnInsert: { created: true } }, { upsert: true });
    assert.equal(ups.upsertedCount, 1);
    assert.ok(ups.upsertedId);
    assert.equal((await c.findOne({ name: 'dee' }))?.created, true);
    assert.equal((await c.deleteOne({ name: 'ada' })).deletedCount, 1);
    assert.equal((await c.deleteMany({})).deletedCount, 3);
    assert.equal(await c.estimatedDocumentCount(), 0);
  });

  it('reads a result set past its first batch (250 documents, batchSize 50)', async () => {
    const c = db.collection<Item>('items');
    await c.insertMany(
      Array.from({ length: 250 }, (_, i) => ({ _id: i, group: `g${i % 5}`, qty: i % 17, tags: i % 2 ? ['odd'] : ['even'] })),
    );
    getMores = 0;
    const all = await c.find({}, { batchSize: 50 }).sort({ _id: -1 }).toArray();
    assert.equal(all.length, 250);
    assert.equal(all[0]._id, 249);
    // the batch that takes the last documents may not know it (finding out could mean scanning
    // on), so, as with mongod, one empty batch can follow
    assert.ok(getMores === 4 || getMores === 5, `${getMores} getMores`);
    let n = 0;
    for await (const doc of c.find({ group: 'g1' }).batchSize(7)) {
      assert.equal(doc.group, 'g1');
      n++;
    }
    assert.equal(n, 50);
  });

  it('splits results larger than 16 MiB over several replies', async () => {
    const c = db.collection('big');
    const blob = 'b'.repeat(1024 * 1024);
    for (let i = 0; i < 30; i++) await c.insertOne({ _id: i as never, blob });
    getMores = 0;
    const all = await c.find().toArray();
    assert.equal(all.length, 30);
    assert.ok(getMores >= 3, `${getMores} getMores`);
    await c.drop();
  });

  it('sorts, skips, limits and projects', async () => {
    const c = db.collection<Item>('items');
    const page = await c
      .find({ group: 'g2' }, { projection: { qty: 1 } })
      .sort({ qty: -1, _id: 1 })
      .skip(3)
      .limit(4)
      .toArray();
    assert.equal(page.length, 4);
    const sorted = [...page].sort((a, b) => b.qty - a.qty || a._id - b._id);
    assert.deepEqual(page, sorted);
    for (const d of page) assert.deepEqual(Object.keys(d).sort(), ['_id', 'qty']);
    assert.equal(await c.countDocuments({ group: 'g2' }), 50);
    assert.equal(await c.countDocuments({ group: 'g2' }, { skip: 45 }), 5);
    assert.deepEqual((await c.distinct('group')).sort(), ['g0', 'g1', 'g2', 'g3', 'g4']);
  });

  it('findOneAndUpdate returns the document before or after, upserting', async () => {
    const c = db.collection('fam');
    await c.insertOne({ _id: 'a' as never, v: 1 });
    const before = await c.findOneAndUpdate({ _id: 'a' as never }, { $inc: { v: 1 } });
    assert.equal(before?.v, 1);
    const after = await c.findOneAndUpdate({ _id: 'a' as never }, { $inc: { v: 1 } }, { returnDocument: 'after' });
    assert.equal(after?.v, 3);
    const upBefore = await c.findOneAndUpdate({ key: 'x' }, { $set: { v: 9 } }, { upsert: true });
    assert.equal(upBefore, null);
    const upAfter = await c.findOneAndUpdate(
      { key: 'y' },
      { $set: { v: 8 } },
      { upsert: true, returnDocument: 'after', projection: { _id: 0 } },
    );
    assert.deepEqual(upAfter, { key: 'y', v: 8 });
    const meta = await c.findOneAndUpdate({ key: 'z' }, { $set: { v: 7 } }, { upsert: true, includeResultMetadata: true });
    assert.equal(meta.lastErrorObject?.updatedExisting, false);
    assert.ok(meta.lastErrorObject?.upserted);
    const deleted = await c.findOneAndDelete({ key: 'x' });
    assert.equal(deleted?.v, 9);
    assert.equal(await c.countDocuments({ key: 'x' }), 0);
  });

  it('aggregates with $match, $group, $sort, $lookup, $unwind, $count and $facet', async () => {
    const items = db.collection<Item>('items');
    const groups = await items
      .aggregate([
        { $match: { qty: { $gte: 10 } } },
        { $group: { _id: '$group', n: { $sum: 1 }, total: { $sum: '$qty' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    assert.deepEqual(
      groups.map((g) => g._id),
      ['g0', 'g1', 'g2', 'g3', 'g4'],
    );
    const expected = new Map<string, number>();
    for (let i = 0; i < 250; i++) if (i % 17 >= 10) expected.set(`g${i % 5}`, (expected.get(`g${i % 5}`) ?? 0) + 1);
    for (const g of groups) assert.equal(g.n, expected.get(g._id));

    await db.collection('groups').insertMany([
      { _id: 'g1' as never, label: 'Group one' },
      { _id: 'g2' as never, label: 'Group two' },
    ]);
    const joined = await items
      .aggregate([
        { $match: { _id: { $in: [1, 2] } } },
        { $lookup: { from: 'groups', localField: 'group', foreignField: '_id', as: 'g' } },
        { $unwind: '$g' },
        { $sort: { _id: 1 } },
        { $project: { label: '$g.label' } },
      ])
      .toArray();
    assert.deepEqual(joined, [
      { _id: 1, label: 'Group one' },
      { _id: 2, label: 'Group two' },
    ]);

    const [counted] = await items.aggregate([{ $match: { tags: 'odd' } }, { $count: 'n' }]).toArray();
    assert.deepEqual(counted, { n: 125 });
    const [facets] = await items
      .aggregate([
        {
          $facet: {
            odd: [{ $match: { tags: 'odd' } }, { $count: 'n' }],
            top: [{ $sort: { _id: -1 } }, { $limit: 2 }, { $project: { _id: 1 } }],
          },
        },
      ])
      .toArray();
    assert.deepEqual(facets, { odd: [{ n: 125 }], top: [{ _id: 249 }, { _id: 248 }] });

    // an aggregate result larger than one batch
    getMores = 0;
    assert.equal((await items.aggregate([{ $sort: { _id: 1 } }], { batchSize: 100 }).toArray()).length, 250);
    assert.equal(getMores, 2);
  });

  describe('unique indexes', () => {
    const isDup = (err: MongoServerError) => {
      assert.equal(err.code, 11000);
      assert.deepEqual(err.keyPattern, { email: 1 });
      assert.deepEqual(err.keyValue, { email: 'a@x' });
      return true;
    };

    before(async () => {
      await db.collection('users').createIndex({ email: 1 }, { unique: true });
      await db.collection('users').insertOne({ email: 'a@x' });
    });

    it('rejects a duplicate insertOne with 11000 and keyPattern', async () => {
      await assert.rejects(db.collection('users').insertOne({ email: 'a@x' }), isDup);
    });

    it('stops an ordered insertMany at the first duplicate', async () => {
      await assert.rejects(
        db.collection('users').insertMany([{ email: 'b@x' }, { email: 'a@x' }, { email: 'c@x' }]),
        (err: MongoBulkWriteError) => {
          assert.equal(err.code, 11000);
          assert.equal(err.result.insertedCount, 1);
          assert.equal(err.writeErrors instanceof Array ? err.writeErrors[0].index : (err.writeErrors as { index: number }).index, 1);
          return true;
        },
      );
      assert.equal(await db.collection('users').countDocuments({ email: 'c@x' }), 0);
    });

    it('continues an unordered insertMany past duplicates', async () => {
      await assert.rejects(
        db.collection('users').insertMany([{ email: 'a@x' }, { email: 'd@x' }, { email: 'b@x' }, { email: 'e@x' }], { ordered: false }),
        (err: MongoBulkWriteError) => {
          assert.equal(err.result.insertedCount, 2);
          assert.equal(Array.isArray(err.writeErrors) ? err.writeErrors.length : 1, 2);
          return true;
        },
      );
      assert.equal(await db.collection('users').countDocuments({ email: { $in: ['d@x', 'e@x'] } }), 2);
    });

    it('rejects updateOne and findOneAndUpdate that would duplicate a key', async () => {
      await assert.rejects(db.collection('users').updateOne({ email: 'b@x' }, { $set: { email: 'a@x' } }), isDup);
      await assert.rejects(
        db.collection('users').findOneAndUpdate({ email: 'b@x' }, { $set: { email: 'a@x' } }),
        (err: MongoServerError) => {
          assert.equal(err.codeName, 'DuplicateKey');
          return isDup(err);
        },
      );
      assert.equal(await db.collection('users').countDocuments({ email: 'b@x' }), 1);
    });

    it('refuses to build a unique index over existing duplicates', async () => {
      await db.collection('dups').insertMany([{ k: 1 }, { k: 1 }]);
      await assert.rejects(db.collection('dups').createIndex({ k: 1 }, { unique: true }), { code: 11000 });
    });
  });

  it('lists, echoes and drops indexes', async () => {
    const c = db.collection('ix');
    await c.createIndex({ a: 1, b: -1 }, { name: 'a_b', partialFilterExpression: { a: { $exists: true } } });
    const specs = await c.listIndexes().toArray();
    assert.deepEqual(
      specs.map((s) => s.name),
      ['_id_', 'a_b'],
    );
    assert.deepEqual(specs[1].key, { a: 1, b: -1 });
    assert.deepEqual(specs[1].partialFilterExpression, { a: { $exists: true } });
    await c.dropIndex('a_b');
    assert.deepEqual(
      (await c.listIndexes().toArray()).map((s) => s.name),
      ['_id_'],
    );
    await assert.rejects(c.dropIndex('nope'), { code: 27 });
  });

  it('expires documents on the TTL sweep and lets collMod change the TTL', async () => {
    const c = db.collection('sessions');
    await c.createIndex({ expires: 1 }, { expireAfterSeconds: 0 });
    await c.insertMany([
      { _id: 'old' as never, expires: new Date(Date.now() - 1000) },
      { _id: 'new' as never, expires: new Date(Date.now() + 3_600_000) },
    ]);
    assert.ok(server.sweepTtl() >= 1);
    assert.deepEqual(
      (await c.find().toArray()).map((d) => d._id),
      ['new'],
    );
    const mod = await db.command({ collMod: 'sessions', index: { keyPattern: { expires: 1 }, expireAfterSeconds: 60 } });
    assert.equal(mod.expireAfterSeconds_new, 60);
    assert.equal((await c.listIndexes().toArray())[1].expireAfterSeconds, 60);
    await assert.rejects(db.command({ collMod: 'sessions', validator: {} }), { code: 2 });
  });

  it('runs the TTL sweep on its timer', async () => {
    const timed = await startEmbeddedServer({ dataDir: null, ttlIntervalMs: 50 });
    const tc = new MongoClient(timed.uri);
    try {
      const c = tc.db('ttl').collection('t');
      await c.createIndex({ at: 1 }, { expireAfterSeconds: 1 });
      await c.insertOne({ at: new Date(Date.now() - 5000) });
      const deadline = Date.now() + 3000;
      while ((await c.countDocuments()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      assert.equal(await c.countDocuments(), 0);
    } finally {
      await tc.close();
      await timed.close();
    }
  });

  it('lists, creates and drops collections and databases', async () => {
    const other = client.db('droptest');
    await other.createCollection('a');
    await assert.rejects(other.createCollection('a'), { code: 48, codeName: 'NamespaceExists' });
    await other.collection('b').insertOne({ x: 1 });
    assert.deepEqual((await other.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort(), ['a', 'b']);
    assert.deepEqual(
      (await other.listCollections({ name: 'b' }).toArray()).map((c) => c.name),
      ['b'],
    );
    const dbs = await client.db('admin').admin().listDatabases();
    assert.ok(dbs.databases.some((d) => d.name === 'droptest'));
    assert.equal(await other.collection('a').drop(), true);
    assert.equal(await other.collection('a').drop(), false);
    assert.equal(await other.dropDatabase(), true);
    assert.deepEqual(await other.listCollections().toArray(), []);
    const names = await client.db('admin').admin().listDatabases({ nameOnly: true });
    assert.ok(!names.databases.some((d) => d.name === 'droptest'));
  });

  it('answers stats and explain', async () => {
    const stats = await db.command({ dbStats: 1 });
    assert.equal(stats.ok, 1);
    assert.equal((await db.command({ collStats: 'items' })).ok, 1);
    const plan = await db.collection('items').find({ group: 'g1' }).explain('executionStats');
    assert.ok(plan.queryPlanner);
    const aggPlan = await db
      .collection('items')
      .aggregate([{ $match: { group: 'g1' } }])
      .explain();
    assert.equal(aggPlan.ok, 1);
  });

  it('round-trips large integers, fractions and binaries', async () => {
    const c = db.collection('types');
    await c.insertOne({ _id: 1 as never, big: 2 ** 40, small: 7, frac: 1.5, bin: Buffer.from([1, 2, 3]) });
    const doc = await c.findOne({ _id: 1 as never });
    assert.equal(doc?.big, 2 ** 40);
    assert.equal(doc?.small, 7);
    assert.equal(doc?.frac, 1.5);
    assert.deepEqual(Buffer.from(doc?.bin.buffer), Buffer.from([1, 2, 3]));
  });
});
