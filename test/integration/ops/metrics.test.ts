import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createLogger, runInRequest } from '../../../server/kernel/logger';
import { startForum, type TestForum } from '../../helpers/kit';

/** The value of one sample line of a Prometheus text exposition (undefined when absent). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ops: /metrics (Prometheus text format) and request ids on log lines', () => {
  const forums: TestForum[] = [];
  const forum = async (env: Record<string, string> = {}) => {
    const f = await startForum({ env });
    forums.push(f);
    return f;
  };
  after(async () => {
    for (const f of forums) await f.close().catch(() => undefined);
  });

  it('counts and times requests per route pattern, database commands, job runs and process health', async () => {
    const f = await forum();
    const thread = await (await f.person('member')).ask({ title: 'Printer drops off the network every hour' });
    const sessionsBefore = await f.col('sessions').countDocuments();
    await request(f.app).get(thread.url).expect(200);
    await request(f.app).get(thread.url).expect(200);
    await request(f.app).get('/threads').expect(200);
    await request(f.app).get('/no-such-page').expect(404);
    await f.services.jobs.runNow('lock-sweep');

    const res = await request(f.app).get('/metrics').expect(200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = res.text;
    // One series per route pattern, never per thread.
    assert.equal(sample(text, 'forum_http_requests_total{method="GET",route="/threads/:id{/:slug}",status="200"}'), 2, text);
    assert.equal(sample(text, 'forum_http_requests_total{method="GET",route="/threads",status="200"}'), 1);
    assert.equal(sample(text, 'forum_http_requests_total{method="GET",route="(not found)",status="404"}'), 1);
    assert.doesNotMatch(text, new RegExp(thread.id));
    assert.equal(sample(text, 'forum_http_request_duration_seconds_count{method="GET",route="/threads"}'), 1);
    assert.ok(sample(text, 'forum_db_command_duration_seconds_count{command="find",outcome="ok"}')! > 0);
    assert.equal(sample(text, 'forum_db_up'), 1);
    assert.ok(sample(text, 'forum_db_pool_connections{state="open"}')! >= 1);
    assert.equal(sample(text, 'forum_job_runs_total{job="lock-sweep",outcome="ok"}'), 1);
    assert.equal(sample(text, 'forum_job_duration_seconds_count{job="lock-sweep"}'), 1);
    assert.ok(sample(text, 'nodejs_heap_size_used_bytes')! > 0);
    assert.match(text, /^nodejs_eventloop_lag_p99_seconds /m);
    // The member's verification mail waits in the outbox (no send job has run).
    assert.equal(
      sample(text, 'forum_mail_outbox_messages{status="queued"}'),
      await f.col('outbound_mail').countDocuments({ status: 'queued' }),
    );
    assert.ok(sample(text, 'forum_mail_outbox_messages{status="queued"}')! >= 1);
    assert.equal(sample(text, 'forum_mail_outbox_messages{status="failed"}'), 0);
    assert.equal(await f.col('sessions').countDocuments(), sessionsBefore, 'scraping and reading store no session');
  });

  it('without METRICS_TOKEN: only a direct loopback client, never one through a proxy (404 as if absent)', async () => {
    const f = await forum();
    await request(f.app).get('/metrics').set('X-Forwarded-For', '203.0.113.9').expect(404);
    await request(f.app).get('/metrics').set('Forwarded', 'for=203.0.113.9').expect(404);
  });

  it('with METRICS_TOKEN: the bearer token is required, from anywhere', async () => {
    const token = 'scrape-token-0123456789abcdef';
    const f = await forum({ METRICS_TOKEN: token });
    await request(f.app).get('/metrics').expect(404);
    await request(f.app).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789abcd').expect(404);
    const res = await request(f.app)
      .get('/metrics')
      .set('Authorization', `Bearer ${token}`)
      .set('X-Forwarded-For', '203.0.113.9')
      .expect(200);
    assert.match(res.text, /forum_http_requests_total/);
  });

  it('METRICS_ENABLED=false: no /metrics at all', async () => {
    const f = await forum({ METRICS_ENABLED: 'false' });
    await request(f.app).get('/metrics').expect(404);
  });

  it("every line logged while serving a request carries the request's id, across awaits and timers; none outside", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _enc, cb) {
          for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
          cb();
        },
      }),
    );
    await Promise.all([
      runInRequest('req-aaaaaaaa', async () => {
        await Promise.resolve();
        logger.info('after an await');
      }),
      runInRequest('req-bbbbbbbb', () => new Promise<void>((resolve) => setImmediate(() => (logger.info('in a callback'), resolve())))),
    ]);
    logger.info('outside');
    await new Promise((resolve) => setImmediate(resolve));
    const by = (msg: string) => lines.find((l) => l.msg === msg);
    assert.equal(by('after an await')?.reqId, 'req-aaaaaaaa');
    assert.equal(by('in a callback')?.reqId, 'req-bbbbbbbb');
    assert.equal(by('outside')?.reqId, undefined);
  });
});
