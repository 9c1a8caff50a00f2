/**
 * Micro-benchmark of the embedded storage engine:
 *  1. one small insert per command (engine, SQLite-backed) vs raw better-sqlite3 inserting the
 *     same BSON blobs one per transaction;
 *  2. indexed find (equality + sort + limit) at 1k vs 100k documents;
 *  3. re-opening 100k documents;
 *  4. a `$inc` of a counter on a thread whose replies' text (text-indexed) holds 50 KB vs one
 *     holding a few words, the same question on both (each update its own command and
 *     commit, on disk).
 * Run: npx tsx bench/engine-micro.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BSON, ObjectId } from 'bson';
import { openEngine } from '../server/db/embedded';

const N_INSERT = Number(process.env.N_INSERT ?? 5000);

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'engine-bench-'));
}

function smallDoc(i: number) {
  return {
    _id: new ObjectId(),
    thread: `t${i % 100}`,
    author: `user${i % 37}`,
    n: i,
    body: 'hello world '.repeat(4),
    at: new Date(1700000000000 + i * 1000),
  };
}

function benchRawSqlite(docs: ReturnType<typeof smallDoc>[]): number {
  const dir = tmp();
  const db = new Database(path.join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE documents (ns TEXT NOT NULL, id_key TEXT NOT NULL, doc BLOB NOT NULL, PRIMARY KEY (ns, id_key))');
  const stmt = db.prepare('INSERT INTO documents (ns, id_key, doc) VALUES (?, ?, ?)');
  const tx = db.transaction((k: string, b: Uint8Array) => stmt.run('bench.posts', k, b));
  const t0 = performance.now();
  for (const d of docs) tx(d._id.toHexString(), BSON.serialize(d));
  const ms = performance.now() - t0;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return (docs.length / ms) * 1000;
}

function benchEngineInsert(docs: ReturnType<typeof smallDoc>[]): number {
  const dir = tmp();
  const e = openEngine({ dataDir: dir });
  e.createIndexes('bench', 'posts', [{ key: { thread: 1, at: -1 }, name: 'thread_1_at_-1' }]);
  const t0 = performance.now();
  for (const d of docs) {
    const r = e.insert('bench', 'posts', [d]);
    if (r.n !== 1) throw new Error('insert failed');
  }
  const ms = performance.now() - t0;
  e.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return (docs.length / ms) * 1000;
}

/** Both sizes return the same k = 10 documents (1k docs hold 10 per thread). */
function timeFinds(n: number): { eq: number; range: number } {
  const e = openEngine({});
  e.createIndexes('bench', 'posts', [
    { key: { thread: 1, at: -1 }, name: 'thread_1_at_-1' },
    { key: { author: 1 }, name: 'author_1' },
    { key: { n: 1 }, name: 'n_1' },
  ]);
  const batch: ReturnType<typeof smallDoc>[] = [];
  for (let i = 0; i < n; i++) {
    batch.push(smallDoc(i));
    if (batch.length === 5000) e.insert('bench', 'posts', batch.splice(0));
  }
  if (batch.length) e.insert('bench', 'posts', batch);
  const time = (q: (i: number) => unknown) => {
    for (let i = 0; i < 500; i++) q(i); // warm up
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const iters = 1000;
      const t0 = performance.now();
      for (let i = 0; i < iters; i++) q(i);
      best = Math.min(best, ((performance.now() - t0) / iters) * 1000);
    }
    return best;
  };
  const eq = time(() => e.find('bench', 'posts', { filter: { thread: 't7' }, sort: { at: -1 }, limit: 10 }));
  const range = time((i) => {
    const from = (i * 7919) % (n - 20);
    return e.find('bench', 'posts', { filter: { n: { $gte: from, $lt: from + 100 } }, limit: 10 });
  });
  e.close();
  return { eq, range };
}

function benchLoad(n: number): { writeMs: number; loadMs: number; loadCpuMs: number } {
  const dir = tmp();
  let e = openEngine({ dataDir: dir });
  e.createIndexes('bench', 'posts', [
    { key: { thread: 1, at: -1 }, name: 'thread_1_at_-1' },
    { key: { author: 1 }, name: 'author_1' },
  ]);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 5000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 5000); j++) batch.push(smallDoc(j));
    e.insert('bench', 'posts', batch);
  }
  const writeMs = performance.now() - t0;
  e.close();
  let loadMs = Infinity;
  let loadCpuMs = Infinity;
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage();
    const t1 = performance.now();
    e = openEngine({ dataDir: dir });
    loadMs = Math.min(loadMs, performance.now() - t1);
    const c = process.cpuUsage(c0);
    loadCpuMs = Math.min(loadCpuMs, (c.user + c.system) / 1000);
    if (round < 2) e.close();
  }
  if (e.count('bench', 'posts', {}) !== n) throw new Error('load lost documents');
  e.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { writeMs, loadMs, loadCpuMs };
}

// The machine is shared: alternate the two measurements and keep the best round of each.
let raw = 0;
let eng = 0;
for (let round = 0; round < 3; round++) {
  raw = Math.max(raw, benchRawSqlite(Array.from({ length: N_INSERT }, (_, i) => smallDoc(i))));
  eng = Math.max(eng, benchEngineInsert(Array.from({ length: N_INSERT }, (_, i) => smallDoc(i))));
}
console.log(`single-doc insert, ${N_INSERT} commands, best of 3 rounds:`);
console.log(`  raw better-sqlite3 (1 row/tx): ${raw.toFixed(0)} ops/s`);
console.log(`  engine insert (1 doc/command): ${eng.toFixed(0)} ops/s`);
console.log(`  ratio engine/raw: ${(eng / raw).toFixed(2)} (target >= 0.5)`);

timeFinds(1_000); // JIT warm-up of the whole path
const f1k = timeFinds(1_000);
const f100k = timeFinds(100_000);
console.log('indexed finds returning 10 documents, best of 5 x 1000 (target: 100k within 1.5x of 1k):');
console.log(
  `  {thread} sort {at:-1} limit 10: 1k ${f1k.eq.toFixed(1)} us, 100k ${f100k.eq.toFixed(1)} us, ratio ${(f100k.eq / f1k.eq).toFixed(2)}`,
);
console.log(
  `  {n: {$gte, $lt}} limit 10:       1k ${f1k.range.toFixed(1)} us, 100k ${f100k.range.toFixed(1)} us, ratio ${(f100k.range / f1k.range).toFixed(2)}`,
);

/**
 * Per-update CPU of `$inc` of a counter on a thread whose replies' text is a few words and on
 * one whose replies' text is at the 50 KB cap (the same question text on both), interleaved:
 * 10 rounds of 1000 updates each, medians and the spread of the per-round ratios. The large
 * thread is a split record (server/db/embedded/engine/split-records.ts): the increment writes
 * its head only.
 */
function benchIncText(): { small: number; large: number; ratios: number[] } {
  const dir = tmp();
  const e = openEngine({ dataDir: dir });
  e.createIndexes('bench', 'threads', [
    {
      key: { title: 'text', bodySource: 'text', searchText: 'text' },
      name: 'search',
      weights: { title: 10, bodySource: 2, searchText: 1 },
    },
  ]);
  const words = 'printer driver update error install restart screen account password settings'.split(' ');
  const text = (n: number) => Array.from({ length: n }, (_, i) => words[(i * 7) % words.length]).join(' ');
  e.insert('bench', 'threads', [
    { _id: 'small', title: 'Printer offline', bodySource: text(400), searchText: text(100), views: 0 },
    { _id: 'large', title: 'Printer offline', bodySource: text(400), searchText: text(6000).slice(0, 50_000), views: 0 },
  ]);
  const time = (id: string) => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < 1000; i++) e.update('bench', 'threads', [{ q: { _id: id }, u: { $inc: { views: 1 } } }]);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  time('small');
  time('large');
  const small: number[] = [];
  const large: number[] = [];
  for (let round = 0; round < 10; round++) {
    small.push(time('small'));
    large.push(time('large'));
  }
  e.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return { small: med(small), large: med(large), ratios: large.map((l, i) => l / small[i]!) };
}

const inc = benchIncText();
const sortedRatios = [...inc.ratios].sort((a, b) => a - b);
console.log('$inc of a counter, one command per update, on disk, CPU per update, median of 10 x 1000 (interleaved):');
console.log(
  `  thread with a few words of replies: ${inc.small.toFixed(0)} us; with 50 KB: ${inc.large.toFixed(0)} us; ratio per round median ${sortedRatios[5]!.toFixed(2)} [${sortedRatios[0]!.toFixed(2)}-${sortedRatios[9]!.toFixed(2)}]`,
);

const { writeMs, loadMs, loadCpuMs } = benchLoad(100_000);
console.log(`100k docs (2 secondary indexes): batched write ${writeMs.toFixed(0)} ms;`);
console.log(`  reopen (catalog only, no document read): ${loadMs.toFixed(0)} ms wall, ${loadCpuMs.toFixed(0)} ms CPU, best of 3`);
