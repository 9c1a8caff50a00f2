/**
 * The data directory lock (server/db/embedded/datadir-lock.ts) with real processes: one live
 * owner at a time, a SIGKILLed owner never blocks a restart, and a stale address file naming
 * a live pid (a reused pid, a zombie) does not count as an owner.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { isDataDirLocked } from '../../../server/db/embedded';
import { startEmbeddedServer } from '../../../server/db/embedded/server';
import { createStubEngine } from './helpers/stub-engine';
import { exited, helpersDir, spawnTs } from './helpers/spawn';
import { tempDirPerTest } from './helpers/temp-dir';

const childServer = path.join(helpersDir, 'child-server.ts');

describe('embedded db: data directory lock', function () {
  this.timeout(60_000);
  const dir = tempDirPerTest('embedded-lock');

  it('refuses a second server in this process, naming the owner; frees the directory on close', async () => {
    const first = await startEmbeddedServer({ dataDir: dir(), engine: createStubEngine() });
    try {
      assert.equal(isDataDirLocked(dir()), true);
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir(), 'embedded.address'), 'utf8')), { uri: first.uri, pid: process.pid });
      const engine = createStubEngine();
      await assert.rejects(startEmbeddedServer({ dataDir: dir(), engine }), (err: Error) => {
        assert.match(err.message, new RegExp(`already in use .*pid ${process.pid}`));
        assert.ok(err.message.includes(first.uri));
        return true;
      });
      assert.equal(isDataDirLocked(dir()), true, 'a refused attempt leaves the owner its lock');
    } finally {
      await first.close();
      await first.close(); // idempotent
    }
    assert.equal(isDataDirLocked(dir()), false);
    assert.equal(fs.existsSync(path.join(dir(), 'embedded.address')), false);
  });

  it('releases the directory when the port is taken', async () => {
    const other = await startEmbeddedServer({ engine: createStubEngine() });
    const engine = createStubEngine();
    try {
      await assert.rejects(startEmbeddedServer({ dataDir: dir(), port: other.port, engine }), { code: 'EADDRINUSE' });
      assert.equal(engine.closed, true);
      assert.equal(isDataDirLocked(dir()), false);
    } finally {
      await other.close();
    }
  });

  it('a stale address or legacy lock file naming a live pid does not block a start', async () => {
    // pid 1 is always alive: the situation of a restarted container whose old pid came back
    fs.writeFileSync(path.join(dir(), 'embedded.address'), JSON.stringify({ uri: 'mongodb://127.0.0.1:1', pid: 1 }));
    fs.writeFileSync(path.join(dir(), 'mongod.lock'), '1\n');
    const server = await startEmbeddedServer({ dataDir: dir(), engine: createStubEngine() });
    try {
      assert.equal(JSON.parse(fs.readFileSync(path.join(dir(), 'embedded.address'), 'utf8')).pid, process.pid);
      assert.equal(fs.existsSync(path.join(dir(), 'mongod.lock')), false);
    } finally {
      await server.close();
    }
  });

  it('two live processes never own one directory; after SIGKILL of the owner a new server starts at once', async () => {
    const first = await spawnTs(childServer, [dir()]);
    const { uri } = JSON.parse(first.line) as { uri: string };
    const client = new MongoClient(uri);
    await client.db('lock').collection('c').insertOne({ written: 'by the first owner' });
    await client.close();
    try {
      await assert.rejects(spawnTs(childServer, [dir()]), (err: Error) => {
        assert.match(err.message, /already in use/);
        assert.match(err.message, new RegExp(`pid ${first.child.pid}`));
        return true;
      });
      await assert.rejects(startEmbeddedServer({ dataDir: dir() }), /already in use/);
      assert.equal(isDataDirLocked(dir()), true);
    } finally {
      first.child.kill('SIGKILL');
      await exited(first.child);
    }
    // The kernel dropped the dead owner's lock: no pid check, no waiting.
    assert.equal(isDataDirLocked(dir()), false);
    const second = await spawnTs(childServer, [dir()]);
    try {
      const again = new MongoClient((JSON.parse(second.line) as { uri: string }).uri);
      assert.equal((await again.db('lock').collection('c').findOne())?.written, 'by the first owner');
      await again.close();
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await exited(second.child), 0);
    }
  });
});
