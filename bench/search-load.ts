/**
 * Common-word search under load, against a separate forum process (issue 20 item 3). Prints
 * numbers; asserts nothing.
 *
 *   npx tsx bench/search-load.ts [--dir /work/bench-data/search-100k] [--threads 100000]
 *     [--duration 10] [--rounds 3] [--connections 10] [--root <checkout>]
 *
 * The forum (`server/main.ts` of `--root`, NODE_ENV=production, DEMO_CONTENT=false,
 * JOBS_ENABLED=false) runs on `--dir`, a data directory made by bench/gen-forum.ts (use a copy
 * of your own: the first start may build indexes). Per round, `--duration` s each:
 *   alone     1 client searching back to back, no other load (the cost of a search);
 *   idle      thread pages (autocannon, `--connections`, a random thread of all per request,
 *             so the forum's 2 s page caches rarely hit);
 *   1 / 4     the same while 1 (then 4) clients search back to back through GET /api/search,
 *             cycling over 1-, 2- and 3-word queries of the most common non-stop words of
 *             bench/forum-data.ts's vocabulary.
 * The loop delay is the forum's main thread (HTTP); with the embedded server in its worker
 * thread (EMBEDDED_DB_THREAD, the default) the database's own loop is not sampled.
 * Printed per round and as median [min-max] over rounds: thread pages answered 200 per s (a
 * 503 from the forum's load shedding counts as failed, not as throughput), the ratio
 * loaded/idle, search p50/p99 per query length, and the server's event-loop delay (max and
 * p99 of perf_hooks.monitorEventLoopDelay, sampled in the forum process by a preloaded probe).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { type ChildProcess } from 'node:child_process';
import { oid, START_MS } from './forum-data';
import { startProcess, stopProcess } from './gen-forum';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(arg('root', path.join(here, '..')));
const DIR = path.resolve(arg('dir', '/work/bench-data/search-100k'));
const THREADS = Number(arg('threads', '100000'));
const DURATION = Number(arg('duration', '10'));
const ROUNDS = Number(arg('rounds', '3'));
const CONNECTIONS = Number(arg('connections', '10'));

/** The most frequent words of bench/forum-data.ts that are not English stop words. */
const WORDS = ['error', 'update', 'install', 'windows', 'account', 'password', 'sign', 'office', 'outlook', 'email'];
const QUERIES: string[][] = [[], [], []];
for (let i = 0; i < WORDS.length; i++) {
  QUERIES[0]!.push(WORDS[i]!);
  QUERIES[1]!.push(`${WORDS[i]} ${WORDS[(i + 1) % WORDS.length]}`);
  QUERIES[2]!.push(`${WORDS[i]} ${WORDS[(i + 1) % WORDS.length]} ${WORDS[(i + 2) % WORDS.length]}`);
}

const tid = (i: number) => oid(Math.floor((START_MS + i * 63_000) / 1000), 2, i).toHexString();
const rand = (n: number) => Math.floor(Math.random() * n);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const spread = (xs: number[], digits = 0) =>
  xs.some(Number.isNaN) ? 'n/a' : `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}]`;

/**
 * The event-loop probe preloaded into the forum (NODE_OPTIONS --import): every 250 ms it
 * appends `{t, max, p99}` (ms, since the last line) to the file named by LOOP_PROBE_FILE.
 */
const PROBE = `
import { monitorEventLoopDelay } from 'node:perf_hooks';
import fs from 'node:fs';
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
const file = process.env.LOOP_PROBE_FILE;
setInterval(() => {
  fs.appendFileSync(file, JSON.stringify({ t: Date.now(), max: h.max / 1e6, p99: h.percentile(99) / 1e6 }) + '\\n');
  h.reset();
}, 250).unref();
`;

interface Forum {
  url: string;
  child: ChildProcess;
  probeFile: string;
}

async function startForum(): Promise<Forum> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'search-load-'));
  const probe = path.join(tmp, 'probe.mjs');
  const probeFile = path.join(tmp, 'loop.jsonl');
  fs.writeFileSync(probe, PROBE);
  const t0 = performance.now();
  const { child, match } = await startProcess(
    'server/main.ts',
    [],
    {
      DATA_DIR: DIR,
      PORT: '0',
      NODE_ENV: 'production',
      SESSION_SECRET: 'bench-session-secret-bench-session-secret',
      DEMO_CONTENT: 'false',
      JOBS_ENABLED: 'false',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: `--import=${probe}`,
      LOOP_PROBE_FILE: probeFile,
    },
    /"url":"(http:\/\/[^"]+)"/,
    ROOT,
  );
  const url = match[1]!.replace(/\/$/, '');
  for (;;) {
    const r = await fetch(`${url}/readyz`).catch(() => null);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  console.log(`forum (${ROOT}) on ${DIR}: ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { url, child, probeFile };
}

/** Event-loop delay of the forum between two instants (ms): the max, and the median of its 250 ms p99s. */
function loopDelay(f: Forum, from: number, to: number): { max: number; p99: number } {
  const lines = fs
    .readFileSync(f.probeFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { t: number; max: number; p99: number })
    .filter((s) => s.t > from && s.t <= to + 250);
  if (!lines.length) return { max: NaN, p99: NaN };
  return { max: Math.max(...lines.map((s) => s.max)), p99: median(lines.map((s) => s.p99)) };
}

function threadPages(f: Forum, seconds: number) {
  return autocannon({
    url: f.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/threads/${tid(rand(THREADS))}` }) }],
  });
}

/** Clients searching back to back until `stop` resolves; latencies (ms) per query length. */
async function searchers(f: Forum, clients: number, stop: Promise<unknown>): Promise<{ lat: number[][]; errors: number }> {
  const lat: number[][] = [[], [], []];
  let errors = 0;
  let done = false;
  void stop.then(() => (done = true));
  let n = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (!done) {
        const len = (n + c) % 3;
        const q = QUERIES[len]![Math.floor(n++ / 3) % WORDS.length]!;
        const t0 = performance.now();
        const r = await fetch(`${f.url}/api/search?q=${encodeURIComponent(q)}`);
        await r.arrayBuffer();
        if (r.status !== 200) errors++;
        else if (!done) lat[len]!.push(performance.now() - t0);
      }
    }),
  );
  return { lat, errors };
}

interface Measure {
  rps: number;
  p99: number;
  bad: number;
  search: number[][] | null;
  searchErrors: number;
  loop: { max: number; p99: number };
}

async function measure(f: Forum, clients: number): Promise<Measure> {
  const from = Date.now();
  let release!: () => void;
  const stop = new Promise<void>((r) => (release = r));
  const s = clients > 0 ? searchers(f, clients, stop) : null;
  if (s) await new Promise((r) => setTimeout(r, 500)); // searches are running when the load starts
  const r = await threadPages(f, DURATION);
  release();
  const sr = s ? await s : null;
  return {
    rps: r['2xx'] / DURATION, // answered pages only: a 503 from load shedding is not a page
    p99: r.latency.p99,
    bad: r.non2xx + r.errors,
    search: sr?.lat ?? null,
    searchErrors: sr?.errors ?? 0,
    loop: loopDelay(f, from + 500, Date.now()),
  };
}

/** One client searching back to back for `--duration` s, nothing else running. */
async function searchAlone(f: Forum): Promise<Measure> {
  const from = Date.now();
  const sr = await searchers(f, 1, new Promise((r) => setTimeout(r, DURATION * 1000)));
  return { rps: NaN, p99: NaN, bad: 0, search: sr.lat, searchErrors: sr.errors, loop: loopDelay(f, from, Date.now()) };
}

async function main() {
  console.log(
    `bench/search-load.ts: ${THREADS} threads, ${CONNECTIONS} connections of thread pages, ${DURATION} s per measurement, ${ROUNDS} rounds, node ${process.version}, ${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const f = await startForum();
  const rows: Record<string, Measure[]> = { 'search alone': [], idle: [], '1 searcher': [], '4 searchers': [] };
  try {
    // warm-up: SQLite's and the OS's caches, JIT
    await threadPages(f, 3);
    const warm = new Promise((r) => setTimeout(r, 3000));
    await searchers(f, 1, warm);
    for (let round = 1; round <= ROUNDS; round++) {
      const alone = await searchAlone(f);
      const idle = await measure(f, 0);
      const one = await measure(f, 1);
      const four = await measure(f, 4);
      rows['search alone']!.push(alone);
      rows.idle!.push(idle);
      rows['1 searcher']!.push(one);
      rows['4 searchers']!.push(four);
      for (const [name, m] of [
        ['search alone', alone],
        ['idle', idle],
        ['1 searcher', one],
        ['4 searchers', four],
      ] as const) {
        const search = m.search
          ? m.search.map((l, i) => `${i + 1}w n=${l.length} p50 ${pct(l, 50).toFixed(0)} p99 ${pct(l, 99).toFixed(0)} ms`).join('; ')
          : '';
        if (name === 'search alone') {
          console.log(`round ${round} ${name.padEnd(12)} loop delay max ${m.loop.max.toFixed(0)} ms; search ${search}`);
          continue;
        }
        console.log(
          `round ${round} ${name.padEnd(12)} thread pages ${m.rps.toFixed(0).padStart(5)} req/s (p99 ${m.p99} ms${m.bad ? `, ${m.bad} failed` : ''}), ratio ${(m.rps / idle.rps).toFixed(2)}, loop delay max ${m.loop.max.toFixed(0)} ms p99 ${m.loop.p99.toFixed(0)} ms${search ? `; search ${search}` : ''}${m.searchErrors ? `, ${m.searchErrors} failed` : ''}`,
        );
      }
      console.log(`  (load ${os.loadavg()[0]!.toFixed(2)})`);
    }
    console.log('\nmedian [min-max] over rounds');
    for (const [name, ms] of Object.entries(rows)) {
      const ratios = ms.map((m, i) => m.rps / rows.idle![i]!.rps);
      let line =
        name === 'search alone'
          ? `${name.padEnd(12)} loop delay max ${spread(ms.map((m) => m.loop.max))} ms`
          : `${name.padEnd(12)} thread pages ${spread(ms.map((m) => m.rps))} req/s, ratio ${spread(ratios, 2)}, loop delay max ${spread(ms.map((m) => m.loop.max))} ms`;
      if (ms[0]!.search) {
        const all = (m: Measure) => m.search!.flat();
        line += `\n${''.padEnd(12)} search all p50 ${spread(ms.map((m) => pct(all(m), 50)))} ms, p99 ${spread(ms.map((m) => pct(all(m), 99)))} ms`;
        for (let i = 0; i < 3; i++)
          line += `; ${i + 1} word${i ? 's' : ''} p50 ${spread(ms.map((m) => pct(m.search![i]!, 50)))} p99 ${spread(ms.map((m) => pct(m.search![i]!, 99)))}`;
      }
      console.log(line);
    }
  } finally {
    await stopProcess(f.child);
  }
}

await main();
