import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { createServices } from '../../../server/compose';
import { testConfig } from '../../../server/config';
import { startEmbeddedServer } from '../../../server/db/embedded';
import { systemClock } from '../../../server/kernel/clock';
import { createLogger } from '../../../server/kernel/logger';
import { buildOnce, forumEnv, startAppProcess, type AppProcess } from './processes';

/**
 * Two app processes on one data directory, no MONGODB_URI: the first serves the embedded
 * database on the directory's stable address (DATA_DIR/embedded.sock), the second shares it.
 * When the owner stops, the other takes the database over on the same address; the owner's
 * replacement then shares it in turn (server/db/connect.ts).
 */
describe('ops: the embedded database survives its owner restarting (stable address, takeover)', function () {
  // Three process starts: each loads the build in about 10 s on a loaded 2-core machine.
  this.timeout(90_000);
  const running: AppProcess[] = [];
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    // As users run it: `npm start`, the compiled build (and faster to start than the sources).
    await buildOnce();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forum-takeover-'));
    // An account on disk, made through the same composition root as the app processes use.
    const db = await startEmbeddedServer({ host: '127.0.0.1', port: 0, dataDir, logger: createLogger('silent') });
    const conn = await mongoose.createConnection(`${db.uri}/forum`).asPromise();
    const forum = createServices({ config: testConfig(), clock: systemClock, logger: createLogger('silent'), db: conn });
    await forum.init();
    await forum.auth.register({ username: 'takeover', email: 'takeover@example.test', password: 'takeover member password' });
    await conn.close();
    await db.close();
    env = forumEnv(dataDir, {
      NODE_ENV: 'development',
      JOBS_ENABLED: 'false',
      // Not about overload: a loaded test machine must not shed these requests.
      SHED_EVENT_LOOP_DELAY_MS: '0',
      SHED_MAX_IN_FLIGHT: '0',
    });
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    const p = await startAppProcess(env, 30_000, 'npm');
    running.push(p);
    return p;
  };
  const profile = (p: AppProcess) =>
    fetch(`${p.url}/api/users/takeover`, { headers: { accept: 'application/json' } }).then((r) => r.status);

  it('the sharing process keeps serving after the owner stops, and the restarted owner shares with it', async () => {
    const owner = await start();
    const sharer = await start();
    assert.equal(await profile(owner), 200);
    assert.equal(await profile(sharer), 200);

    assert.equal(await owner.stop(), 0);
    const started = performance.now();
    let status = 0;
    while (status !== 200 && performance.now() - started < 15_000) status = await profile(sharer).catch(() => 0);
    assert.equal(status, 200, 'the sharing process took the database over');
    assert.ok(
      sharer.lines.some((l) => /this process serves it now/.test(l)),
      sharer.lines.join('\n'),
    );

    const replacement = await start();
    assert.equal(await profile(replacement), 200);
    assert.equal(await profile(sharer), 200);
  });
});
