/**
 * Durability of the embedded server: restarts, SIGKILL in the middle of a write stream,
 * the standalone CLI, and sharing a running server through connectDatabase.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { testConfig } from '../../../server/config';
import { createLogger } from '../../../server/kernel/logger';
import { connectDatabase } from '../../../server/db/connect';
import { isDataDirLocked } from '../../../server/db/embedded';
import { startEmbeddedServer } from '../../../server/db/embedded/server';
import { exited, helpersDir, spawnTs } from './helpers/spawn';
import { tempDirPerTest } from './helpers/temp-dir';

describe('embedded db: persistence', function () {
  this.timeout(60_000);
  const dir = tempDirPerTest('embedded-persist');

  it('keeps documents and indexes across a restart', async () => {
    let server = await startEmbeddedServer({ dataDir: dir() });
    let client = new MongoClient(server.uri);
    const c = () => client.db('forum').collection('threads');
    await c().createIndex({ slug: 1 }, { unique: true });
    await c().insertMany(Array.from({ length: 30 }, (_, i) => ({ slug: `t${i}`, n: i })));
    await c().updateOne({ slug: 't3' }, { $set: { n: 300 } });
    await c().deleteOne({ slug: 't4' });
    await client.close();
    await server.close();

    server = await startEmbeddedServer({ dataDir: dir() });
    client = new MongoClient(server.uri);
    try {
      assert.equal(await c().countDocuments(), 29);
      assert.equal((await c().findOne({ slug: 't3' }))?.n, 300);
      assert.deepEqual(
        (await c().listIndexes().toArray()).map((i) => i.name),
        ['_id_', 'slug_1'],
      );
      await assert.rejects(c().insertOne({ slug: 't5' }), { code: 11000 });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('after SIGKILL mid-stream, every acknowledged write is there and no batch is partial', async () => {
    const { child, line } = await spawnTs(path.join(helpersDir, 'child-server.ts'), [dir()]);
    const { uri } = JSON.parse(line) as { uri: string };
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, retryWrites: false });
    const acked: number[] = [];
    let stop = false;
    const writer = (async () => {
      const c = client.db('crash').collection('events');
      for (let batch = 0; !stop; batch++) {
        await c.insertMany(Array.from({ length: 10 }, (_, i) => ({ batch, i, payload: 'p'.repeat(200) })));
        acked.push(batch);
      }
    })().catch(() => undefined);
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited(child);
    stop = true;
    await writer;
    await client.close();

    const server = await startEmbeddedServer({ dataDir: dir() });
    const check = new MongoClient(server.uri);
    try {
      const docs = await check.db('crash').collection('events').find().toArray();
      const perBatch = new Map<number, number>();
      for (const d of docs) perBatch.set(d.batch, (perBatch.get(d.batch) ?? 0) + 1);
      for (const b of acked) assert.equal(perBatch.get(b), 10, `acknowledged batch ${b}`);
      for (const [b, n] of perBatch) assert.equal(n, 10, `batch ${b} is partial`);
      assert.ok(perBatch.size <= acked.length + 1);
    } finally {
      await check.close();
      await server.close();
    }
  });

  it('runs standalone from the CLI and stops cleanly on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const { child, line } = await spawnTs('server/db/cli.ts', ['--port', '0', '--dbpath', dir()]);
      assert.match(line, /^mongodb:\/\/127\.0\.0\.1:\d+$/);
      const client = new MongoClient(line);
      assert.deepEqual(await client.db('admin').command({ ping: 1 }), { ok: 1 });
      await client.close();
      child.kill(signal);
      assert.equal(await exited(child), 0);
      assert.equal(isDataDirLocked(dir()), false);
      assert.equal(fs.existsSync(path.join(dir(), 'embedded.address')), false);
    }
  });

  it('connectDatabase shares a server that already owns the data directory', async () => {
    const { child, line } = await spawnTs(path.join(helpersDir, 'child-server.ts'), [dir()]);
    const { uri } = JSON.parse(line) as { uri: string };
    try {
      const db = await connectDatabase(testConfig({ DATA_DIR: dir() }), createLogger('silent'));
      try {
        assert.equal(db.kind, 'embedded-shared');
        assert.equal(db.uri, `${uri}/forum`);
        await db.connection.collection('shared').insertOne({ ok: true });
      } finally {
        await db.close();
      }
      // and a server of our own refuses the directory, naming the owner
      await assert.rejects(startEmbeddedServer({ dataDir: dir() }), new RegExp(`pid ${child.pid}`));
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
    const own = await connectDatabase(testConfig({ DATA_DIR: dir() }), createLogger('silent'));
    try {
      assert.equal(own.kind, 'embedded');
      assert.equal(await own.connection.collection('shared').countDocuments(), 1);
    } finally {
      await own.close();
    }
  });
});
