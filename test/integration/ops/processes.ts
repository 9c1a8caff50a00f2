import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers for tests that run the forum as real child processes (server/main.ts, server/cli.ts). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A clean environment for a child: nothing from this shell's forum settings leaks in. */
export function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^(MONGODB_URI|DATA_DIR|PORT|HOST|NODE_ENV|LOG_LEVEL|SESSION_SECRET|SECRETS_.*|DEMO_CONTENT|JOBS_ENABLED|RATE_.*|SUPPORT_.*|TRUST_PROXY|SHUTDOWN_DRAIN_MS|EMBEDDED_DB_PORT|DB_.*|SHED_.*|REQUEST_TIMEOUT_MS|METRICS_.*|npm_.*)$/.test(
        k,
      )
    )
      continue;
    env[k] = v;
  }
  return { ...env, ...overrides };
}

/**
 * childEnv for a forum process on `dataDir`: loopback and a free port, `info` logs (the
 * "forum listening" line is how startAppProcess learns the address), no demo content, a fixed
 * secrets key; `over` adds to or replaces any of these.
 */
export function forumEnv(dataDir: string, over: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    DEMO_CONTENT: 'false',
    SECRETS_KEY: Buffer.alloc(32, 3).toString('base64'),
    ...over,
  });
}

export interface AppProcess {
  child: ChildProcess;
  url: string;
  /** The server's own pid (from its "forum listening" line; with `npm start`, not the child's). */
  pid: number;
  /** Every stdout line the process printed (pino JSON). */
  lines: string[];
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * How to run the server: from the TypeScript sources (`node --import tsx server/main.ts`, one
 * process loading TypeScript in-process), or as users do, `npm start` (the compiled build run by
 * plain node, scripts/build.mjs; build it first with buildOnce()).
 */
export type Launch = 'source' | 'npm';

function spawnServer(env: NodeJS.ProcessEnv, launch: Launch): ChildProcess {
  if (launch === 'npm') {
    // npm's own chatter (update notices) stays out of the way; its banner lines are not JSON.
    // npm leads a process group of its own, as in a terminal, so a test can signal the group
    // (what Ctrl-C does) as well as npm alone.
    return spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
  }
  return spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Compiles the build `npm start` runs, if it is older than the sources (scripts/build.mjs). */
export async function buildOnce(): Promise<void> {
  const child = spawn(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`build failed (${code}):\n${stderr}`);
}

/** Runs the server expecting it to refuse to start: resolves with its exit code and output. */
export function runAppProcessToExit(
  env: NodeJS.ProcessEnv,
  launch: Launch = 'source',
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnServer(env, launch);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += String(d)));
  child.stderr!.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the process did not exit in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts the server with PORT=0 and resolves once its "forum listening" log line
 * says where it listens.
 */
export function startAppProcess(env: NodeJS.ProcessEnv, timeoutMs = 30_000, launch: Launch = 'source'): Promise<AppProcess> {
  const child = spawnServer(env, launch);
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`app process did not start in ${timeoutMs} ms\n${lines.join('\n')}\n${stderr}`));
    }, timeoutMs);
    let buffered = '';
    child.stdout!.on('data', (d) => {
      buffered += String(d);
      let nl;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        let entry: { msg?: string; url?: string; pid?: number };
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        if (entry.msg === 'forum listening' && entry.url) {
          clearTimeout(timer);
          resolve({
            child,
            pid: entry.pid ?? child.pid!,
            url: entry.url.replace(/\/$/, ''),
            lines,
            stop: async () => {
              if (child.exitCode === null) child.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app process exited with ${code} before listening\n${lines.join('\n')}\n${stderr}`));
    });
  });
}

/** Runs `server/cli.ts <args>` to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += String(d)));
  child.stderr!.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/**
 * A minimal cookie jar over fetch, for talking to a child process like a browser would.
 * In production the cookies are Secure: requests say they came through a TLS-terminating
 * reverse proxy (X-Forwarded-Proto, honoured with TRUST_PROXY=loopback).
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  async fetch(url: string, init: RequestInit & { json?: unknown; csrf?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', cookie: this.header(), 'x-forwarded-proto': 'https' };
    if (init.csrf) headers['x-csrf-token'] = init.csrf;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, {
      ...init,
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      redirect: 'manual',
    });
    this.take(res);
    return res;
  }
}
