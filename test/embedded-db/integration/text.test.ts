/** `$text` through the official driver against the embedded server. */
import assert from 'node:assert/strict';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { startEmbeddedServer, type EmbeddedServer } from '../../../server/db/embedded/server';

async function errorCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MongoServerError, `expected MongoServerError, got ${String(e)}`);
    return e.code as number;
  }
  assert.fail('expected an error');
}

describe('embedded db: $text through the driver', () => {
  let server: EmbeddedServer;
  let client: MongoClient;
  let db: Db;

  before(async () => {
    server = await startEmbeddedServer({ dataDir: null });
    client = new MongoClient(server.uri);
    await client.connect();
    db = client.db('texttest');
    await db.collection('posts').insertMany([
      { _id: 1 as never, title: 'Locked out of my account', body: 'Password reset mail never arrives', status: 'open' },
      { _id: 2 as never, title: 'Mail sync stops', body: 'The lock screen widget shows no mail', status: 'answered' },
      { _id: 3 as never, title: 'Battery drains fast', body: 'Since the update the battery is empty by noon', status: 'answered' },
    ]);
    await db.collection('posts').createIndex({ title: 'text', body: 'text' }, { weights: { title: 10 }, name: 'posts_text' });
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  it('finds with score projection and sort, filters, countDocuments and aggregate', async () => {
    const c = db.collection('posts');
    const hits = await c
      .find({ $text: { $search: 'locking mail' } }, { projection: { title: 1, score: { $meta: 'textScore' } } })
      .sort({ score: { $meta: 'textScore' } })
      .toArray();
    assert.deepEqual(
      hits.map((h) => h._id),
      [1, 2],
    );
    assert.ok(hits[0].score > hits[1].score);
    assert.deepEqual(Object.keys(hits[0]), ['_id', 'title', 'score']);

    const open = await c.find({ $text: { $search: 'mail' }, status: 'open' }).toArray();
    assert.deepEqual(
      open.map((h) => h._id),
      [1],
    );
    assert.equal(await c.countDocuments({ $text: { $search: 'mail' } }), 2);
    assert.equal(await c.countDocuments({ $text: { $search: '"battery drains"' } }), 1);

    const agg = await c
      .aggregate([{ $match: { $text: { $search: 'battery -noon' } } }, { $project: { s: { $meta: 'textScore' } } }])
      .toArray();
    assert.deepEqual(agg, []);
    const agg2 = await c
      .aggregate([{ $match: { $text: { $search: 'battery' } } }, { $project: { _id: 1, s: { $meta: 'textScore' } } }])
      .toArray();
    assert.equal(agg2.length, 1);
    assert.equal(typeof agg2[0].s, 'number');
  });

  it('answers errors with MongoDB codes', async () => {
    const c = db.collection('posts');
    assert.equal(await errorCode(c.find({ $or: [{ $text: { $search: 'mail' } }, { status: 'open' }] }).toArray()), 2);
    assert.equal(
      await errorCode(
        c
          .find({})
          .sort({ s: { $meta: 'textScore' } })
          .toArray(),
      ),
      2,
    );
    await db.collection('plain').insertOne({ body: 'mail' });
    assert.equal(
      await errorCode(
        db
          .collection('plain')
          .find({ $text: { $search: 'mail' } })
          .toArray(),
      ),
      27,
    );
    const indexes = await c.listIndexes().toArray();
    assert.ok(indexes.some((i) => i.name === 'posts_text'));
  });
});
