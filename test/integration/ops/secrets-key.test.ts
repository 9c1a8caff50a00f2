import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../server/kernel/logger';
import { startForum, type TestForum } from '../../helpers/kit';
import { childEnv, runAppProcessToExit } from './processes';

/**
 * The secure-field key is checked at start (server/messages/secure-fields.ts checkSecretsKey,
 * called by server/main.ts): a malformed key stops the start with a clear message, and a lost
 * key file is never silently replaced while encrypted fields exist.
 */
describe('ops: the secrets key is checked at start', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const forums: TestForum[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'forum-secrets-'));
    dirs.push(d);
    return d;
  };
  after(async () => {
    for (const f of forums) await f.close().catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a malformed SECRETS_KEY: the process exits 1 with a message naming SECRETS_KEY, no stack and no source path', async () => {
    const r = await runAppProcessToExit(
      childEnv({
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: tmp(),
        DEMO_CONTENT: 'false',
        SECRETS_KEY: 'not-a-valid-key',
      }),
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /SECRETS_KEY/);
    assert.doesNotMatch(r.stderr, /\.ts:\d+|\bat \w+ \(/);
    assert.doesNotMatch(r.stdout, /forum listening/);
  });

  it('no key file while encrypted fields exist: refuses to start; SECRETS_ALLOW_NEW_KEY=true starts with a new key and says so loudly', async () => {
    const dataDir = tmp();
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
    const f = await startForum({ dataDir, logger, env: { SECRETS_KEY: '' } });
    forums.push(f);
    await f.services.messages.checkSecretsKey();
    assert.ok(fs.existsSync(path.join(dataDir, 'secrets.key')), 'the first start makes the key');
    // A message holding an encrypted field, then the key file is lost.
    await f.col('messages').insertOne({ fields: [{ enc: { v: 1, iv: 'x', ct: 'y', tag: 'z' } }] });
    fs.rmSync(path.join(dataDir, 'secrets.key'));
    await assert.rejects(
      f.services.messages.checkSecretsKey(),
      /secrets\.key is missing.*encrypted secure fields.*SECRETS_ALLOW_NEW_KEY=true/s,
    );
    assert.equal(fs.existsSync(path.join(dataDir, 'secrets.key')), false, 'no key was made');

    const allowed = await startForum({ dataDir: tmp(), logger, env: { SECRETS_KEY: '', SECRETS_ALLOW_NEW_KEY: 'true' } });
    forums.push(allowed);
    await allowed.col('messages').insertOne({ fields: [{ enc: { v: 1, iv: 'x', ct: 'y', tag: 'z' } }] });
    await allowed.services.messages.checkSecretsKey();
    assert.ok(lines.some((l) => l.level === 50 && /SECRETS_ALLOW_NEW_KEY.*unreadable/.test(String(l.msg))));
  });
});
