/**
 * Connection hardening with raw sockets (helpers/raw-client.ts): a message larger than any
 * client may send is refused by closing the connection; a message that does not complete in
 * time, and an idle connection, are closed and their buffered bytes released; connections
 * over the configured limit are closed at once while the others keep working.
 */
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { startEmbeddedServer, type EmbeddedServer } from '../../../server/db/embedded/server';
import { MAX_MESSAGE_SIZE } from '../../../server/db/embedded/wire/constants';
import { createStubEngine } from './helpers/stub-engine';
import { opMsg, RawClient } from './helpers/raw-client';

/** Resolves when the server has closed `raw` (fails the test after `ms`). */
async function closedByServer(raw: RawClient, ms = 5000): Promise<void> {
  await raw.waitFor(Number.MAX_SAFE_INTEGER, ms);
  assert.equal(raw.closed, true, 'the server should have closed the connection');
}

async function ping(server: EmbeddedServer): Promise<number> {
  const raw = await RawClient.connect(server.port);
  try {
    await raw.write(opMsg(1, { ping: 1, $db: 'admin' }));
    await raw.waitFor(1);
    return raw.replies[0]?.doc.ok as number;
  } finally {
    raw.destroy();
  }
}

describe('embedded db: connection limits', () => {
  let server: EmbeddedServer;
  afterEach(async () => server?.close());

  it('advertises 16 MiB + 16 KiB as maxMessageSizeBytes and closes a connection that announces more', async () => {
    server = await startEmbeddedServer({ engine: createStubEngine() });
    const client = new MongoClient(server.uri);
    const hello = await client.db('admin').command({ hello: 1 });
    await client.close();
    assert.equal(hello.maxMessageSizeBytes, 16 * 1024 * 1024 + 16 * 1024);
    assert.equal(hello.maxMessageSizeBytes, MAX_MESSAGE_SIZE);
    const raw = await RawClient.connect(server.port);
    const header = Buffer.alloc(16);
    header.writeInt32LE(MAX_MESSAGE_SIZE + 1, 0);
    header.writeInt32LE(2013, 12);
    await raw.write(header);
    await closedByServer(raw);
    assert.equal(raw.replies.length, 0);
    assert.equal(await ping(server), 1, 'other connections keep working');
  });

  it('a client can still send a document of the largest size in one message', async () => {
    server = await startEmbeddedServer({});
    const client = new MongoClient(server.uri);
    try {
      const big = 'x'.repeat(16 * 1024 * 1024 - 100);
      await client.db('big').collection('c').insertOne({ big });
      await client
        .db('big')
        .collection('c')
        .insertMany(Array.from({ length: 3 }, () => ({ big: 'y'.repeat(8 * 1024 * 1024) })));
      assert.equal(await client.db('big').collection('c').countDocuments(), 4);
    } finally {
      await client.close();
    }
  });

  it('closes a connection whose message does not complete in time, releasing what it buffered', async () => {
    server = await startEmbeddedServer({ engine: createStubEngine(), frameTimeoutMs: 200 });
    const raw = await RawClient.connect(server.port);
    const frame = opMsg(1, { ping: 1, $db: 'admin', pad: 'p'.repeat(1_000_000) });
    await raw.write(frame.subarray(0, frame.length - 10)); // all but the last bytes
    await closedByServer(raw);
    assert.equal(raw.replies.length, 0);
    assert.equal(await ping(server), 1);
  });

  it('a message sent slowly but completely is answered; an idle connection is closed after the idle timeout', async () => {
    server = await startEmbeddedServer({ engine: createStubEngine(), frameTimeoutMs: 5000, idleTimeoutMs: 300 });
    const raw = await RawClient.connect(server.port);
    const frame = opMsg(7, { ping: 1, $db: 'admin' });
    for (let i = 0; i < frame.length; i += 7) await raw.write(frame.subarray(i, i + 7));
    await raw.waitFor(1);
    assert.equal(raw.replies[0].doc.ok, 1);
    await closedByServer(raw); // then nothing more: idle
  });

  it('serves at most maxConnections at once; one more is closed at once, and a freed slot serves again', async () => {
    server = await startEmbeddedServer({ engine: createStubEngine(), maxConnections: 3 });
    const held = await Promise.all([1, 2, 3].map(() => RawClient.connect(server.port)));
    for (const [i, raw] of held.entries()) {
      await raw.write(opMsg(i, { ping: 1, $db: 'admin' }));
      await raw.waitFor(1);
      assert.equal(raw.replies[0].doc.ok, 1);
    }
    const extra = await RawClient.connect(server.port);
    await closedByServer(extra);
    held[0].destroy();
    // the slot is free once the server has seen the close: ask it
    for (let current = 3; current !== 2;) {
      current = ((await serverStatus(held[1])).connections as { current: number }).current;
    }
    const again = await RawClient.connect(server.port);
    await again.write(opMsg(9, { ping: 1, $db: 'admin' }));
    await again.waitFor(1);
    assert.equal(again.replies[0]?.doc.ok, 1);
    again.destroy();
    const status = await serverStatus(held[1]);
    assert.ok((status.connections as { rejected: number }).rejected >= 1);
    const conns = status.connections as { available: number; current: number };
    assert.equal(conns.available, 3 - conns.current);
    for (const raw of held) raw.destroy();
  });
});

async function serverStatus(raw: RawClient) {
  const before = raw.replies.length;
  await raw.write(opMsg(42, { serverStatus: 1, $db: 'admin' }));
  await raw.waitFor(before + 1);
  return raw.replies[before].doc;
}
