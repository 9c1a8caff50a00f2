/**
 * The forum on forum-shaped data of several sizes, as separate processes over HTTP: start-up
 * time, memory, and page rates. Prints numbers; asserts nothing.
 *
 *   npx tsx bench/storage.ts [--sizes 1k,1m] [--duration 10] [--rounds 3] [--connections 20]
 *
 * Data: /work/bench-data/forum-<size> (bench/gen-forum.ts; `--dir-<size>` overrides).
 * For each size:
 *   - `npm run db` on the directory: time until its address is printed and until a first
 *     query is answered; its RSS then;
 *   - the forum (`server/main.ts`, NODE_ENV=production, DEMO_CONTENT=false,
 *     JOBS_ENABLED=false, LOG_LEVEL=warn): time until /readyz answers 200; RSS idle after
 *     start-up, peak RSS while serving thread pages at `--connections`, RSS idle after;
 *   - req/s and latency (autocannon, `--connections`, `--duration` s per run, after a 2 s
 *     warm-up), every run repeated `--rounds` times, sizes interleaved within a round:
 *       thread page, a random thread of all      (defeats the forum's 2 s page cache at 1M)
 *       thread page, one of the newest 1000      (the same working set at every size)
 *       list page 1..5
 *       search, a common word / a mid-frequency word / two words
 * Ratios are printed per round (largest size / smallest), then their spread.
 */
import fs from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { type ChildProcess } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { oid, START_MS } from './forum-data';
import { startProcess, stopProcess } from './gen-forum';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const SIZES = arg('sizes', '1k,1m').split(',');
const DURATION = Number(arg('duration', '10'));
const ROUNDS = Number(arg('rounds', '3'));
const CONNECTIONS = Number(arg('connections', '20'));
const threadsOf = (size: string) => Number(size.replace(/k$/i, '000').replace(/m$/i, '000000'));
const dirOf = (size: string) => arg(`dir-${size}`, `/work/bench-data/forum-${size}`);

const rssMB = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const tid = (i: number) => oid(Math.floor((START_MS + i * 63_000) / 1000), 2, i).toHexString();
const rand = (n: number) => Math.floor(Math.random() * n);

async function dbStartup(size: string) {
  const t0 = performance.now();
  const { child, match } = await startProcess(
    'server/db/cli.ts',
    ['--port', '0', '--dbpath', dirOf(size)],
    { LOG_LEVEL: 'warn' },
    /^(mongodb:\/\/\S+)$/m,
  );
  const listening = performance.now() - t0;
  const client = new MongoClient(match[1]!);
  await client.db('forum').collection('threads').findOne({});
  const answered = performance.now() - t0;
  const rss = rssMB(child.pid!);
  await client.close();
  await stopProcess(child);
  return { listening, answered, rss };
}

interface Forum {
  size: string;
  threads: number;
  url: string;
  child: ChildProcess;
  startup: number;
  rssIdle: number;
}

async function startForum(size: string): Promise<Forum> {
  const t0 = performance.now();
  const { child, match } = await startProcess(
    'server/main.ts',
    [],
    {
      DATA_DIR: dirOf(size),
      PORT: '0',
      NODE_ENV: 'production',
      SESSION_SECRET: 'bench-session-secret-bench-session-secret',
      DEMO_CONTENT: 'false',
      JOBS_ENABLED: 'false',
      LOG_LEVEL: 'info',
      RATE_POST_MAX: '1000000',
    },
    /"url":"(http:\/\/[^"]+)"/,
  );
  const url = match[1]!.replace(/\/$/, '');
  for (;;) {
    const r = await fetch(`${url}/readyz`).catch(() => null);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const startup = performance.now() - t0;
  await new Promise((res) => setTimeout(res, 2000)); // settle: idle means idle
  return { size, threads: threadsOf(size), url, child, startup, rssIdle: rssMB(child.pid!) };
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  peakRss: number;
}

async function load(f: Forum, path: () => string, seconds = DURATION, measureRss = false): Promise<Run> {
  const opts = (duration: number): autocannon.Options => ({
    url: f.url,
    connections: CONNECTIONS,
    duration,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }],
  });
  await autocannon(opts(2));
  let peakRss = 0;
  const sampler = measureRss ? setInterval(() => (peakRss = Math.max(peakRss, rssMB(f.child.pid!))), 250) : null;
  const r = await autocannon(opts(seconds));
  if (sampler) clearInterval(sampler);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, peakRss };
}

const PAGES: Record<string, (f: Forum) => () => string> = {
  'thread page, random thread': (f) => () => `/threads/${tid(rand(f.threads))}`,
  'thread page, newest 1000': (f) => () => `/threads/${tid(f.threads - 1 - rand(1000))}`,
  'list page 1-5': () => () => `/threads?page=${1 + rand(5)}`,
  'search "printer" (common)': () => () => '/search?q=printer',
  'search "kamiro" (mid-frequency)': () => () => '/search?q=kamiro',
  'search "driver update"': () => () => '/search?q=driver+update',
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  console.log(
    `bench/storage.ts: sizes ${SIZES.join(', ')}, ${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} rounds, node ${process.version}, ${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const s of SIZES) {
    const d = await dbStartup(s);
    console.log(
      `npm run db, ${s}: address printed after ${d.listening.toFixed(0)} ms, first query answered after ${d.answered.toFixed(0)} ms, RSS ${d.rss.toFixed(0)} MB`,
    );
  }
  const forums: Forum[] = [];
  try {
    for (const s of SIZES) {
      const f = await startForum(s);
      forums.push(f);
      console.log(`forum, ${s}: /readyz 200 after ${f.startup.toFixed(0)} ms, RSS idle ${f.rssIdle.toFixed(0)} MB`);
    }
    for (const f of forums) {
      const r = await load(f, PAGES['thread page, random thread']!(f), DURATION, true);
      await new Promise((res) => setTimeout(res, 3000));
      console.log(
        `forum, ${f.size}: thread pages at ${CONNECTIONS} connections ${r.rps.toFixed(0)} req/s, peak RSS ${r.peakRss.toFixed(0)} MB, RSS idle after ${rssMB(f.child.pid!).toFixed(0)} MB`,
      );
    }
    const results = new Map<string, Map<string, Run[]>>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, page] of Object.entries(PAGES)) {
        for (const f of forums) {
          const r = await load(f, page(f));
          let m = results.get(name);
          if (!m) results.set(name, (m = new Map()));
          m.set(f.size, [...(m.get(f.size) ?? []), r]);
        }
      }
      console.log(`round ${round + 1} done, load ${os.loadavg()[0]!.toFixed(2)}`);
    }
    const [small, large] = [SIZES[0]!, SIZES[SIZES.length - 1]!];
    console.log(`\nreq/s (median; p50 / p99 ms)`.padEnd(36) + SIZES.map((s) => s.padStart(22)).join('') + `   ${large}/${small} per round`);
    for (const [name, m] of results) {
      const cells = SIZES.map((s) => {
        const rs = m.get(s)!;
        const med = median(rs.map((r) => r.rps));
        const bad = rs.reduce((n, r) => n + r.non2xx + r.errors, 0);
        return `${med.toFixed(0)} (${median(rs.map((r) => r.p50))}/${median(rs.map((r) => r.p99))})${bad ? ` !${bad}` : ''}`.padStart(22);
      });
      const ratios = m.get(large)!.map((r, i) => r.rps / m.get(small)![i]!.rps);
      console.log(
        name.padEnd(36) + cells.join('') + `   ${ratios.map((x) => x.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)})`,
      );
    }
  } finally {
    for (const f of forums) await stopProcess(f.child);
  }
}

await main();
