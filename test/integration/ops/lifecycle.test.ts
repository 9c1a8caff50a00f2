import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { isDataDirLocked, startEmbeddedServer } from '../../../server/db/embedded';
import { createLogger } from '../../../server/kernel/logger';
import { buildOnce, forumEnv, CookieJar, runAppProcessToExit, startAppProcess, type AppProcess } from './processes';

/** True while a process with this pid exists (EPERM: it exists but belongs to someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The server as a service (issue: run it as a service): started as users start it, `npm start`
 * running the compiled build with plain node, and stopped by signals the way supervisors send
 * them. Real child processes, real ports, real data directories.
 */
describe('ops: the server process (port in use, signals, graceful stop under load)', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const running: AppProcess[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'forum-life-'));
    dirs.push(d);
    return d;
  };
  const env = (dataDir: string, over: Record<string, string> = {}) =>
    forumEnv(dataDir, {
      NODE_ENV: 'development',
      RATE_QUESTION_MAX: '1000',
      SHED_EVENT_LOOP_DELAY_MS: '0',
      SHED_MAX_IN_FLIGHT: '0',
      ...over,
    });

  before(async function () {
    // One compile of the build `npm start` runs (a no-op when it is current).
    this.timeout(120_000);
    await buildOnce();
  });
  after(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a port already in use: exit code 1, a message naming the port, no job run and no "listening" line', async () => {
    const other = net.createServer((s) => s.end('not the forum\n'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as net.AddressInfo).port;
    try {
      const dataDir = tmp();
      const r = await runAppProcessToExit(env(dataDir, { PORT: String(port), JOBS_ENABLED: 'true' }));
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is already in use by another program`));
      assert.doesNotMatch(r.stdout, /forum listening|job finished/);
      // It let go of everything it had opened.
      assert.equal(isDataDirLocked(dataDir), false);
    } finally {
      other.close();
    }
  });

  it('SIGTERM to the npm process alone stops the server (npm start runs it with plain node, which gets the signal)', async () => {
    const dataDir = tmp();
    const p = await startAppProcess(env(dataDir), 45_000, 'npm');
    running.push(p);
    assert.notEqual(p.pid, p.child.pid, 'the server is a child of npm');
    assert.equal((await fetch(`${p.url}/healthz`)).status, 200);
    const exited = new Promise((resolve) => p.child.once('exit', resolve));
    process.kill(p.child.pid!, 'SIGTERM');
    await exited;
    // The server, not just npm, is gone: its pid is dead and the data directory is free.
    for (let i = 0; i < 50 && processAlive(p.pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(processAlive(p.pid), false, 'the node server process exited');
    assert.ok(
      p.lines.some((l) => l.includes('"msg":"stopped"')),
      p.lines.join('\n'),
    );
    assert.equal(isDataDirLocked(dataDir), false);
    await assert.rejects(fetch(`${p.url}/healthz`));
  });

  it('Ctrl-C (SIGINT to the process group of npm start: the server gets it directly and again from npm) stops once, cleanly', async () => {
    const dataDir = tmp();
    const p = await startAppProcess(env(dataDir), 45_000, 'npm');
    running.push(p);
    assert.equal((await fetch(`${p.url}/healthz`)).status, 200);
    const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
    process.kill(-p.child.pid!, 'SIGINT');
    for (let i = 0; i < 100 && processAlive(p.pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(processAlive(p.pid), false, 'the node server process exited');
    await exited;
    assert.ok(
      p.lines.some((l) => l.includes('"msg":"stopped"')),
      `a graceful stop, not the exit of a second signal:\n${p.lines.join('\n')}`,
    );
    assert.equal(isDataDirLocked(dataDir), false);
    assert.equal(fs.existsSync(path.join(dataDir, 'embedded.address')), false);
  });

  it('SIGTERM while the event loop is busy: every in-flight request completes, then a clean exit leaving no lock, address, socket or WAL', async () => {
    const dataDir = tmp();
    const p = await startAppProcess(env(dataDir), 45_000, 'npm');
    running.push(p);
    const jar = new CookieJar();
    const s = (await (await jar.fetch(`${p.url}/api/session`)).json()) as { csrfToken: string };
    const reg = await jar.fetch(`${p.url}/api/users`, {
      method: 'POST',
      csrf: s.csrfToken,
      json: { username: 'busyasker', email: 'busy@example.test', password: 'a long enough password' },
    });
    assert.equal(reg.status, 201, await reg.clone().text());
    const { csrfToken } = (await reg.json()) as { csrfToken: string };
    const products = ((await (await jar.fetch(`${p.url}/api/products`)).json()) as { products: Array<{ id: string }> }).products;

    // Heavy posts (long Markdown, checked and rendered on the event loop), each held at its
    // body until the server has read its headers (100-continue): all of them are in flight.
    const N = 24;
    const paragraph = 'Step **one**: open the *settings* page, then `Reset`, then [help](https://example.test/help). ';
    const body = Array.from({ length: 60 }, (_, i) => `${i + 1}. ${paragraph}\n\n> ${paragraph}`).join('\n');
    const posts = Array.from({ length: N }, (_, i) =>
      heldPost(`${p.url}/api/threads`, jar.header(), csrfToken, {
        title: `A question asked during shutdown ${i + 1}`,
        body: body.slice(0, 19_000),
        products: [products[0]!.id],
      }),
    );
    await Promise.all(posts.map((x) => x.inFlight));
    // All bodies at once, then SIGTERM to npm while the server chews on them; the last
    // request's body arrives after the signal.
    for (const x of posts.slice(0, -1)) x.send();
    const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
    process.kill(p.child.pid!, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    posts.at(-1)!.send();

    const answers = await Promise.all(posts.map((x) => x.response));
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(N).fill(201),
      answers.map((a) => a.body.slice(0, 200)).join('\n'),
    );
    await exited;
    for (let i = 0; i < 50 && processAlive(p.pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(processAlive(p.pid), false);
    assert.ok(p.lines.some((l) => l.includes('"msg":"shutting down"')));
    assert.ok(p.lines.some((l) => l.includes('"msg":"stopped"')));

    const left = fs.readdirSync(dataDir).sort();
    assert.equal(isDataDirLocked(dataDir), false, 'the data directory lock is released');
    for (const f of left)
      assert.doesNotMatch(f, /embedded\.address|embedded\.sock|-wal$|-shm$|-journal$/, `left behind: ${left.join(', ')}`);

    // Every answered question is stored (reopened on the same data directory).
    const db = await startEmbeddedServer({ dataDir, logger: createLogger('silent') });
    const conn = await mongoose.createConnection(`${db.uri}/forum`).asPromise();
    try {
      assert.equal(await conn.collection('threads').countDocuments({ title: /asked during shutdown/ }), N);
    } finally {
      await conn.close();
      await db.close();
    }
  });
});

/**
 * A JSON POST sent with `Expect: 100-continue`: `inFlight` resolves when the server has read
 * the headers (it answers 100 Continue), `send()` sends the body, `response` is the answer.
 */
function heldPost(url: string, cookie: string, csrf: string, json: unknown) {
  const payload = Buffer.from(JSON.stringify(json));
  let markInFlight!: () => void;
  const inFlight = new Promise<void>((resolve) => (markInFlight = resolve));
  const req = http.request(url, {
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'content-length': payload.length,
      accept: 'application/json',
      cookie,
      'x-csrf-token': csrf,
      expect: '100-continue',
    },
  });
  req.on('continue', () => markInFlight());
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  response.catch(() => undefined);
  req.flushHeaders();
  return { inFlight, response, send: () => req.end(payload) };
}
