/**
 * Storage format 2 on disk (engine/sqlite-store.ts, catalog.ts, migrate.ts): start-up reads
 * no document, owner-only file modes, and the one-time migration of a format-1 directory,
 * including a migration killed halfway (a real child process, SIGKILL).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ObjectId, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import { MongoCommandError, type Engine } from '../../../server/db/embedded/engine-api';
import { openEngine } from '../../../server/db/embedded/engine';
import type { EmbeddedEngine } from '../../../server/db/embedded/engine/engine';
import { startEmbeddedServer } from '../../../server/db/embedded/server';
import { writeFormat1 } from './helpers/format1';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MongoCommandError, `expected MongoCommandError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected an error');
}

const THREADS = 'forum.threads';
const threadDocs = (n: number): Document[] =>
  Array.from({ length: n }, (_, i) => ({
    _id: new ObjectId(),
    n: i,
    slug: `t${i}`,
    tags: [`tag${i % 7}`, 'all'],
    title: i % 50 === 0 ? `Printer offline number ${i}` : `Question ${i} about the installer`,
    at: new Date(1_700_000_000_000 + i * 1000),
  }));
const THREAD_INDEXES = [
  { v: 2, key: { slug: 1 }, name: 'slug_1', unique: true },
  { v: 2, key: { tags: 1, at: -1 }, name: 'tags_1_at_-1' },
  { v: 2, key: { title: 'text' }, name: 'title_text', weights: { title: 3 } },
];

describe('embedded engine: storage on disk', function () {
  this.timeout(60_000);
  let dir: string;
  let e: Engine | null = null;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-storage-'));
  });
  afterEach(() => {
    e?.close();
    e = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens a data directory without reading its documents', () => {
    const data = path.join(dir, 'data');
    e = openEngine({ dataDir: data });
    e.createIndexes('forum', 'c', [{ key: { n: 1 }, name: 'n_1' }]);
    e.insert(
      'forum',
      'c',
      Array.from({ length: 2000 }, (_, i) => ({ _id: i, n: i, body: 'x'.repeat(200) })),
    );
    e.close();
    // every stored document becomes unreadable behind the engine's back
    const side = new Database(path.join(data, 'embedded.sqlite'));
    const table = `c${side.prepare("SELECT id FROM catalog_collections WHERE ns = 'forum.c'").pluck().get() as number}`;
    side.exec(`UPDATE ${table} SET doc = x'ffff0000'`);
    side.close();

    e = openEngine({ dataDir: data });
    const engine = e as EmbeddedEngine;
    assert.equal(engine.store.docsRead, 0, 'no document read at start-up');
    assert.equal(e.count('forum', 'c', {}), 2000, 'count from the catalog');
    assert.equal(e.count('forum', 'c', { query: { n: { $gte: 100, $lt: 300 } } }), 200, 'count from the index');
    assert.deepEqual(
      e.listIndexes('forum', 'c').map((s) => s.name),
      ['_id_', 'n_1'],
    );
    assert.equal(engine.store.docsRead, 0);
    // reading a document now fails as a command error, it does not crash
    assert.equal(typeof code(() => e!.find('forum', 'c', { filter: { _id: 5 } })), 'number');
  });

  it('creates the data directory 0700 and its files 0600', () => {
    const data = path.join(dir, 'fresh');
    e = openEngine({ dataDir: data });
    e.insert('forum', 'c', [{ _id: 1 }], { durable: true });
    assert.equal(fs.statSync(data).mode & 0o777, 0o700);
    for (const f of fs.readdirSync(data)) {
      assert.equal(fs.statSync(path.join(data, f)).mode & 0o777, 0o600, f);
    }
  });

  it('migrates a format-1 directory: documents in order, indexes rebuilt and used, text search, counts', async () => {
    const docs = threadDocs(1200);
    writeFormat1(dir, [
      { ns: THREADS, indexes: THREAD_INDEXES, docs },
      { ns: 'forum.users', options: {}, docs: [{ _id: 'u1', name: 'Ann' }] },
      { ns: 'forum.empty', options: {}, docs: [] },
    ]);
    const lines: string[] = [];
    const logger = {
      info: (_o: unknown, msg?: string) => lines.push(String(msg)),
      warn: (_o: unknown, msg?: string) => lines.push(`warn ${msg}`),
    };
    e = openEngine({ dataDir: dir, logger, migration: { batch: 100, progressEveryMs: 0 } });
    assert.ok(lines.includes('embedded engine: migrating data to format 2'));
    assert.ok(lines.some((l) => l === 'embedded engine: migration progress'));
    assert.ok(lines.includes('embedded engine: migration to format 2 done'));
    assert.ok(!lines.some((l) => l.startsWith('warn')), lines.join('\n'));

    assert.deepEqual(
      e.listCollections('forum').map((c) => c.name),
      ['empty', 'threads', 'users'],
    );
    assert.deepEqual(
      e.find('forum', 'threads', {}).map((d) => d.n),
      docs.map((d) => d.n),
      'natural order kept',
    );
    assert.deepEqual(e.find('forum', 'threads', { filter: { _id: docs[7]._id } }), [docs[7]]);
    assert.deepEqual(e.listIndexes('forum', 'threads'), [{ v: 2, key: { _id: 1 }, name: '_id_' }, ...THREAD_INDEXES]);
    const plan = (f: Document) =>
      ((e!.explainFind!('forum', 'threads', { filter: f }).queryPlanner as Document).winningPlan as Document).indexName;
    assert.equal(plan({ slug: 't5' }), 'slug_1');
    assert.equal(plan({ tags: 'tag3' }), 'tags_1_at_-1');
    assert.equal(e.count('forum', 'threads', { query: { tags: 'tag3' } }), docs.filter((d) => d.tags.includes('tag3')).length);
    assert.equal(e.insert('forum', 'threads', [{ slug: 't5' }]).writeErrors[0].code, 11000);
    const hits = e.find('forum', 'threads', { filter: { $text: { $search: 'printer' } } });
    assert.equal(hits.length, docs.filter((d) => d.title.startsWith('Printer')).length);
    assert.equal(e.count('forum', 'threads', {}), 1200);
    assert.deepEqual(e.find('forum', 'users', {}), [{ _id: 'u1', name: 'Ann' }]);
    e.close();

    // format 2 now: the old tables are gone, the next start migrates nothing
    const side = new Database(path.join(dir, 'embedded.sqlite'));
    assert.equal(side.prepare("SELECT count(*) FROM sqlite_schema WHERE name IN ('documents', 'collections', 'indexes')").pluck().get(), 0);
    side.close();
    lines.length = 0;
    e = openEngine({ dataDir: dir, logger });
    assert.ok(!lines.some((l) => l.includes('migrat')));
    e.close();
    e = null;
    // and the server serves it through the driver
    const server = await startEmbeddedServer({ dataDir: dir });
    const client = new MongoClient(server.uri);
    try {
      assert.equal(await client.db('forum').collection('threads').countDocuments({ tags: 'all' }), 1200);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('drops an index the old data cannot hold, with a warning, and migrates the rest', () => {
    writeFormat1(dir, [
      {
        ns: 'forum.c',
        indexes: [
          { v: 2, key: { a: 1 }, name: 'a_1', unique: true },
          { v: 2, key: { b: 1 }, name: 'b_1' },
        ],
        docs: [
          { _id: 1, a: 1, b: 1 },
          { _id: 2, a: 1, b: 2 },
        ],
      },
    ]);
    const warnings: unknown[] = [];
    e = openEngine({ dataDir: dir, logger: { info() {}, warn: (o: unknown) => warnings.push(o) } });
    assert.equal(warnings.length, 1);
    assert.deepEqual(
      e.listIndexes('forum', 'c').map((s) => s.name),
      ['_id_', 'b_1'],
    );
    assert.equal(e.count('forum', 'c', {}), 2);
  });

  it('a migration killed halfway resumes at the next start: every document once, indexes complete', async () => {
    const docs = threadDocs(4000);
    writeFormat1(dir, [{ ns: THREADS, indexes: THREAD_INDEXES, docs }]);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'helpers/migrate-child.ts'), dir, '20'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += d;
        // kill once a few copy steps are committed
        const copied = [...out.matchAll(/"phase":"copy","done":(\d+)/g)].map((m) => Number(m[1]));
        if (copied.length && copied[copied.length - 1] >= 200 && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`the child finished before it could be killed:\n${out}`)));
    });
    await new Promise((r) => child.once('exit', r));
    const side = new Database(path.join(dir, 'embedded.sqlite'), { readonly: true });
    assert.equal(side.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'documents'").pluck().get(), 1, 'killed before the end');
    side.close();

    e = openEngine({ dataDir: dir, migration: { batch: 500 } });
    const all = e.find('forum', 'threads', {});
    assert.equal(all.length, 4000);
    assert.deepEqual(
      all.map((d) => d.n),
      docs.map((d) => d.n),
    );
    assert.equal(e.count('forum', 'threads', {}), 4000);
    assert.equal(e.count('forum', 'threads', { query: { tags: 'all' } }), 4000, 'the index holds every document');
    assert.equal(e.count('forum', 'threads', { query: { slug: { $gte: 't' } } }), 4000);
    assert.equal(e.find('forum', 'threads', { filter: { $text: { $search: 'printer' } } }).length, 80);
  });
});
