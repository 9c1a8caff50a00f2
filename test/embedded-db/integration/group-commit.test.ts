/**
 * Group commit in the embedded server (server.ts WriteGroup, catalog.ts deferCommits):
 * concurrent writes are acknowledged only once committed together, a failed group commit
 * fails and undoes every write of the group, and reads never see a write before its commit.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startEmbeddedServer, type EmbeddedServer } from '../../../server/db/embedded/server';
import { openEngine } from '../../../server/db/embedded/engine';
import type { EmbeddedEngine } from '../../../server/db/embedded/engine/engine';

describe('embedded db: group commit', function () {
  this.timeout(30_000);
  let dir: string;
  let server: EmbeddedServer | null = null;
  let client: MongoClient | null = null;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-group-'));
  });
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = null;
    server = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(engine?: EmbeddedEngine) {
    server = await startEmbeddedServer({ dataDir: dir, engine });
    client = new MongoClient(server.uri, { maxPoolSize: 32 });
    return client.db('g').collection<{ _id: number; v?: number }>('c');
  }

  it('acknowledges concurrent writes after one shared commit, and they survive a restart', async () => {
    const engine = openEngine({ dataDir: dir }) as EmbeddedEngine;
    const store = engine.catalog.store!;
    const commit = store.commit.bind(store);
    let commits = 0;
    store.commit = (durable) => {
      if (store.inTransaction) commits++;
      commit(durable);
    };
    const coll = await start(engine);
    await coll.insertOne({ _id: -1 }); // connection warm-up
    commits = 0;
    await Promise.all(Array.from({ length: 64 }, (_, i) => coll.insertOne({ _id: i, v: i })));
    await Promise.all(Array.from({ length: 64 }, (_, i) => coll.updateOne({ _id: i }, { $inc: { v: 1 } })));
    assert.ok(commits >= 2 && commits < 128, `writes were grouped (${commits} commits for 128 writes)`);
    await client!.close();
    await server!.close();
    const coll2 = await start();
    assert.equal(await coll2.countDocuments({ v: { $gte: 1 } }), 64);
    assert.equal((await coll2.findOne({ _id: 5 }))?.v, 6);
  });

  it('fails and undoes every write of a group whose commit fails', async () => {
    const engine = openEngine({ dataDir: dir }) as EmbeddedEngine;
    const coll = await start(engine);
    await coll.insertMany([
      { _id: 1, v: 1 },
      { _id: 2, v: 2 },
    ]);
    await Promise.all(Array.from({ length: 8 }, () => coll.findOne({ _id: 1 }))); // open connections
    const store = engine.catalog.store!;
    const commit = store.commit.bind(store);
    store.commit = () => {
      throw new Error('disk full');
    };
    const results = await Promise.allSettled([
      coll.insertOne({ _id: 3, v: 3 }),
      coll.updateOne({ _id: 1 }, { $set: { v: 10 } }),
      coll.deleteOne({ _id: 2 }),
      coll.findOneAndUpdate({ _id: 1 }, { $inc: { v: 1 } }),
      coll.insertOne({ _id: 4, v: 4 }),
    ]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.match(String((r as PromiseRejectedResult).reason), /storage write failed/);
    }
    store.commit = commit;
    assert.deepEqual(await coll.find().sort({ _id: 1 }).toArray(), [
      { _id: 1, v: 1 },
      { _id: 2, v: 2 },
    ]);
    await coll.insertOne({ _id: 5, v: 5 });
    assert.equal(await coll.countDocuments(), 3);
  });

  it('a read in the same turn as a write sees it only once it is committed', async () => {
    const engine = openEngine({ dataDir: dir }) as EmbeddedEngine;
    const coll = await start(engine);
    await Promise.all(Array.from({ length: 4 }, () => coll.findOne({})));
    const store = engine.catalog.store!;
    const commit = store.commit.bind(store);
    let committed = 0;
    store.commit = (durable) => {
      const open = store.inTransaction;
      commit(durable);
      if (open) committed++;
    };
    const findCursor = engine.findCursor.bind(engine);
    const seenUncommitted: number[] = [];
    engine.findCursor = (db, c, o) => {
      const cursor = findCursor(db, c, o);
      const next = cursor.next.bind(cursor);
      cursor.next = (n) => {
        const docs = next(n);
        if (docs.length && committed === 0) seenUncommitted.push(docs.length);
        return docs;
      };
      return cursor;
    };
    for (let i = 0; i < 20 && committed === 0; i++) {
      await Promise.all([coll.insertOne({ _id: 7 }), coll.findOne({ _id: 7 }), coll.findOne({ _id: 7 })]);
    }
    // whichever reached the server first, no read ever returned the not-yet-committed document
    assert.deepEqual(seenUncommitted, []);
    assert.equal(await coll.countDocuments({ _id: 7 }), 1);
  });
});
