/**
 * Indexed queries and inserts of the embedded database at several data sizes, through the
 * official driver, against separate `npm run db` server processes. Prints numbers; asserts
 * nothing.
 *
 *   npx tsx bench/db.ts [--sizes 1k,100k,1m] [--rounds 3] [--ms 1500]
 *                       [--baseline <data dir> --baseline-root <checkout>]
 *
 * Data: forum-shaped directories made by bench/gen-forum.ts, /work/bench-data/forum-<size>
 * (threads, replies, votes with the forum's own indexes; `--dir-<size> <path>` overrides).
 * The baseline is the same kind of directory served by another checkout's `npm run db` (for
 * example the in-memory engine before storage format 2, generated with
 * `gen-forum.ts --root <that checkout>`); it is reported as "base".
 *
 * Queries (random thread numbers below the size; every query returns the same number of
 * documents at every size):
 *   findOne by _id            threads.findOne({_id})
 *   find by indexed field     replies.find({threadId}) (1-5 documents)
 *   sorted + limit 20         threads.find({lastActivityAt: {$lt: t}}).sort({lastActivityAt: -1, _id: -1}).limit(20)
 *   countDocuments range      threads.countDocuments({lastActivityAt: {$gte: t, $lt: t + 105 min}}) (~100 documents)
 *   countDocuments 10% range  the same over a tenth of the threads (grows with the data)
 *   insertOne reply           replies.insertOne (removed again at the end)
 * Each measurement runs `--ms` after a warm-up; the servers are measured one after the other
 * within each round, rounds repeat, and the spread of each ratio over the rounds is printed.
 */
import os from 'node:os';
import path from 'node:path';
import { MongoClient, type Db, type ObjectId } from 'mongodb';
import { oid, START_MS, threadBundle } from './forum-data';
import { startProcess, stopProcess } from './gen-forum';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const SIZES = arg('sizes', '1k,100k,1m').split(',');
const ROUNDS = Number(arg('rounds', '3'));
const BUDGET_MS = Number(arg('ms', '1500'));
const WARMUP_MS = 300;
const BASELINE = process.argv.includes('--baseline') ? arg('baseline', '') : '';
const BASELINE_ROOT = arg('baseline-root', '/work/bench-data/old-engine');
const STEP = 63_000; // ms between two threads (forum-data.ts)

const threadsOf = (size: string) => Number(size.replace(/k$/i, '000').replace(/m$/i, '000000'));
const dirOf = (size: string) => arg(`dir-${size}`, `/work/bench-data/forum-${size}`);

interface Target {
  name: string;
  threads: number;
  db: Db;
  client: MongoClient;
  stop: () => Promise<void>;
  inserted: ObjectId[];
}

async function open(name: string, dir: string, threads: number, root?: string): Promise<Target> {
  const t0 = performance.now();
  const { child, match } = await startProcess(
    'server/db/cli.ts',
    ['--port', '0', '--dbpath', dir],
    { LOG_LEVEL: 'warn' },
    /^(mongodb:\/\/\S+)$/m,
    root,
  );
  const client = new MongoClient(match[1]!);
  const db = client.db('forum');
  await db.collection('threads').findOne({});
  console.log(`${name}: ${dir}, ${threads} threads, first answer after ${(performance.now() - t0).toFixed(0)} ms`);
  return { name, threads, db, client, stop: () => stopProcess(child), inserted: [] };
}

const tid = (i: number) => oid(Math.floor((START_MS + i * STEP) / 1000), 2, i);
const at = (i: number) => new Date(START_MS + i * STEP);
const rand = (n: number) => Math.floor(Math.random() * n);

type Query = (t: Target) => Promise<unknown>;
const PRODUCTS = [{ _id: oid(0, 9, 1), name: 'Bench' }];
let seq = 0;

const QUERIES: Record<string, Query> = {
  'findOne by _id': (t) => t.db.collection('threads').findOne({ _id: tid(rand(t.threads)) }),
  'find by indexed field': (t) =>
    t.db
      .collection('replies')
      .find({ threadId: tid(rand(t.threads)) })
      .toArray(),
  'sorted + limit 20': (t) =>
    t.db
      .collection('threads')
      .find({ lastActivityAt: { $lt: at(20 + rand(t.threads - 20)) } }, { projection: { title: 1, status: 1, lastActivityAt: 1 } })
      .sort({ lastActivityAt: -1, _id: -1 })
      .limit(20)
      .toArray(),
  'countDocuments range': (t) => {
    const i = rand(Math.max(1, t.threads - 100));
    return t.db.collection('threads').countDocuments({ lastActivityAt: { $gte: at(i), $lt: at(i + 100) } });
  },
  'countDocuments 10% range': (t) => {
    const i = rand(Math.ceil(t.threads * 0.9));
    return t.db.collection('threads').countDocuments({ lastActivityAt: { $gte: at(i), $lt: at(i + Math.ceil(t.threads / 10)) } });
  },
  'insertOne reply': async (t) => {
    const r = threadBundle(10_000_000 + seq++, PRODUCTS).replies[0]!;
    r.threadId = tid(rand(t.threads));
    await t.db.collection('replies').insertOne(r);
    t.inserted.push(r._id as ObjectId);
  },
};

async function rate(t: Target, q: Query): Promise<number> {
  const warm = performance.now();
  while (performance.now() - warm < WARMUP_MS) await q(t);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < BUDGET_MS) {
    await q(t);
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => n.toFixed(0).padStart(8);

async function main() {
  console.log(
    `bench/db.ts: ${ROUNDS} rounds, ${BUDGET_MS} ms per measurement, node ${process.version}, ${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const targets: Target[] = [];
  try {
    for (const s of SIZES) targets.push(await open(s, dirOf(s), threadsOf(s)));
    if (BASELINE) targets.push(await open('base', BASELINE, threadsOf(arg('baseline-size', '100k')), path.resolve(BASELINE_ROOT)));
    const results = new Map<string, Map<string, number[]>>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, q] of Object.entries(QUERIES)) {
        for (const t of targets) {
          const r = await rate(t, q);
          let m = results.get(name);
          if (!m) results.set(name, (m = new Map()));
          m.set(t.name, [...(m.get(t.name) ?? []), r]);
        }
      }
      console.log(`round ${round + 1} done, load ${os.loadavg()[0]!.toFixed(2)}`);
    }
    const names = targets.map((t) => t.name);
    const first = names[0]!;
    console.log(
      `\nops/s (median of ${ROUNDS} rounds)`.padEnd(30) +
        names.map((n) => n.padStart(8)).join(' ') +
        '   ratios to ' +
        first +
        ' (min-max over rounds)',
    );
    for (const [q, m] of results) {
      const base = m.get(first)!;
      const ratios = names.slice(1).map((n) => {
        const rs = m.get(n)!.map((v, i) => v / base[i]!);
        return `${n}/${first} ${median(rs).toFixed(2)} (${Math.min(...rs).toFixed(2)}-${Math.max(...rs).toFixed(2)})`;
      });
      if (BASELINE && names.includes('100k')) {
        const rs = m.get('100k')!.map((v, i) => v / m.get('base')![i]!);
        ratios.push(`100k/base ${median(rs).toFixed(2)} (${Math.min(...rs).toFixed(2)}-${Math.max(...rs).toFixed(2)})`);
      }
      console.log(q.padEnd(30) + names.map((n) => fmt(median(m.get(n)!))).join(' ') + '   ' + ratios.join('  '));
    }
  } finally {
    for (const t of targets) {
      for (let i = 0; i < t.inserted.length; i += 500) {
        await t.db.collection('replies').deleteMany({ _id: { $in: t.inserted.slice(i, i + 500) } });
      }
      await t.client.close();
      await t.stop();
    }
  }
}

await main();
