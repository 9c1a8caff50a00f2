/**
 * The server under overload, with load shedding off and on. Prints numbers; asserts nothing.
 *
 *   npx tsx bench/overload.ts [--duration 10] [--build]
 *
 * The server runs as users run it (the compiled build, `node build/server/main.js`, as
 * `npm start` does; --build compiles it first) in a child process of its own, on a fresh data
 * directory with 20 questions, so that autocannon in this process does not share its event loop.
 * Mixed load: per connection, 9 reads (the thread list, thread pages, GET /api/threads) then
 * 1 write (a reply through the JSON API, signed in, with CSRF), over and over.
 *
 * For each setting (shedding off: SHED_MAX_IN_FLIGHT=0, SHED_EVENT_LOOP_DELAY_MS=0,
 * REQUEST_TIMEOUT_MS=0; shedding on: the defaults) and each connection count (50, 200):
 * requests per second, latency p50/p99 over every answer, the share of 503s, and errors or
 * timeouts (autocannon's own 10 s). Target (issue 17): p99 under 1 s at 200 connections with
 * shedding on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import autocannon from 'autocannon';
import { createServices } from '../server/compose';
import { testConfig } from '../server/config';
import { startEmbeddedServer } from '../server/db/embedded';
import { systemClock } from '../server/kernel/clock';
import { createLogger } from '../server/kernel/logger';
import { buildOnce, forumEnv, CookieJar, ROOT, startAppProcess } from '../test/integration/ops/processes';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const DURATION = arg('duration', 10);
const USER = { username: 'benchload', password: 'bench load member password' };

async function seed(dataDir: string): Promise<void> {
  const db = await startEmbeddedServer({ host: '127.0.0.1', port: 0, dataDir, logger: createLogger('silent') });
  const conn = await mongoose.createConnection(`${db.uri}/forum`).asPromise();
  const forum = createServices({ config: testConfig(), clock: systemClock, logger: createLogger('silent'), db: conn });
  await forum.init();
  await forum.auth.register({ username: USER.username, email: 'benchload@example.test', password: USER.password });
  await conn.close();
  await db.close();
}

async function run(shedding: boolean, connectionCounts: number[]) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forum-overload-'));
  await seed(dataDir);
  const off = { SHED_MAX_IN_FLIGHT: '0', SHED_EVENT_LOOP_DELAY_MS: '0', REQUEST_TIMEOUT_MS: '0' };
  const app = await startAppProcess(
    forumEnv(dataDir, {
      NODE_ENV: 'production',
      JOBS_ENABLED: 'false',
      SESSION_SECRET: 'bench-session-secret-bench-session-secret',
      SECRETS_KEY: Buffer.alloc(32, 5).toString('base64'),
      TRUST_PROXY: 'loopback',
      RATE_POST_MAX: '1000000',
      RATE_QUESTION_MAX: '1000000',
      RATE_LOGIN_MAX: '1000000',
      ...(shedding ? {} : off),
    }),
    60_000,
    'npm',
  );
  try {
    const jar = new CookieJar();
    const { products } = (await (await jar.fetch(`${app.url}/api/products`)).json()) as { products: Array<{ id: string }> };
    const product = products[0]!.id;
    const token = ((await (await jar.fetch(`${app.url}/api/session`)).json()) as { csrfToken: string }).csrfToken;
    const login = (await (await jar.fetch(`${app.url}/api/session`, { method: 'POST', json: USER, csrf: token })).json()) as {
      csrfToken: string;
    };
    const threads: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await jar.fetch(`${app.url}/api/threads`, {
        method: 'POST',
        csrf: login.csrfToken,
        json: {
          title: `Printer ${i} drops off the network every hour`,
          body: 'Since the update it **drops** off every hour.',
          products: [product],
        },
      });
      threads.push(((await res.json()) as { thread: { url: string; id: string } }).thread.url);
    }
    const ids = threads.map((u) => u.split('/')[2]!);
    const reads = ['/threads', ...threads.slice(0, 6), '/api/threads', '/threads?page=2'].map((p) => ({ method: 'GET', path: p }));
    const write = {
      method: 'POST',
      path: `/api/threads/${ids[0]}/replies`,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        cookie: jar.header(),
        'x-csrf-token': login.csrfToken,
        'x-forwarded-proto': 'https',
      },
      body: JSON.stringify({ body: 'Same here: it drops off every hour since the update.' }),
    };
    for (const connections of connectionCounts) {
      const r = (await autocannon({
        url: app.url,
        connections,
        duration: DURATION,
        headers: { 'x-forwarded-proto': 'https' },
        requests: [...reads, write] as never,
      })) as autocannon.Result & {
        statusCodeStats: Record<string, { count: number }>;
        timeouts: number;
        latency: { p50: number; p99: number };
      };
      const total = Object.values(r.statusCodeStats).reduce((n, s) => n + s.count, 0);
      const shed = r.statusCodeStats['503']?.count ?? 0;
      const codes = Object.entries(r.statusCodeStats)
        .map(([c, s]) => `${c}:${s.count}`)
        .join(' ');
      console.log(
        `shedding ${shedding ? 'on ' : 'off'} | ${String(connections).padStart(3)} conns | ${Math.round(r.requests.average)} req/s | ` +
          `p50 ${r.latency.p50} ms | p99 ${r.latency.p99} ms | 503 ${((100 * shed) / Math.max(1, total)).toFixed(1)}% | ` +
          `errors ${r.errors} timeouts ${r.timeouts} | ${codes}`,
      );
    }
  } finally {
    await app.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--build')) await buildOnce();
if (!fs.existsSync(path.join(ROOT, 'build/server/main.js'))) throw new Error('no build: run with --build (or npm run build) first');
await run(false, [50, 200]);
await run(true, [50, 200]);
