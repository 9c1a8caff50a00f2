/**
 * The thread page against its ceilings, every server a separate process (issue 19). Prints
 * numbers; asserts nothing.
 *
 *   npx tsx bench/thread-page.ts [--duration 10] [--rounds 3] [--connections 20]
 *                                [--data <dir>] [--profile <dir>] [--node-args "--flag ..."]
 *                                [--ab-node-args "--flag ..."]
 *
 * Servers (child processes; each stopped by its pid at the end):
 *   - the forum: `server/main.ts` through the composition root, NODE_ENV=production,
 *     JOBS_ENABLED=false, LOG_LEVEL=info (its log goes to a file in the data directory),
 *     TRUST_PROXY=loopback (the bench sends X-Forwarded-Proto: https, so the production
 *     session cookie, Secure and __Host-, is set over plain HTTP), SHED_EVENT_LOOP_DELAY_MS=0
 *     (two shared cores: shedding on event-loop delay would answer 503s and count them as speed);
 *   - `plain`: plain express + ejs, a page of 50 replies from memory (the stack's ceiling);
 *   - `template`: the forum's own views/threads/thread.ejs from memory, anonymous and signed-in
 *     locals (bench/thread-page-baselines.ts).
 * Data: a DATA_DIR (a temporary one, removed after; or `--data <dir>`, kept and reused) seeded
 * with 1000 open threads of 50 forum-shaped replies each, rendered by the forum's Markdown
 * renderer (bench/thread-page-data.ts), 5,020 users (moderators with signatures), and the bench
 * reader, who signs in over HTTP for the signed-in runs and has votes on 5 replies per thread.
 * Seeding: the forum starts once on the empty directory (collections, indexes, products) and
 * stops; `npm run db` then serves the directory and the documents go in with insertMany.
 *
 * Runs (autocannon in this process, `--connections`, `--duration` s each after a 2 s warm-up;
 * the forum runs warm up at least one pass over the 1000 threads, so the words of the times
 * shown, which a running forum keeps for an hour, are not all computed for the first time),
 * interleaved, `--rounds` rounds: plain, template anonymous, forum anonymous, template signed
 * in, forum signed in. The forum runs rotate over the 1000 threads (one shared counter, so a
 * thread comes back after 1000 requests: more than the page caches' 2 s at the rates measured;
 * the forum's own cache counters, read from /metrics, are printed to show it).
 * `--node-args "<flags>"`: V8/Node flags for the forum's process instead of `npm start`'s
 *   (START_FLAGS, bench/forum-child.ts); `--node-args ""` for none.
 * `--ab-node-args "<flags>"`: each round also restarts the forum with these flags instead
 *   (forum B) and measures it anonymous and signed in, printing B's CPU per page over A's.
 * `--profile <dir>`: the forum runs with `--cpu-prof --cpu-prof-dir <dir>`; the profile is
 * written when it stops.
 *
 * Autocannon shares the two cores with the server it measures: absolute numbers are low and
 * noisy; the ratios of runs interleaved in one round are what to quote.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import argon2 from 'argon2';
import { MongoClient } from 'mongodb';
import { MEMBERS, MODERATORS, userDoc } from './forum-data';
import { cpuMs, nodeOptionsWith, START_FLAGS } from './forum-child';
import { startProcess, stopProcess } from './gen-forum';
import { pageThread, READER, readerDoc } from './thread-page-data';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const DURATION = Number(arg('duration', '10'));
const ROUNDS = Number(arg('rounds', '3'));
const CONNECTIONS = Number(arg('connections', '20'));
const THREADS = 1000;
const PROFILE_DIR = arg('profile', '');
const NODE_ARGS = process.argv.includes('--node-args') ? arg('node-args', '').split(' ').filter(Boolean) : START_FLAGS;
const AB_ARGS = process.argv.includes('--ab-node-args') ? arg('ab-node-args', '').split(' ').filter(Boolean) : null;
const KEEP = arg('data', '');
const DIR = KEEP ? path.resolve(KEEP) : fs.mkdtempSync(path.join(os.tmpdir(), 'forum-thread-page-'));
const SEEDED = path.join(DIR, 'thread-page-seeded.json');
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const HTTPS = { 'x-forwarded-proto': 'https' };
const FORUM_ENV = {
  DATA_DIR: DIR,
  HOST: '127.0.0.1',
  DEMO_CONTENT: 'false',
  JOBS_ENABLED: 'false',
  SESSION_SECRET: 'bench-session-secret-bench-session-secret',
  SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
  RATE_LOGIN_MAX: '1000',
};

/** Seeds DIR (see the header); returns the 1000 threads' page paths. */
async function seed(): Promise<string[]> {
  if (fs.existsSync(SEEDED)) return JSON.parse(fs.readFileSync(SEEDED, 'utf8')) as string[];
  const started = performance.now();
  const prep = await startProcess(
    'server/main.ts',
    [],
    { ...FORUM_ENV, PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'development' },
    /forum listening/,
  );
  await stopProcess(prep.child);
  const { child, match } = await startProcess('server/db/cli.ts', ['--port', '0', '--dbpath', DIR], {}, /^(mongodb:\/\/\S+)$/m);
  const client = new MongoClient(match[1]!);
  const paths: string[] = [];
  try {
    const db = client.db('forum');
    await db.collection('users').insertMany(Array.from({ length: MEMBERS + MODERATORS }, (_, i) => userDoc(i)));
    await db.collection('users').insertOne(readerDoc(await argon2.hash(READER.password)));
    const products = (await db
      .collection('products')
      .find({}, { projection: { name: 1 } })
      .toArray()) as never;
    for (let i = 0; i < THREADS; i += 50) {
      const bundles = Array.from({ length: 50 }, (_, j) => pageThread(i + j, products));
      await db.collection('replies').insertMany(bundles.flatMap((b) => b.replies));
      await db.collection('votes').insertMany(bundles.flatMap((b) => b.votes));
      await db.collection('threads').insertMany(bundles.map((b) => b.thread));
      for (const b of bundles) paths.push(`/threads/${String(b.thread._id)}/${b.thread.slug}`);
    }
  } finally {
    await client.close();
    await stopProcess(child);
  }
  fs.writeFileSync(SEEDED, JSON.stringify(paths));
  console.log(`seeded ${THREADS} threads of 50 replies in ${((performance.now() - started) / 1000).toFixed(0)} s (${DIR})`);
  return paths;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The forum in production mode; resolves once /readyz answers 200. */
async function startForum(nodeArgs = NODE_ARGS): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const log = fs.openSync(path.join(DIR, 'forum.log'), 'a');
  const flags = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(PROFILE_DIR)] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...flags, '--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...FORUM_ENV,
      PORT: String(port),
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      TRUST_PROXY: 'loopback',
      SHED_EVENT_LOOP_DELAY_MS: '0',
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the forum exited with ${child.exitCode}; see ${path.join(DIR, 'forum.log')}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL'); // not left running on the data directory
  throw new Error('the forum did not become ready in 60 s');
}

async function startBaseline(mode: 'plain' | 'template'): Promise<{ child: ChildProcess; url: string }> {
  const { child, match } = await startProcess(
    'bench/thread-page-baselines.ts',
    [mode],
    // The forum's V8 flags (NODE_ARGS) for the baselines too, so the ratios compare code, not
    // runtime settings (NODE_OPTIONS takes the V8 flags used here, e.g. --max-semi-space-size).
    { NODE_ENV: 'production', NODE_OPTIONS: nodeOptionsWith(NODE_ARGS) },
    /baseline listening (\S+)/,
  );
  return { child, url: match[1]! };
}

function cookiesFrom(res: Response, jar: Map<string, string>) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
}

/** Signs the bench reader in through the forum's JSON API; returns the Cookie header. */
async function signIn(url: string): Promise<string> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let res = await fetch(`${url}/api/session`, { headers: HTTPS });
  cookiesFrom(res, jar);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { ...HTTPS, 'content-type': 'application/json', 'x-csrf-token': csrfToken, cookie: cookie() },
    body: JSON.stringify({ username: READER.username, password: READER.password }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  cookiesFrom(res, jar);
  return cookie();
}

/** Hits and misses of the forum's page caches so far (its /metrics, loopback only). */
async function cacheLookups(url: string): Promise<Record<string, number>> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^forum_cache_lookups_total\{cache="(thread-page|thread-html)",result="(hit|miss)"\} (\d+)/gm)) {
    out[`${m[1]} ${m[2]}`] = Number(m[3]);
  }
  return out;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
  /** The serving process's CPU (user + system, all its threads) per answered request, ms. */
  cpuMs: number;
}

async function measure(
  name: string,
  url: string,
  pid: number,
  opts: { paths?: string[]; headers?: Record<string, string> } = {},
): Promise<Run> {
  let next = 0;
  const o: autocannon.Options = {
    url,
    connections: CONNECTIONS,
    headers: { 'user-agent': UA, ...HTTPS, ...opts.headers },
    ...(opts.paths
      ? { requests: [{ setupRequest: (req: { path?: string }) => ({ ...req, path: opts.paths![next++ % opts.paths!.length] }) }] }
      : {}),
  };
  // Warm-up, not measured: 2 s, and for the rotating runs at least one pass over the threads
  // (what a running forum holds anyway: JIT, the words of the times shown, kept an hour).
  await autocannon({ ...o, duration: 2 });
  if (opts.paths && next < opts.paths.length) await autocannon({ ...o, amount: opts.paths.length - next });
  const cpu0 = cpuMs(pid);
  const r = await autocannon({ ...o, duration: DURATION });
  const cpu = cpuMs(pid) - cpu0;
  const run = {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    bad: r.non2xx + r.errors,
    cpuMs: cpu / Math.max(1, r.requests.total ?? r.requests.average * DURATION),
  };
  console.log(
    `  ${name.padEnd(34)} ${run.rps.toFixed(0).padStart(6)} req/s   p50 ${String(run.p50).padStart(4)} ms   p99 ${String(run.p99).padStart(5)} ms   CPU ${run.cpuMs.toFixed(2)} ms/page${run.bad ? `   NON-2XX/ERRORS ${run.bad}` : ''}`,
  );
  return run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;

async function main() {
  const children: ChildProcess[] = [];
  try {
    const paths = await seed();
    const forum = await startForum();
    children.push(forum.child);
    const plain = await startBaseline('plain');
    children.push(plain.child);
    const tpl = await startBaseline('template');
    children.push(tpl.child);
    const cookie = await signIn(forum.url);
    const signed = { cookie };
    const check = await fetch(`${forum.url}${paths[0]}`, { headers: { ...HTTPS, ...signed } }).then((r) => r.text());
    if (!check.includes('Sign out')) throw new Error('the session cookie does not sign the reader in');
    const sizes = await Promise.all([
      fetch(`${plain.url}/`).then((r) => r.text()),
      fetch(`${tpl.url}/`).then((r) => r.text()),
      fetch(`${tpl.url}/signed`).then((r) => r.text()),
      fetch(`${forum.url}${paths[0]}`, { headers: HTTPS }).then((r) => r.text()),
    ]).then((t) => t.map((x) => `${(x.length / 1024).toFixed(0)} kB`));
    console.log(
      `page sizes: plain ${sizes[0]}, template anonymous ${sizes[1]}, template signed in ${sizes[2]}, forum anonymous ${sizes[3]}, forum signed in ${(check.length / 1024).toFixed(0)} kB`,
    );
    console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION} s per run (after 2 s warm-up), ${ROUNDS} interleaved rounds`);

    const series: Record<string, Run[]> = {};
    const ratios: Record<string, number[]> = {};
    const add = (k: string, r: Run) => (series[k] ??= []).push(r);
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      const before = await cacheLookups(forum.url);
      const p = await measure('plain ejs, 50 replies', `${plain.url}/`, plain.child.pid!);
      const ta = await measure('template from memory, anonymous', `${tpl.url}/`, tpl.child.pid!);
      const fa = await measure('forum, rotating 1000, anonymous', forum.url, forum.child.pid!, { paths });
      const ts = await measure('template from memory, signed in', `${tpl.url}/signed`, tpl.child.pid!);
      const fs_ = await measure('forum, rotating 1000, signed in', forum.url, forum.child.pid!, { paths, headers: signed });
      const after = await cacheLookups(forum.url);
      if (AB_ARGS) {
        // The same forum runs again with other flags, in this round (the data directory is
        // one process's at a time): CPU per page of each, side by side.
        await stopProcess(forum.child);
        const b = await startForum(AB_ARGS);
        children.push(b.child);
        const bSigned = { cookie: await signIn(b.url) };
        const ba = await measure(`forum [${AB_ARGS.join(' ')}], anonymous`, b.url, b.child.pid!, { paths });
        const bs = await measure(`forum [${AB_ARGS.join(' ')}], signed in`, b.url, b.child.pid!, { paths, headers: bSigned });
        await stopProcess(b.child);
        add('forum B anon', ba);
        add('forum B signed', bs);
        for (const [k, v] of Object.entries({
          'B / A CPU per page, anonymous': ba.cpuMs / fa.cpuMs,
          'B / A CPU per page, signed in': bs.cpuMs / fs_.cpuMs,
        }))
          (ratios[k] ??= []).push(v);
        console.log(`  B / A CPU per page: anonymous ${(ba.cpuMs / fa.cpuMs).toFixed(2)}, signed in ${(bs.cpuMs / fs_.cpuMs).toFixed(2)}`);
        Object.assign(forum, await startForum());
        children.push(forum.child);
        signed.cookie = await signIn(forum.url);
      }
      const delta = Object.keys(after).map((k) => `${k} ${(after[k] ?? 0) - (before[k] ?? 0)}`);
      console.log(`  forum page caches this round: ${delta.join(', ') || 'no lookups reported'}`);
      add('plain', p);
      add('template anon', ta);
      add('forum anon', fa);
      add('template signed', ts);
      add('forum signed', fs_);
      const r = {
        'forum anon / template anon (>= 0.7)': fa.rps / ta.rps,
        'forum signed / template signed (>= 0.7)': fs_.rps / ts.rps,
        'template anon / plain (>= 0.6)': ta.rps / p.rps,
        'template signed / plain (>= 0.6)': ts.rps / p.rps,
        // The same ratios from CPU per page: what each server could serve on cores of its own
        // (req/s share two cores with autocannon and the other servers, and drift with the
        // machine's other load; CPU per page drifts much less).
        'CPU: template anon / forum anon': ta.cpuMs / fa.cpuMs,
        'CPU: template signed / forum signed': ts.cpuMs / fs_.cpuMs,
        'CPU: plain / template anon': p.cpuMs / ta.cpuMs,
        'CPU: plain / template signed': p.cpuMs / ts.cpuMs,
      };
      for (const [k, v] of Object.entries(r)) (ratios[k] ??= []).push(v);
      console.log(
        `  ratios: ${Object.entries(r)
          .map(([k, v]) => `${k.replace(/ \(.*/, '')} ${v.toFixed(2)}`)
          .join(', ')}`,
      );
    }
    console.log('\nmedians over rounds (spread)');
    for (const [k, runs] of Object.entries(series)) {
      const rps = runs.map((x) => x.rps);
      console.log(
        `  ${k.padEnd(16)} ${median(rps).toFixed(0).padStart(6)} req/s (${Math.min(...rps).toFixed(0)}-${Math.max(...rps).toFixed(0)})   p50 ${median(runs.map((x) => x.p50))} ms   p99 ${median(runs.map((x) => x.p99))} ms   CPU ${median(runs.map((x) => x.cpuMs)).toFixed(2)} ms/page (${spread(runs.map((x) => x.cpuMs))})`,
      );
    }
    for (const [k, xs] of Object.entries(ratios)) console.log(`  ${k.padEnd(42)} ${median(xs).toFixed(2)} (${spread(xs)})`);
    // An error page is small and fast: runs with any are not the page they claim to measure.
    const bad = Object.entries(series).filter(([, runs]) => runs.some((x) => x.bad > 0));
    if (bad.length) {
      console.log(`\nINVALID: ${bad.map(([k]) => k).join(', ')} answered with errors or non-2xx statuses; do not quote these figures.`);
      process.exitCode = 1;
    }
  } finally {
    for (const c of children.reverse()) await stopProcess(c);
    if (!KEEP) fs.rmSync(DIR, { recursive: true, force: true });
  }
}

await main();
