import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { startEmbeddedServer, type EmbeddedServer } from '../../../server/db/embedded';
import { createLogger } from '../../../server/kernel/logger';
import { createServices } from '../../../server/compose';
import { systemClock } from '../../../server/kernel/clock';
import { testConfig } from '../../../server/config';
import { BusinessCalendar, DEFAULT_CALENDAR } from '../../../server/calendar';
import { childEnv, CookieJar, runCli, startAppProcess, type AppProcess } from './processes';

const SESSION_SECRET = 'two-processes-session-secret-0123456789abcdef';
const SECRETS_KEY = Buffer.alloc(32, 9).toString('base64');
const THREADS = 8;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies in a test
type Json = Record<string, any>;
const json = async (res: Response | Promise<Response>): Promise<Json> => (await (await res).json()) as Json;

/**
 * Scaling out (docs/architecture.md): one database, several stateless app processes. The embedded
 * server runs alone (as `npm run db` would); two real app processes (server/main.ts) and
 * two real CLI processes talk to it over the wire.
 */
describe('ops: two app processes sharing one database (sessions, concurrent lock sweeps, readiness while draining)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let db: EmbeddedServer;
  let uri: string;
  let a: AppProcess | undefined;
  let b: AppProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let conn: Connection;
  const member = { username: 'asker2p', password: 'two processes asker pass' };
  const moderator = { username: 'mod2p', password: 'two processes moderator pass' };

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'forum-2p-'));
    db = await startEmbeddedServer({ host: '127.0.0.1', port: 0, dataDir, logger: createLogger('silent') });
    uri = `${db.uri}/forum`;
    conn = await mongoose.createConnection(uri).asPromise();
    // Accounts made through the same composition root as the app processes use.
    const forum = createServices({ config: testConfig(), clock: systemClock, logger: createLogger('silent'), db: conn });
    await forum.init();
    const { auth } = forum;
    await auth.register({ username: member.username, email: 'asker2p@example.test', password: member.password });
    await auth.register({ username: moderator.username, email: 'mod2p@example.test', password: moderator.password });
    await auth.setRole(moderator.username, 'moderator');

    env = childEnv({
      NODE_ENV: 'production',
      MONGODB_URI: uri,
      HOST: '127.0.0.1',
      PORT: '0',
      SESSION_SECRET,
      SECRETS_KEY,
      LOG_LEVEL: 'info',
      DEMO_CONTENT: 'false',
      JOBS_ENABLED: 'false',
      RATE_QUESTION_MAX: '1000',
      RATE_POST_MAX: '1000',
      SHUTDOWN_DRAIN_MS: '1500',
      // Not about overload: a loaded test machine must not shed these requests.
      SHED_EVENT_LOOP_DELAY_MS: '0',
      SHED_MAX_IN_FLIGHT: '0',
      // Production cookies are Secure: as behind a TLS-terminating proxy on this machine.
      TRUST_PROXY: 'loopback',
    });
    [a, b] = await Promise.all([startAppProcess(env), startAppProcess(env)]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await conn?.close();
    await db?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('both processes are healthy and ready', async () => {
    for (const p of [a!, b!]) {
      const health = await fetch(`${p.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', database: 'ok' });
      assert.equal(health.headers.getSetCookie().length, 0, 'no session for a health check');
      const ready = await fetch(`${p.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready' });
    }
    assert.notEqual(a!.url, b!.url);
  });

  it('a session made on A works on B (sign-in, identity, and a CSRF-protected write)', async () => {
    const jar = new CookieJar();
    const first = await json(jar.fetch(`${a!.url}/api/session`));
    const login = await jar.fetch(`${a!.url}/api/session`, { method: 'POST', csrf: first.csrfToken, json: member });
    assert.equal(login.status, 200, await login.clone().text());
    const { csrfToken } = await json(login);

    const onB = await json(jar.fetch(`${b!.url}/api/session`));
    assert.equal(onB.user?.username, member.username);
    const products = (await json(jar.fetch(`${b!.url}/api/products`))).products;
    const asked = await jar.fetch(`${b!.url}/api/threads`, {
      method: 'POST',
      csrf: csrfToken,
      json: { title: 'Asked on B with a session from A', body: 'Works across processes.', products: [products[0].id] },
    });
    assert.equal(asked.status, 201, await asked.clone().text());

    // Signing out on B ends the session on A too: it lives in the database.
    const out = await jar.fetch(`${b!.url}/api/session`, { method: 'DELETE', csrf: csrfToken });
    assert.equal(out.status, 204, await out.text());
    const afterOut = await json(jar.fetch(`${a!.url}/api/session`));
    assert.equal(afterOut.user, null);
  });

  it('two lock sweeps running at once (two CLI processes) lock each thread exactly once', async () => {
    const asker = new CookieJar();
    const mod = new CookieJar();
    const signIn = async (jar: CookieJar, base: string, who: { username: string; password: string }) => {
      const s = await json(jar.fetch(`${base}/api/session`));
      const res = await jar.fetch(`${base}/api/session`, { method: 'POST', csrf: s.csrfToken, json: who });
      assert.equal(res.status, 200);
      return (await json(res)).csrfToken as string;
    };
    const askerCsrf = await signIn(asker, a!.url, member);
    const modCsrf = await signIn(mod, b!.url, moderator);
    const products = (await json(asker.fetch(`${a!.url}/api/products`))).products;

    const ids: string[] = [];
    for (let i = 0; i < THREADS; i++) {
      const t = await asker.fetch(`${a!.url}/api/threads`, {
        method: 'POST',
        csrf: askerCsrf,
        json: { title: `Silent question number ${i + 1}`, body: 'Nobody will answer the moderator.', products: [products[0].id] },
      });
      assert.equal(t.status, 201);
      const id = (await json(t)).thread.id as string;
      const r = await mod.fetch(`${b!.url}/api/threads/${id}/replies`, {
        method: 'POST',
        csrf: modCsrf,
        json: { body: 'Which e-mail address did you use? Please tell us by private message.' },
      });
      assert.equal(r.status, 201);
      ids.push(id);
    }
    const threads = conn.collection('threads');
    const oids = ids.map((id) => new mongoose.Types.ObjectId(id));
    const due = await threads.find({ _id: { $in: oids } }).toArray();
    assert.ok(due.every((t) => t.status === 'awaiting_asker' && t.lockDueAt instanceof Date));

    // A moment in support hours after every deadline.
    const calendar = new BusinessCalendar(DEFAULT_CALENDAR);
    const latest = Math.max(...due.map((t) => (t.lockDueAt as Date).getTime()));
    let now = new Date(latest + 60_000);
    if (!calendar.isOpen(now)) now = new Date(calendar.nextOpening(now).getTime() + 60_000);

    const cliEnv = { ...env, LOG_LEVEL: 'warn' };
    const [s1, s2] = await Promise.all([
      runCli(['lock-sweep', '--now', now.toISOString()], cliEnv),
      runCli(['lock-sweep', '--now', now.toISOString()], cliEnv),
    ]);
    assert.equal(s1.code, 0, s1.stderr);
    assert.equal(s2.code, 0, s2.stderr);
    const lockedBy = (out: string) => [...out.matchAll(/^locked\s+([0-9a-f]{24})/gm)].map((m) => m[1]!);
    const l1 = lockedBy(s1.stdout);
    const l2 = lockedBy(s2.stdout);
    assert.deepEqual(
      [...l1, ...l2].sort(),
      [...ids].sort(),
      `every thread locked by exactly one sweep\n--- sweep 1\n${s1.stdout}\n--- sweep 2\n${s2.stdout}`,
    );

    const after = await threads.find({ _id: { $in: oids } }).toArray();
    assert.ok(after.every((t) => t.status === 'locked'));
    for (const oid of oids) {
      const notes = await conn.collection('replies').countDocuments({ threadId: oid, system: true });
      assert.equal(notes, 1, `one system note on ${oid}`);
      const notices = await conn.collection('notifications').countDocuments({ threadId: oid, kind: 'thread_locked' });
      assert.equal(notices, 1, `one notification for ${oid}`);
    }
  });

  it('on SIGTERM a process reports "draining" on /readyz, then exits cleanly; the other keeps serving', async () => {
    const exit = b!.stop();
    let state = '';
    for (let i = 0; i < 40 && state !== 'draining'; i++) {
      const res = await fetch(`${b!.url}/readyz`).catch(() => null);
      if (res) {
        state = ((await res.json()) as { status: string }).status;
        if (state === 'draining') {
          assert.equal(res.status, 503);
          assert.equal(res.headers.get('connection'), 'close');
        }
      }
      if (state !== 'draining') await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(state, 'draining');
    assert.equal(await exit, 0);
    assert.ok(b!.lines.some((l) => l.includes('"msg":"stopped"')));
    assert.equal((await fetch(`${a!.url}/readyz`)).status, 200);

    // Request log lines: info level in production, path only (no query string), with reqId.
    await fetch(`${a!.url}/?token=should-not-be-logged`);
    await new Promise((r) => setTimeout(r, 200));
    const requests = a!.lines.filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
    const home = requests.find((r) => r.url === '/');
    assert.ok(home, 'the request to / was logged');
    assert.equal(home.level, 30);
    assert.equal(typeof home.reqId, 'string');
    assert.equal(typeof home.ms, 'number');
    assert.equal(home.status, 200);
    assert.ok(!a!.lines.some((l) => l.includes('should-not-be-logged')));
    assert.ok(!a!.lines.some((l) => l.includes(member.password)));
  });
});
