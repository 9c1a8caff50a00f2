/**
 * Embedded database micro-benchmark through the official driver on loopback.
 * Prints numbers; asserts nothing. `npx tsx bench/db.ts` (about a minute).
 *
 * For 1k and 100k documents: insertOne, findOne by _id, find by an indexed field, find
 * sorted by an indexed field (limit 20), updateOne $inc, countDocuments on an indexed
 * field, countDocuments on an indexed range, and insertOne with 32 in flight. Then the write
 * path: insertOne sequential and with 8/32/64 in flight, with the server's group commit on
 * and off, each against raw better-sqlite3 inserts (one per transaction, WAL,
 * synchronous=NORMAL) measured just before and after it; and the start-up time of a server
 * with 100k documents.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BSON } from 'bson';
import { MongoClient, type Collection } from 'mongodb';
import { startEmbeddedServer } from '../server/db/embedded';

const BUDGET_MS = Number(process.env.BENCH_MS ?? 1500);
const WARMUP_MS = 300;
const SIZES = [1_000, 100_000];
const CATEGORIES = 10;

interface Doc {
  _id: number;
  k: number;
  cat: number;
  title: string;
  body: string;
  votes: number;
}

const makeDoc = (i: number): Doc => ({
  _id: i,
  k: i,
  cat: i % CATEGORIES,
  title: `Thread ${i}: printer does not wake from sleep`,
  body: 'After the last firmware update the printer stays asleep until it is power cycled. '.repeat(3),
  votes: 0,
});

/** Keeps `inFlight` operations running for the time budget; returns operations per second. */
async function rateConcurrent(inFlight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let i = 0;
  const run = async (until: number) => {
    let n = 0;
    while (performance.now() < until) {
      await op(i++);
      n++;
    }
    return n;
  };
  const all = (ms: number) => {
    const until = performance.now() + ms;
    return Promise.all(Array.from({ length: inFlight }, () => run(until)));
  };
  await all(WARMUP_MS);
  const start = performance.now();
  const counts = await all(BUDGET_MS);
  return (counts.reduce((a, b) => a + b, 0) * 1000) / (performance.now() - start);
}

/** Runs `op` back to back for the time budget; returns operations per second. */
async function rate(op: (i: number) => Promise<unknown>): Promise<number> {
  const warm = performance.now();
  for (let i = 0; performance.now() - warm < WARMUP_MS; i++) await op(i);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < BUDGET_MS) await op(n++);
  return (n * 1000) / (performance.now() - start);
}

const rand = (n: number) => Math.floor(Math.random() * n);

async function benchSize(coll: Collection<Doc>, size: number, quiet = false): Promise<Record<string, number>> {
  const load = performance.now();
  for (let i = 0; i < size; i += 1000) {
    await coll.insertMany(Array.from({ length: Math.min(1000, size - i) }, (_, j) => makeDoc(i + j)));
  }
  await coll.createIndex({ k: 1 });
  await coll.createIndex({ cat: 1 });
  const loadMs = performance.now() - load;
  let next = size;
  const r: Record<string, number> = {};
  r.insertOne = await rate(() => coll.insertOne(makeDoc(next++)));
  r['insertOne, 32 in flight'] = await rateConcurrent(32, () => coll.insertOne(makeDoc(next++)));
  r['findOne by _id'] = await rate(() => coll.findOne({ _id: rand(size) }));
  r['find by indexed field'] = await rate(() => coll.find({ k: rand(size) }).toArray());
  r['find sorted by index, limit 20'] = await rate(() =>
    coll
      .find({ k: { $lt: rand(size) } })
      .sort({ k: -1 })
      .limit(20)
      .toArray(),
  );
  r['updateOne $inc'] = await rate(() => coll.updateOne({ _id: rand(size) }, { $inc: { votes: 1 } }));
  r['countDocuments on indexed field'] = await rate(() => coll.countDocuments({ cat: rand(CATEGORIES) }));
  r['count on indexed range'] = await rate(() => coll.countDocuments({ k: { $gte: rand(size), $lt: rand(size) + size / 10 } }));
  if (!quiet) console.log(`  loaded ${size} docs (insertMany of 1000, 2 indexes) in ${loadMs.toFixed(0)} ms`);
  return r;
}

function sqliteInsertRate(dir: string, run = 0): number {
  const db = new Database(path.join(dir, `raw${run}.sqlite`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE docs (id INTEGER PRIMARY KEY, body BLOB)');
  const insert = db.prepare('INSERT INTO docs (id, body) VALUES (?, ?)');
  const tx = db.transaction((i: number) => insert.run(i, BSON.serialize(makeDoc(i))));
  for (let i = 0; i < 50; i++) tx(i);
  const start = performance.now();
  let n = 50;
  while (performance.now() - start < BUDGET_MS) tx(n++);
  const ops = ((n - 50) * 1000) / (performance.now() - start);
  db.close();
  return ops;
}

const fmt = (n: number) => n.toFixed(0).padStart(9);

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-db-'));
  try {
    let server = await startEmbeddedServer({ dataDir: path.join(dir, 'data') });
    let client = new MongoClient(server.uri);
    console.log(
      `embedded server ${server.uri}, data in ${dir}, ${BUDGET_MS} ms per measurement, node ${process.version}, ${os.cpus().length} cpus`,
    );
    // One discarded pass so the 1k numbers are not measured on cold (unoptimised) code.
    await benchSize(client.db('bench').collection<Doc>('warmup'), 1000, true);
    const results: Record<string, number>[] = [];
    for (const size of SIZES) {
      console.log(`${size} documents:`);
      results.push(await benchSize(client.db('bench').collection<Doc>(`docs${size}`), size));
    }
    await client.close();
    await server.close();

    console.log('\nops/s                                1k        100k   100k/1k');
    for (const name of Object.keys(results[0])) {
      const [a, b] = [results[0][name], results[1][name]];
      console.log(`${name.padEnd(32)} ${fmt(a)}   ${fmt(b)}   ${(b / a).toFixed(2)}`);
    }

    // The write path against raw SQLite, interleaved in this process: raw, embedded, raw, ...
    // (sequential = one insertOne at a time; N in flight = N concurrent insertOne over the
    // driver's pool), with the server's group commit on and off.
    console.log('\nwrite path (ops/s; each embedded rate is divided by the mean of the raw SQLite runs just before and after it):');
    const servers = {
      on: await startEmbeddedServer({ dataDir: path.join(dir, 'w-on') }),
      off: await startEmbeddedServer({ dataDir: path.join(dir, 'w-off'), groupCommit: false }),
    };
    const clients = {
      on: new MongoClient(servers.on.uri, { maxPoolSize: 100 }),
      off: new MongoClient(servers.off.uri, { maxPoolSize: 100 }),
    };
    let seq = 0;
    let rawPrev = sqliteInsertRate(dir, seq++);
    const raws = [rawPrev];
    const line = async (name: string, measure: () => Promise<number>) => {
      const ops = await measure();
      const rawNext = sqliteInsertRate(dir, seq++);
      raws.push(rawNext);
      const raw = (rawPrev + rawNext) / 2;
      rawPrev = rawNext;
      console.log(`  ${name.padEnd(40)} ${fmt(ops)}   / raw ${fmt(raw)} = ${(ops / raw).toFixed(2)}`);
    };
    for (const mode of ['off', 'on'] as const) {
      const c = clients[mode].db('bench').collection<Doc>('w');
      let next = 0;
      await c.insertOne(makeDoc(next++));
      await line(`insertOne sequential, group commit ${mode}`, () => rate(() => c.insertOne(makeDoc(next++))));
      for (const n of [8, 32, 64]) {
        await line(`insertOne ${n} in flight, group commit ${mode}`, () => rateConcurrent(n, () => c.insertOne(makeDoc(next++))));
      }
    }
    console.log(`  raw better-sqlite3 insert (1 per transaction, WAL, NORMAL): ${raws.map((r) => r.toFixed(0)).join(', ')} ops/s`);
    for (const mode of ['on', 'off'] as const) {
      await clients[mode].close();
      await servers[mode].close();
    }

    const t0 = performance.now();
    server = await startEmbeddedServer({ dataDir: path.join(dir, 'data') });
    const listening = performance.now() - t0;
    client = new MongoClient(server.uri);
    await client.db('bench').collection<Doc>('docs100000').findOne({ _id: 1 });
    const firstQuery = performance.now() - t0;
    const stats = await client.db('bench').command({ dbStats: 1 });
    console.log(
      `\nstart-up with ${stats.objects} documents on disk: listening after ${listening.toFixed(0)} ms, first query answered after ${firstQuery.toFixed(0)} ms`,
    );
    await client.close();
    await server.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
