import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../../server/kernel/logger';
import { startForum, type TestForum } from '../../helpers/kit';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Load shedding and request timeouts (server/http/load-shedding.ts), through a real listening
 * server: a request whose body never finishes arriving stays in flight, which is how a slow
 * client (or a slow route) holds a slot.
 */
describe('ops: overload (503 + Retry-After for new work past the limits, request timeouts, health checks always answered)', () => {
  let forum: TestForum;
  let server: http.Server;
  let base: URL;
  const open: http.ClientRequest[] = [];

  /** The forum's warn-and-above log lines, parsed. */
  let logLines: { msg: string; refused?: Record<string, number> }[] = [];
  const start = async (env: Record<string, string>) => {
    logLines = [];
    const logger = createLogger('warn', { write: (line: string) => void logLines.push(JSON.parse(line)) });
    forum = await startForum({ env, logger });
    server = forum.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  };
  afterEach(async () => {
    for (const r of open.splice(0)) r.destroy();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await forum?.close();
  });

  const answer = (req: http.ClientRequest) =>
    new Promise<Answer>((resolve, reject) => {
      req.once('error', reject);
      req.once('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.once('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
    });
  const get = (path: string) => answer(http.get(new URL(path, base), { headers: { accept: 'application/json' } }));
  /** A JSON POST whose body never arrives: it stays in flight until the server answers or the test ends. */
  const stalled = async () => {
    const req = http.request(new URL('/api/threads', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '1000', accept: 'application/json' },
    });
    open.push(req);
    const answered = answer(req);
    answered.catch(() => undefined);
    req.flushHeaders();
    // In flight once the server has routed it: a health check on the same server comes after it.
    await get('/healthz');
    return { answered };
  };

  it('SHED_MAX_IN_FLIGHT: past the limit, new requests get 503 overloaded with Retry-After; /healthz and /readyz still answer; a freed slot serves again', async () => {
    await start({ SHED_MAX_IN_FLIGHT: '1' });
    const slow = (await stalled()).answered;
    const refused = await get('/api/threads');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '2');
    assert.equal(JSON.parse(refused.body).error.code, 'overloaded');
    assert.equal(JSON.parse(refused.body).error.retryAfterSeconds, 2);
    const page = await answer(http.get(new URL('/threads', base)));
    assert.equal(page.status, 503);
    assert.equal(page.headers['retry-after'], '2');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /very busy/);
    assert.equal((await get('/healthz')).status, 200);
    assert.equal((await get('/readyz')).status, 200);
    // A burst of refusals: each answered, one log line for all of them (the first), exact counts in /metrics.
    for (let i = 0; i < 20; i++) assert.equal((await get('/api/threads')).status, 503);
    const metrics = await get('/metrics');
    assert.match(metrics.body, /^forum_http_shed_total\{reason="in_flight"\} 22$/m);
    const shedLines = logLines.filter((l) => /shedding load/.test(l.msg));
    assert.equal(shedLines.length, 1);
    assert.deepEqual(shedLines[0]!.refused, { in_flight: 1, event_loop_delay: 0 });
    assert.equal(logLines.filter((l) => /very busy/.test(l.msg)).length, 0, 'no line per refused request');

    for (const r of open.splice(0)) r.destroy();
    await slow.catch(() => undefined);
    // The slot is freed when the stalled connection closes; the next request is served.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) status = (await get('/api/threads')).status;
    assert.equal(status, 200);
  });

  it('REQUEST_TIMEOUT_MS: a request still unanswered gets 503 timeout with Retry-After, and the others are unaffected', async () => {
    await start({ REQUEST_TIMEOUT_MS: '300' });
    const started = performance.now();
    const slow = (await stalled()).answered;
    assert.equal((await get('/api/threads')).status, 200);
    const timedOut = await slow;
    assert.equal(timedOut.status, 503);
    assert.equal(timedOut.headers['retry-after'], '2');
    assert.equal(JSON.parse(timedOut.body).error.code, 'timeout');
    assert.ok(performance.now() - started >= 300);
    assert.equal(await forum.col('threads').countDocuments(), 0, 'nothing was stored');
  });

  it('SHED_EVENT_LOOP_DELAY_MS: a request arriving while the event loop runs late is refused; health checks are not', async () => {
    await start({ SHED_EVENT_LOOP_DELAY_MS: '50' });
    assert.equal((await get('/api/threads')).status, 200);
    // Two requests are on the wire, then this process's event loop is kept busy (as a burst of
    // CPU-heavy requests would) before the server reads them.
    const pending = [get('/api/threads'), get('/healthz')];
    await new Promise((resolve) => setImmediate(resolve));
    const until = performance.now() + 600;
    while (performance.now() < until) {
      // busy: the event loop is blocked
    }
    const [work, health] = await Promise.all(pending);
    assert.equal(work!.status, 503);
    assert.equal(JSON.parse(work!.body).error.code, 'overloaded');
    assert.equal(health!.status, 200);
    // The delay is smoothed over 50 ms samples: once the loop is idle again, work is served.
    // (On a machine busy with other work the loop may run late for a while: ask for up to 10 s.)
    let status = 0;
    const giveUp = performance.now() + 10_000;
    while (status !== 200 && performance.now() < giveUp) status = (await get('/api/threads')).status;
    assert.equal(status, 200);
  });
});
