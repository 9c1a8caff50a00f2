import assert from 'node:assert/strict';
import request from 'supertest';
import { createApp } from '../../../server/app';
import { createServices } from '../../../server/compose';
import { testConfig } from '../../../server/config';
import { connectDatabase } from '../../../server/db/connect';
import { startEmbeddedServer, type EmbeddedServer } from '../../../server/db/embedded';
import { FakeClock } from '../../../server/kernel/clock';
import { createLogger } from '../../../server/kernel/logger';

/** Asks `probe` until it says yes or `withinMs` has passed; resolves with the time it took. */
async function until(withinMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await probe())) {
    // Let the driver's monitoring run between probes.
    await new Promise((resolve) => setImmediate(resolve));
    if (performance.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
  }
  return performance.now() - started;
}

describe('ops: the database goes away and comes back (fail fast with 503 + Retry-After, recover by itself)', function () {
  this.timeout(30_000);
  const cleanup: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('MONGODB_URI down: 503 with Retry-After within a second, /healthz says so, and it serves again within seconds of the database returning', async () => {
    const logger = createLogger('silent');
    let db: EmbeddedServer = await startEmbeddedServer({ dataDir: null, logger });
    const port = Number(new URL(db.uri).port);
    const config = testConfig({ MONGODB_URI: `${db.uri}/forum_down_test` });
    const database = await connectDatabase(config, logger);
    cleanup.push(() => database.close());
    const services = createServices({ config, clock: new FakeClock(), logger, db: database.connection });
    await services.start({ jobs: false, demo: false });
    const app = createApp(services);
    await request(app).get('/api/threads').expect(200);

    await db.close();
    const started = performance.now();
    const res = await request(app).get('/api/threads');
    assert.equal(res.status, 503);
    assert.ok(performance.now() - started < 1500, `answered in ${Math.round(performance.now() - started)} ms`);
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(res.body.error.code, 'database_unavailable');
    // Once the driver has noticed, requests are refused at once, before any work.
    await until(5000, async () => !services.dbHealth.up);
    const refused = performance.now();
    const page = await request(app).get('/threads');
    assert.equal(page.status, 503);
    assert.match(page.text, /cannot reach its database/);
    assert.ok(performance.now() - refused < 200);
    const health = await request(app).get('/healthz').expect(503);
    assert.equal(health.body.database, 'unreachable');
    assert.equal(typeof health.body.since, 'string');
    await request(app).get('/readyz').expect(200);

    db = await startEmbeddedServer({ dataDir: null, logger, port });
    cleanup.push(() => db.close());
    const took = await until(10_000, async () => (await request(app).get('/api/threads')).status === 200);
    assert.ok(took < 10_000);
    await request(app).get('/healthz').expect(200);
  });
});
