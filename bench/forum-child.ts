/**
 * The forum as a separate process for the write benches (bench/post-cost.ts, bench/mixed.ts):
 * a temporary data directory seeded through the real services (server/compose.ts) on the
 * embedded server, then `server/main.ts` started on it in production mode as a child process
 * (test/integration/ops/processes.ts), people signed in over HTTP with real sessions and CSRF
 * tokens, and the child's CPU time read from /proc/<pid>/stat.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { MongoClient } from 'mongodb';
import { createServices, type Services } from '../server/compose';
import { testConfig } from '../server/config';
import { startEmbeddedServer } from '../server/db/embedded';
import { systemClock } from '../server/kernel/clock';
import { createLogger } from '../server/kernel/logger';
import { forumEnv, CookieJar, ROOT, startAppProcess, type AppProcess } from '../test/integration/ops/processes';

export const PASSWORD = 'bench write-cost member password';

/** A fresh data directory seeded by `fill` through the forum's own services (then closed). */
export async function seedDataDir(prefix: string, fill: (forum: Services) => Promise<void>): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const db = await startEmbeddedServer({ host: '127.0.0.1', port: 0, dataDir, logger: createLogger('silent') });
  const conn = await mongoose.createConnection(`${db.uri}/forum`).asPromise();
  const forum = createServices({ config: testConfig(), clock: systemClock, logger: createLogger('silent'), db: conn });
  await forum.init();
  try {
    await fill(forum);
    await forum.threads.flushViews();
  } finally {
    await forum.stop();
    await conn.close();
    await db.close();
  }
  return dataDir;
}

/** The V8 flags `npm start` passes (package.json "start"), so a bench measures what production runs. */
export const START_FLAGS = ['--max-semi-space-size=32'];

/** NODE_OPTIONS for a child: this process's own, plus `flags` (V8 flags NODE_OPTIONS accepts). */
export const nodeOptionsWith = (flags: readonly string[]): string => [process.env.NODE_OPTIONS, ...flags].filter(Boolean).join(' ');

/**
 * `server/main.ts` on `dataDir`, NODE_ENV=production, START_FLAGS (in NODE_OPTIONS), rate
 * limits out of the way. `nodeArgs` (e.g. `--cpu-prof`, which NODE_OPTIONS refuses) start it as
 * `node <nodeArgs> --import tsx server/main.ts` instead of through startAppProcess.
 */
export function startForumChild(dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<AppProcess> {
  const fullEnv = forumEnv(dataDir, {
    NODE_ENV: 'production',
    JOBS_ENABLED: 'false',
    SESSION_SECRET: 'bench-session-secret-bench-session-secret',
    SECRETS_KEY: Buffer.alloc(32, 5).toString('base64'),
    TRUST_PROXY: 'loopback',
    RATE_POST_MAX: '100000000',
    RATE_QUESTION_MAX: '100000000',
    RATE_LOGIN_MAX: '100000000',
    RATE_VOTE_MAX: '100000000',
    NODE_OPTIONS: nodeOptionsWith(START_FLAGS),
    ...env,
  });
  if (!nodeArgs.length) return startAppProcess(fullEnv, 120_000, 'source');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.includes('"forum listening"'));
      if (!line) return;
      const entry = JSON.parse(line) as { url: string };
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({
        child,
        pid: child.pid!,
        url: entry.url.replace(/\/$/, ''),
        lines: [],
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${out.slice(-2000)}`)));
  });
}

/** A signed-in person: cookie header and CSRF token for requests sent by autocannon or fetch. */
export interface Session {
  jar: CookieJar;
  csrf: string;
  /** Headers for a JSON write (cookie, CSRF, https as seen behind the trusted proxy). */
  headers: Record<string, string>;
}

export async function signIn(url: string, username: string, password = PASSWORD): Promise<Session> {
  const jar = new CookieJar();
  const token = ((await (await jar.fetch(`${url}/api/session`)).json()) as { csrfToken: string }).csrfToken;
  const res = await jar.fetch(`${url}/api/session`, { method: 'POST', json: { username, password }, csrf: token });
  if (res.status !== 200) throw new Error(`sign-in of ${username}: ${res.status} ${await res.text()}`);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return {
    jar,
    csrf: csrfToken,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      cookie: jar.header(),
      'x-csrf-token': csrfToken,
      'x-forwarded-proto': 'https',
    },
  };
}

/** CPU time (user + system, ms) the process has used so far, all its threads included. */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11] utime, fields[12] stime (proc(5) fields 14 and 15), in clock ticks (100 Hz on Linux)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A driver connection to the child's embedded server (its Unix socket in DATA_DIR). */
export async function dbClient(dataDir: string): Promise<MongoClient> {
  const client = new MongoClient(`mongodb://${encodeURIComponent(path.join(dataDir, 'embedded.sock'))}/forum`);
  await client.connect();
  return client;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const spread = (xs: number[], digits = 2) =>
  `median ${median(xs).toFixed(digits)} (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)})`;
