import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BSON, type Db, type Document } from 'mongodb';
import { startForum, type TestForum } from '../../helpers/kit';

/** Every collection as canonical EJSON strings, sorted: equal iff the documents are equal. */
async function snapshot(db: Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (name.startsWith('system.')) continue;
    const docs = await db.collection(name).find({}).toArray();
    out[name] = docs.map((d) => BSON.EJSON.stringify(d, { relaxed: false })).sort();
  }
  return out;
}

async function indexSnapshot(db: Db): Promise<Record<string, string[]>> {
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
  /** Runs a CLI command on `f`, collecting its output (errors prefixed ERR) in `lines`. */
  const cli = async (f: TestForum, name: string, args: string[]) => {
    const r = await f.cli(name, args);
    lines.push(...r.out, ...r.err.map((l) => `ERR ${l}`));
    return r.code;
  };
  let original: Record<string, string[]>;
  let originalIndexes: Record<string, string[]>;

  before(async () => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'forum-export-')), 'dump');
  });
  after(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('exports a database with forum data and unusual BSON types', async () => {
    const app = await startForum();
    try {
      const asker = await app.person('member', { name: 'exporter' });
      await asker.ask({ title: 'Exported question with a title', body: 'Body **bold**' });
      await app.db.collection<{ _id: unknown; [k: string]: unknown }>('odd_types').insertMany([
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
      await app.db.collection('odd_types').createIndex({ int: 1, dbl: -1 }, { name: 'int_dbl', unique: true, sparse: true });
      await app.db.collection('odd_types').createIndex({ when: 1 }, { name: 'when_ttl', expireAfterSeconds: 3600 * 24 * 365 * 100 });
      original = await snapshot(app.db);
      originalIndexes = await indexSnapshot(app.db);
      assert.equal(await cli(app, 'export', [dir]), 0, lines.join('\n'));
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
    const again = await startForum();
    try {
      assert.equal(await cli(again, 'export', [dir]), 1);
    } finally {
      await again.close();
    }
  });

  it('imports into a fresh embedded server: same documents, same indexes', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'forum-import-'));
    // A forum on a fresh data directory: its models build their indexes in the empty database,
    // as the CLI does before every command. Products are not created there, so import finds it empty.
    let fresh: TestForum | undefined;
    try {
      fresh = await startForum({ dataDir });
      await fresh.col('products').deleteMany({});
      lines.length = 0;
      assert.equal(await cli(fresh, 'import', [dir]), 0, lines.join('\n'));
      assert.deepEqual(
        lines.filter((l) => l.startsWith('ERR')),
        [],
      );
      const after = await snapshot(fresh.db);
      for (const name of Object.keys(original)) assert.deepEqual(after[name], original[name], `documents of ${name}`);
      const afterIndexes = await indexSnapshot(fresh.db);
      for (const name of Object.keys(originalIndexes)) assert.deepEqual(afterIndexes[name], originalIndexes[name], `indexes of ${name}`);

      // A second import would mix data: refused unless --drop.
      lines.length = 0;
      assert.equal(await cli(fresh, 'import', [dir]), 1);
      assert.match(lines.join('\n'), /already hold documents/);
      assert.equal(await cli(fresh, 'import', [dir, '--drop']), 0, lines.join('\n'));
      assert.deepEqual((await snapshot(fresh.db)).threads, original.threads);
    } finally {
      await fresh?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('import rejects a directory that is not an export', async () => {
    lines.length = 0;
    const f = await startForum();
    try {
      assert.equal(await cli(f, 'import', [path.dirname(dir)]), 1);
    } finally {
      await f.close();
    }
    assert.match(lines.join('\n'), /not a directory written by "export"/);
  });
});
