/**
 * The wire layer through the real driver and raw sockets, over a stub engine
 * (helpers/stub-engine.ts): framing, handshake, cursors, errors, robustness.
 */
import assert from 'node:assert/strict';
import { Long, MongoClient, MongoServerError, type CommandStartedEvent } from 'mongodb';
import { startEmbeddedServer, type EmbeddedServer } from '../../../server/db/embedded/server';
import { createStubEngine } from './helpers/stub-engine';
import { opMsg, opQuery, RawClient } from './helpers/raw-client';

describe('embedded db: wire protocol (stub engine)', () => {
  let server: EmbeddedServer;
  let client: MongoClient;
  let engine: ReturnType<typeof createStubEngine>;
  const started: CommandStartedEvent[] = [];

  before(async () => {
    engine = createStubEngine();
    server = await startEmbeddedServer({ engine });
    client = new MongoClient(server.uri, { monitorCommands: true });
    client.on('commandStarted', (e) => started.push(e));
    await client.connect();
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  it('answers the handshake, ping and hello as a writable standalone', async () => {
    assert.deepEqual(await client.db('admin').command({ ping: 1 }), { ok: 1 });
    const hello = await client.db('admin').command({ hello: 1 });
    assert.equal(hello.isWritablePrimary, true);
    assert.equal(hello.ismaster, true);
    assert.equal(hello.maxWireVersion, 21);
    assert.equal(hello.logicalSessionTimeoutMinutes, 30);
    for (const forbidden of ['topologyVersion', 'setName', 'msg', 'compression']) assert.equal(hello[forbidden], undefined, forbidden);
    for (const alias of ['isMaster', 'ismaster']) assert.equal((await client.db('admin').command({ [alias]: 1 })).ismaster, true);
  });

  it('speaks hello over OP_MSG from the start when serverApi is set', async () => {
    const versioned = new MongoClient(server.uri, { serverApi: { version: '1', strict: false } });
    try {
      assert.deepEqual(await versioned.db('admin').command({ ping: 1 }), { ok: 1 });
    } finally {
      await versioned.close();
    }
  });

  it('gives decoded binaries their own bytes (a stored value never pins a socket chunk)', async () => {
    const bin = Buffer.alloc(100, 7);
    await client
      .db('bin')
      .collection<{ _id: number; bin: Buffer; pad?: string }>('b')
      .insertMany([
        { _id: 1, bin, pad: 'x'.repeat(20_000) },
        { _id: 2, bin },
      ]);
    const [stored] = engine.find('bin', 'b', { filter: { _id: 2 } });
    const view = (stored.bin as { buffer: Uint8Array }).buffer;
    assert.deepEqual(Buffer.from(view), bin);
    assert.ok(view.buffer.byteLength < 1000, `binary pins ${view.buffer.byteLength} bytes`);
  });

  it('answers the tool commands mongosh and Compass send', async () => {
    const admin = client.db('admin');
    const info = await admin.command({ buildInfo: 1 });
    assert.match(info.version, /^7\./);
    assert.deepEqual(info.versionArray.slice(0, 2), [7, 0]);
    const status = await admin.command({ serverStatus: 1 });
    assert.equal(status.pid, process.pid);
    assert.ok(status.connections.current >= 1);
    assert.equal(typeof status.uptime, 'number');
    assert.ok((await admin.command({ hostInfo: 1 })).system.hostname);
    assert.match((await admin.command({ whatsmyuri: 1 })).you, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual((await admin.command({ connectionStatus: 1 })).authInfo.authenticatedUsers, []);
    assert.equal((await admin.command({ getCmdLineOpts: 1 })).parsed.net.port, server.port);
    assert.deepEqual((await admin.command({ getLog: 'startupWarnings' })).log, []);
    assert.equal((await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 })).featureCompatibilityVersion.version, '7.0');
    await assert.rejects(admin.command({ setParameter: 1, logLevel: 1 }), { code: 115, codeName: 'CommandNotSupported' });
  });

  it('answers unknown and wrongly cased commands with 59 CommandNotFound', async () => {
    await assert.rejects(client.db('x').command({ frobnicate: 1 }), (err: MongoServerError) => {
      assert.equal(err.code, 59);
      assert.equal(err.codeName, 'CommandNotFound');
      assert.equal(err.message, "no such command: 'frobnicate'");
      return true;
    });
    await assert.rejects(client.db('x').command({ Ping: 1 }), { code: 59 });
  });

  it('turns an unexpected exception in a handler into 8 UnknownError and keeps serving', async () => {
    const original = engine.distinct;
    engine.distinct = () => {
      throw new TypeError('kaput');
    };
    try {
      await assert.rejects(client.db('x').collection('c').distinct('a'), { code: 8, codeName: 'UnknownError', message: /kaput/ });
    } finally {
      engine.distinct = original;
    }
    assert.deepEqual(await client.db('x').collection('c').distinct('a'), []);
  });

  it('refuses transactions with 20 IllegalOperation', async () => {
    const session = client.startSession();
    const c = client.db('t').collection('c');
    try {
      session.startTransaction();
      await assert.rejects(c.findOne({}, { session }), (err: MongoServerError) => {
        assert.equal(err.code, 20);
        assert.equal(err.codeName, 'IllegalOperation');
        assert.match(err.message, /Transaction numbers are only allowed on a replica set member or mongos/);
        return true;
      });
      // For writes the driver itself rewrites code 20 into its retryable-writes advice.
      await assert.rejects(c.insertOne({ a: 1 }, { session }), (err: MongoServerError & { originalError?: MongoServerError }) => {
        assert.equal(err.originalError?.code, 20);
        return true;
      });
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
    assert.equal(await c.countDocuments({ a: 1 }), 0);
  });

  it('refuses fields a command does not define with 40415, before the engine sees the command', async () => {
    const c = client.db('t').collection('c');
    await assert.rejects(c.updateOne({}, { $set: { a: 1 } }, { sort: { _id: -1 } }), {
      code: 40415,
      message: "BSON field 'update.updates.sort' is an unknown field.",
    });
    await assert.rejects(client.db('t').command({ find: 'c', filterr: {} }), { code: 40415, message: /'find.filterr'/ });
  });

  it('refuses authentication with a clear message', async () => {
    const authed = new MongoClient(`mongodb://u:p@127.0.0.1:${server.port}/?authSource=admin`, { serverSelectionTimeoutMS: 2000 });
    await assert.rejects(authed.connect(), /authentication is not supported by the embedded server/);
    await authed.close();
  });

  it('streams a cursor past its first batch with Long ids and getMore', async () => {
    const c = client.db('cur').collection<{ _id: number; pad?: string }>('docs');
    await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i, pad: 'x'.repeat(10) })));
    started.length = 0;
    const replies: unknown[] = [];
    const onSucceeded = (e: { commandName: string; reply: unknown }) => replies.push(e);
    client.on('commandSucceeded', onSucceeded);
    const docs = await c.find({}, { batchSize: 50, sort: { _id: 1 } }).toArray();
    client.off('commandSucceeded', onSucceeded);
    assert.equal(docs.length, 250);
    assert.deepEqual(
      docs.map((d) => d._id),
      Array.from({ length: 250 }, (_, i) => i),
    );
    assert.equal(started.filter((e) => e.commandName === 'getMore').length, 4);
    assert.ok(Number((replies[0] as { reply: { cursor: { id: unknown } } }).reply.cursor.id) > 0);

    // default first batch is 101
    started.length = 0;
    assert.equal((await c.find({}).toArray()).length, 250);
    assert.equal(started.filter((e) => e.commandName === 'getMore').length, 1);

    // limit; then singleBatch (negative limit): one reply, no cursor left open
    started.length = 0;
    assert.equal((await c.find({}, { limit: 120 }).toArray()).length, 120);
    assert.equal(started.filter((e) => e.commandName === 'getMore').length, 1);
    started.length = 0;
    assert.equal((await c.find({}, { limit: -30 }).toArray()).length, 30);
    assert.equal((await c.find({}, { limit: -30, batchSize: 10 }).toArray()).length, 10);
    assert.equal(started.filter((e) => e.commandName === 'getMore').length, 0);
  });

  it('kills cursors and answers getMore on unknown ids or other namespaces with errors', async () => {
    const db = client.db('cur');
    const first = await db.command({ find: 'docs', batchSize: 2 }, { promoteLongs: false });
    const id = first.cursor.id as Long;
    assert.ok(Long.isLong(id) && !id.isZero(), 'cursor ids are int64 on the wire');
    await assert.rejects(db.command({ getMore: id, collection: 'other' }), { code: 2, message: /belongs to namespace/ });
    const more = await db.command({ getMore: id, collection: 'docs', batchSize: 3 });
    assert.equal(more.cursor.nextBatch.length, 3);
    const killed = await db.command({ killCursors: 'docs', cursors: [id, Long.fromNumber(12345)] }, { promoteLongs: false });
    assert.equal(killed.cursorsKilled.length, 1);
    assert.ok(killed.cursorsKilled[0].equals(id));
    assert.equal(killed.cursorsNotFound.length, 1);
    await assert.rejects(db.command({ getMore: id, collection: 'docs' }), { code: 43, codeName: 'CursorNotFound' });
  });

  it('applies w:0 writes sent with moreToCome', async () => {
    const c = client.db('w0').collection<{ _id: string }>('c');
    await c.insertOne({ _id: 'fire-and-forget' }, { writeConcern: { w: 0 } });
    await c.insertOne({ _id: 'acked' });
    assert.equal(await c.countDocuments({ _id: 'fire-and-forget' }), 1);
  });

  it('answers drop of a missing collection as the driver expects (false)', async () => {
    assert.equal(await client.db('nothing').collection('missing').drop(), false);
    await assert.rejects(client.db('nothing').command({ drop: 'missing' }), { code: 26, codeName: 'NamespaceNotFound' });
  });

  describe('raw frames', () => {
    let raw: RawClient;
    beforeEach(async () => {
      raw = await RawClient.connect(server.port);
    });
    afterEach(() => raw.destroy());

    it('answers a legacy OP_QUERY handshake with OP_REPLY', async () => {
      await raw.write(opQuery(7, 'admin.$cmd', { ismaster: 1, helloOk: true, client: { application: { name: 'raw' } } }));
      await raw.waitFor(1);
      assert.equal(raw.replies[0].opCode, 1);
      assert.equal(raw.replies[0].responseTo, 7);
      assert.equal(raw.replies[0].doc.ismaster, true);
      assert.equal(raw.replies[0].doc.helloOk, true);
    });

    it('reassembles frames split byte by byte and handles several frames in one chunk', async () => {
      const a = opMsg(1, { ping: 1, $db: 'admin' });
      const b = opMsg(2, { hello: 1, $db: 'admin' });
      for (const byte of a) await raw.write(Buffer.from([byte]));
      await raw.waitFor(1);
      await raw.write(Buffer.concat([b, a, b]));
      await raw.waitFor(4);
      assert.deepEqual(
        raw.replies.map((r) => r.responseTo),
        [1, 2, 1, 2],
      );
      assert.equal(raw.replies[0].doc.ok, 1);
    });

    it('merges kind-1 document sequences and skips a checksum', async () => {
      const docs = [{ _id: 'k1' }, { _id: 'k2' }, { _id: 'k3' }];
      await raw.write(opMsg(5, { insert: 'seq', $db: 'raw' }, { sequences: [['documents', docs]], checksum: true }));
      await raw.waitFor(1);
      assert.deepEqual(raw.replies[0].doc, { n: 3, ok: 1 });
      // an identifier is a field name, never a prototype
      await raw.write(opMsg(6, { insert: 'seq', $db: 'raw' }, { sequences: [['__proto__', docs]] }));
      await raw.waitFor(2);
      assert.equal(raw.replies[1].doc.code, 40415); // an unknown field of insert
    });

    it('sends no reply to moreToCome requests', async () => {
      await raw.write(Buffer.concat([opMsg(1, { endSessions: [], $db: 'admin' }, { flags: 2 }), opMsg(2, { ping: 1, $db: 'admin' })]));
      await raw.waitFor(1);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(
        raw.replies.map((r) => r.responseTo),
        [2],
      );
    });

    it('answers unknown opcodes, compression, invalid BSON and truncated sections with errors and keeps the socket', async () => {
      const unknown = opMsg(11, { ping: 1, $db: 'admin' });
      unknown.writeInt32LE(2010, 12);
      const compressed = opMsg(12, { ping: 1, $db: 'admin' });
      compressed.writeInt32LE(2012, 12);
      const badBson = opMsg(13, { ping: 1, $db: 'admin' });
      badBson[badBson.length - 1] = 7; // document terminator is not 0
      const truncated = opMsg(14, { ping: 1, $db: 'admin' });
      truncated.writeInt32LE(1000, 21); // body claims more bytes than the frame has
      const noDb = opMsg(15, { ping: 1 });
      await raw.write(Buffer.concat([unknown, compressed, badBson, truncated, noDb, opMsg(16, { ping: 1, $db: 'admin' })]));
      await raw.waitFor(6);
      const byId = new Map(raw.replies.map((r) => [r.responseTo, r.doc]));
      assert.equal(byId.get(11)?.code, 2);
      assert.match(byId.get(12)?.errmsg, /compressed/);
      assert.equal(byId.get(13)?.codeName, 'InvalidBSON');
      assert.equal(byId.get(14)?.codeName, 'FailedToParse');
      assert.match(byId.get(15)?.errmsg, /\$db/);
      assert.deepEqual(byId.get(16), { ok: 1 });
      assert.equal(raw.closed, false);
    });

    it('closes only the offending socket on broken framing; other clients keep working', async () => {
      const tiny = Buffer.alloc(16);
      tiny.writeInt32LE(8, 0);
      await raw.write(tiny);
      await raw.waitFor(1);
      assert.equal(raw.closed, true);

      const huge = await RawClient.connect(server.port);
      const head = Buffer.alloc(16);
      head.writeInt32LE(49_000_000, 0);
      await huge.write(head);
      await huge.waitFor(1);
      assert.equal(huge.closed, true);

      const garbage = await RawClient.connect(server.port);
      await garbage.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      await garbage.waitFor(1);
      assert.equal(garbage.closed, true);

      const truncated = await RawClient.connect(server.port);
      await truncated.write(opMsg(1, { ping: 1, $db: 'admin' }).subarray(0, 20));
      truncated.destroy();

      assert.deepEqual(await client.db('admin').command({ ping: 1 }), { ok: 1 });
      assert.equal(await client.db('cur').collection('docs').countDocuments({}), 250);
    });
  });
});
