import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../../server/app';
import { REDACT_PATHS } from '../../../server/kernel/logger';
import { Readiness } from '../../../server/http/health';
import { startForum, type TestForum } from '../../helpers/kit';
import { loggableUrl } from '../../../server/http/request-context';

describe('ops: health checks and request logs', () => {
  const forums: TestForum[] = [];
  /** A forum with this test's logger (and settings). */
  const forum = async (env: Record<string, string> = {}) => {
    const f = await startForum({ env, logger });
    forums.push(f);
    return f;
  };
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined },
    new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    }),
  );
  after(async () => {
    for (const f of forums) await f.close().catch(() => undefined);
  });

  it('/healthz pings the database; /readyz follows start-up and draining; neither creates a session', async () => {
    const readiness = new Readiness();
    const app = createApp((await forum()).services, { readiness });
    const health = await request(app).get('/healthz').expect(200);
    assert.deepEqual(health.body, { status: 'ok', database: 'ok' });
    assert.equal(health.headers['set-cookie'], undefined);
    assert.equal(health.headers['cache-control'], 'no-store');
    assert.deepEqual((await request(app).get('/readyz').expect(503)).body, { status: 'starting' });
    readiness.markReady();
    assert.deepEqual((await request(app).get('/readyz').expect(200)).body, { status: 'ready' });
    readiness.markDraining();
    const draining = await request(app).get('/readyz').expect(503);
    assert.deepEqual(draining.body, { status: 'draining' });
    assert.equal(draining.headers.connection, 'close');
    readiness.markReady();
    assert.equal((await request(app).get('/readyz')).status, 503, 'draining is final');
  });

  it('production request logs: info level, path without the query string, status, ms, reqId; secrets redacted', async () => {
    const { app } = await forum({ NODE_ENV: 'production', LOG_LEVEL: 'info' });
    lines.length = 0;
    await request(app).get('/threads?token=abc123secret&q=my+access+code').set('X-Request-Id', 'req-12345678').expect(200);
    await request(app).post('/api/session').set('X-Forwarded-Proto', 'https').send({ username: 'x', password: 'hunter2-hunter2' });
    const entries = lines.filter((l) => l.msg === 'request');
    assert.equal(entries.length, 2);
    assert.deepEqual(
      { ...entries[0], ms: 0, time: 0 },
      { level: 30, time: 0, reqId: 'req-12345678', method: 'GET', url: '/threads', status: 200, ms: 0, msg: 'request' },
    );
    assert.equal(typeof entries[0]!.ms, 'number');
    const all = JSON.stringify(lines);
    assert.doesNotMatch(all, /abc123secret|hunter2|access\+code/);
    // Health probes are not logged.
    lines.length = 0;
    await request(app).get('/healthz').expect(200);
    assert.equal(lines.filter((l) => l.msg === 'request').length, 0);
    // Whatever logs an object with a secret-looking field, the value never reaches the output.
    logger.info({ password: 'p4ss', fields: [{ label: 'MCID', value: '123456789' }], req: { headers: { cookie: 'forum.sid=abc' } } }, 'x');
    assert.doesNotMatch(JSON.stringify(lines), /p4ss|123456789|forum\.sid=abc/);
  });

  it('loggableUrl drops the query string', () => {
    assert.equal(loggableUrl('/reset?token=1'), '/reset');
    assert.equal(loggableUrl('/threads/abc'), '/threads/abc');
  });

  it('development logs requests at debug, not info', async () => {
    const { app } = await forum({ NODE_ENV: 'development' });
    lines.length = 0;
    await request(app).get('/threads').expect(200);
    assert.equal(lines.filter((l) => l.msg === 'request').length, 0);
  });

  it('/healthz answers 503 when the database is gone', async () => {
    const f = await forum();
    const app = f.app;
    await f.services.db.close();
    const res = await request(app).get('/healthz').expect(503);
    assert.equal(res.body.status, 'unavailable');
    assert.equal(res.body.database, 'unreachable');
    assert.equal(res.headers['retry-after'], '5');
  });
});
