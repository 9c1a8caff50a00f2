import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { BSON, type Document } from 'mongodb';
import { startEmbeddedServer, type EmbeddedServer } from '../../../server/db/embedded';
import { createLogger } from '../../../server/kernel/logger';
import { testConfig } from '../../../server/config';
import { FakeClock } from '../../../server/kernel/clock';
import { runCommand, type CliContext } from '../../../server/cli/registry';
import '../../../server/cli/commands';
import { ensureDefaultProducts } from '../../../server/threads/service';
import { startTestApp } from '../../helpers/app';
import { createUser, signIn } from '../../helpers/users';

/** Every collection as canonical EJSON strings, sorted: equal iff the documents are equal. */
async function snapshot(): Promise<Record<string, string[]>> {
  const db = mongoose.connection.db!;
  const out: Record<string, string[]> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (name.startsWith('system.')) continue;
    const docs = await db.collection(name).find({}).toArray();
    out[name] = docs.map((d) => BSON.EJSON.stringify(d, { relaxed: false })).sort();
  }
  return out;
}

async function indexSnapshot(): Promise<Record<string, string[]>> {
  const db = mongoose.connection.db!;
  const out: Record<string, string[]> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    const ix = await db.collection(name).listIndexes().toArray();
    // "background" is a no-op option since MongoDB 4.2; import leaves it out.
    out[name] = ix.map(({ v: _v, ns: _ns, background: _bg, ...rest }: Document) => JSON.stringify(rest)).sort();
  }
  return out;
}

describe('ops: export -> import round trip into a fresh embedded database', function () {
  this.timeout(60_000);
  let dir: string;
  const lines: string[] = [];
  const ctx = (): CliContext => ({
    config: testConfig(),
    logger: createLogger('silent'),
    clock: new FakeClock(),
    out: (l) => lines.push(l),
    err: (l) => lines.push(`ERR ${l}`),
    interactive: false,
  });
  let original: Record<string, string[]>;
  let originalIndexes: Record<string, string[]>;

  before(async () => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'forum-export-')), 'dump');
  });
  after(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('exports a database with forum data and unusual BSON types', async () => {
    const app = await startTestApp();
    try {
      await ensureDefaultProducts();
      const asker = await createUser({ username: 'exporter' });
      const agent = app.agent();
      const { csrfToken } = await signIn(agent, asker.username, asker.password);
      const products = (await agent.get('/api/products').expect(200)).body.products;
      const t = await agent
        .post('/api/threads')
        .set('X-CSRF-Token', csrfToken)
        .send({ title: 'Exported question with a title', body: 'Body **bold**', products: [products[0].id] });
      assert.equal(t.status, 201);
      await mongoose.connection.db!.collection<{ _id: unknown; [k: string]: unknown }>('odd_types').insertMany([
        {
          _id: new BSON.ObjectId(),
          long: BSON.Long.fromString('9007199254740993'),
          bin: new BSON.Binary(Buffer.from([0, 1, 2, 255])),
          when: new Date('2026-11-17T15:00:00.123Z'),
          int: 7,
          dbl: 7.5,
          nested: { arr: [1, 'two', null, { three: true }] },
          re: /ab+c/i,
        },
        { _id: 'string-id', empty: {}, list: [] },
      ]);
      await mongoose.connection
        .db!.collection('odd_types')
        .createIndex({ int: 1, dbl: -1 }, { name: 'int_dbl', unique: true, sparse: true });
      await mongoose.connection
        .db!.collection('odd_types')
        .createIndex({ when: 1 }, { name: 'when_ttl', expireAfterSeconds: 3600 * 24 * 365 * 100 });
      original = await snapshot();
      originalIndexes = await indexSnapshot();
      assert.equal(await runCommand('export', [dir], ctx()), 0, lines.join('\n'));
    } finally {
      await app.close();
    }
    const files = readdirSync(dir).sort();
    assert.ok(files.includes('indexes.json'));
    for (const name of Object.keys(original)) assert.ok(files.includes(`${name}.jsonl`), `${name}.jsonl written`);
    assert.match(lines.join('\n'), /^done: \d+ documents in \d+ collections$/m);
    assert.match(lines.join('\n'), /threads: 1 documents/);
    // One canonical EJSON document per line.
    const odd = readFileSync(path.join(dir, 'odd_types.jsonl'), 'utf8').trim().split('\n');
    assert.equal(odd.length, 2);
    assert.match(
      odd.find((l) => l.includes('long'))!,
      /"\$numberLong":"9007199254740993"/,
    );
    // Refuses to write into a directory that is not empty.
    assert.equal(await runCommand('export', [dir], ctx()), 1);
  });

  it('imports into a fresh embedded server: same documents, same indexes', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'forum-import-'));
    let server: EmbeddedServer | undefined;
    try {
      server = await startEmbeddedServer({ host: '127.0.0.1', port: 0, dataDir, logger: createLogger('silent') });
      await mongoose.connect(`${server.uri}/forum`);
      // As the CLI does before every command: the models build their indexes in the empty database.
      await Promise.all(mongoose.modelNames().map((m) => mongoose.model(m).init()));
      lines.length = 0;
      assert.equal(await runCommand('import', [dir], ctx()), 0, lines.join('\n'));
      assert.deepEqual(
        lines.filter((l) => l.startsWith('ERR')),
        [],
      );
      const after = await snapshot();
      for (const name of Object.keys(original)) assert.deepEqual(after[name], original[name], `documents of ${name}`);
      const afterIndexes = await indexSnapshot();
      for (const name of Object.keys(originalIndexes)) assert.deepEqual(afterIndexes[name], originalIndexes[name], `indexes of ${name}`);

      // A second import would mix data: refused unless --drop.
      lines.length = 0;
      assert.equal(await runCommand('import', [dir], ctx()), 1);
      assert.match(lines.join('\n'), /already hold documents/);
      assert.equal(await runCommand('import', [dir, '--drop'], ctx()), 0, lines.join('\n'));
      assert.deepEqual((await snapshot()).threads, original.threads);
    } finally {
      await mongoose.disconnect();
      await server?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('import rejects a directory that is not an export', async () => {
    lines.length = 0;
    assert.equal(await runCommand('import', [path.dirname(dir)], ctx()), 1);
    assert.match(lines.join('\n'), /not a directory written by "export"/);
  });
});
