/**
 * The embedded server in a worker thread (server/db/embedded/thread.ts), as the forum runs it
 * by default (EMBEDDED_DB_THREAD): same data directory rules as in-process, and a long
 * database command no longer holds the forum's event loop.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { testConfig } from '../../../server/config';
import { createLogger } from '../../../server/kernel/logger';
import { connectDatabase } from '../../../server/db/connect';
import { DataDirInUseError, isDataDirLocked, startEmbeddedServerThread } from '../../../server/db/embedded';
import { startEmbeddedServer } from '../../../server/db/embedded/server';
import { tempDirPerTest } from './helpers/temp-dir';

/**
 * Runs `work` while a 5 ms timer watches this thread; returns the longest gap between ticks as
 * a share of the work's wall time (1: the thread was held the whole time).
 */
async function stalledShare(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let last = start;
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    await work();
    const end = performance.now();
    return Math.max(longest, end - last) / (end - start);
  } finally {
    clearInterval(timer);
  }
}

describe('embedded db: server in a worker thread', function () {
  this.timeout(60_000);
  const dir = tempDirPerTest('embedded-thread');

  it('connectDatabase serves the data directory from a worker thread; the lock is held while it runs and free after close', async () => {
    const config = testConfig({ DATA_DIR: dir(), EMBEDDED_DB_THREAD: 'true' });
    const db = await connectDatabase(config, createLogger('silent'));
    try {
      assert.equal(db.kind, 'embedded');
      assert.match(db.uri, /embedded\.sock\/forum$/);
      await db.connection.collection('notes').insertMany([{ n: 1 }, { n: 2 }]);
      assert.equal(isDataDirLocked(dir()), true);
      // A second server on the directory, in a thread or not, is refused and names the owner.
      await assert.rejects(
        startEmbeddedServerThread({ dataDir: dir(), logLevel: 'silent' }),
        (err) => err instanceof DataDirInUseError && new RegExp(`pid ${process.pid}`).test(err.message),
      );
      await assert.rejects(startEmbeddedServer({ dataDir: dir() }), DataDirInUseError);
    } finally {
      await db.close();
    }
    assert.equal(isDataDirLocked(dir()), false);
    assert.equal(fs.existsSync(path.join(dir(), 'embedded.address')), false);

    // What the thread wrote is on disk for the next owner.
    const again = await startEmbeddedServer({ dataDir: dir() });
    const client = new MongoClient(again.uri);
    try {
      assert.deepEqual(
        (
          await client
            .db('forum')
            .collection('notes')
            .find({}, { projection: { _id: 0 } })
            .sort({ n: 1 })
            .toArray()
        ).map((d) => d.n),
        [1, 2],
      );
    } finally {
      await client.close();
      await again.close();
    }
  });

  it('a start-up failure in the thread rejects with the reason and leaves nothing running', async () => {
    const file = path.join(dir(), 'not-a-directory');
    fs.writeFileSync(file, 'x');
    await assert.rejects(startEmbeddedServerThread({ dataDir: file, logLevel: 'silent' }), /EEXIST|ENOTDIR|not a directory/i);
  });

  it('a long command holds the forum thread for far less time than the same command run in-process', async () => {
    const docs = Array.from({ length: 4_000 }, (_, i) => ({ i, key: `k${i % 997}`, text: `reply number ${i} `.repeat(8) }));
    // $group with an expression over every document answers in one small batch: one
    // synchronous stretch of work inside the server, little for the client to read.
    const pipeline = [{ $group: { _id: { $mod: [{ $strLenCP: { $concat: ['$key', '-', '$text'] } }, 7] }, n: { $sum: 1 } } }];
    // Three runs each: the in-process server holds this thread for most of every run; in its
    // own thread, at least one run leaves this thread free for most of the time (the least
    // share of three, so that one stall of a loaded machine does not decide).
    const shares = async (uri: string) => {
      const client = new MongoClient(uri);
      try {
        const c = client.db('load').collection('replies');
        await c.insertMany(docs.map((d) => ({ ...d })));
        const run = () => c.aggregate(pipeline).toArray();
        await run(); // warm both servers the same way
        const out: number[] = [];
        for (let i = 0; i < 3; i++) out.push(await stalledShare(run));
        return out;
      } finally {
        await client.close();
      }
    };
    const inProcess = await startEmbeddedServer({ dataDir: null });
    let inline: number[];
    try {
      inline = await shares(inProcess.uri);
    } finally {
      await inProcess.close();
    }
    const threaded = await startEmbeddedServerThread({ dataDir: null, logLevel: 'silent' });
    let apart: number[];
    try {
      apart = await shares(threaded.uri);
    } finally {
      await threaded.close();
    }
    const show = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    assert.ok(Math.min(...inline) > 0.6, `in-process, the command holds the thread for most of each run: ${show(inline)}`);
    assert.ok(Math.min(...apart) < 0.4, `in a worker thread, the command leaves this thread free: ${show(apart)}`);
  });
});
