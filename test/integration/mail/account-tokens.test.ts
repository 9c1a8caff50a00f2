import assert from 'node:assert/strict';
import { startTestDatabase } from '../../../server/db/connect';
import { FakeClock } from '../../../server/kernel/clock';
import { bindMailModels, createAccountTokens, hashToken, type MailModels } from '../../../server/mail';

const USER = '65f0c0ffee0000000000a001';
const HOUR = 3_600_000;

describe('account tokens (verification, password reset)', () => {
  let db: { close(): Promise<void> };
  let models: MailModels;
  let clock: FakeClock;
  before(async () => {
    db = await startTestDatabase();
    models = bindMailModels();
    await models.accountToken.init();
  });
  beforeEach(async () => {
    clock = new FakeClock('2026-11-17T15:00:00Z');
    await models.accountToken.deleteMany({});
  });
  after(() => db.close());

  it('stores only the SHA-256 hash, and a token works exactly once', async () => {
    const tokens = createAccountTokens({ model: models.accountToken, clock });
    const { token, expiresAt } = await tokens.issue({ userId: USER, purpose: 'reset_password', ttlMs: HOUR });
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(expiresAt.toISOString(), '2026-11-17T16:00:00.000Z');
    const stored = await models.accountToken.find({}).lean();
    assert.equal(stored.length, 1);
    assert.equal(stored[0].tokenHash, hashToken(token));
    assert.ok(!JSON.stringify(stored).includes(token), 'the token itself is never stored');

    const first = await tokens.consume(token, 'reset_password');
    assert.deepEqual(first, { ok: true, userId: USER, email: null, createdAt: new Date('2026-11-17T15:00:00Z') });
    assert.deepEqual(await tokens.consume(token, 'reset_password'), { ok: false, reason: 'used' });
  });

  it('two concurrent uses of one token: exactly one succeeds', async () => {
    const tokens = createAccountTokens({ model: models.accountToken, clock });
    const { token } = await tokens.issue({ userId: USER, purpose: 'verify_email', ttlMs: HOUR, email: 'Ann@Example.test' });
    const results = await Promise.all(Array.from({ length: 8 }, () => tokens.consume(token, 'verify_email')));
    const ok = results.filter((r) => r.ok);
    assert.equal(ok.length, 1);
    assert.deepEqual(ok[0], { ok: true, userId: USER, email: 'ann@example.test', createdAt: clock.now() });
  });

  it('expires by the injected clock', async () => {
    const tokens = createAccountTokens({ model: models.accountToken, clock });
    const a = await tokens.issue({ userId: USER, purpose: 'reset_password', ttlMs: HOUR });
    clock.advance(HOUR);
    assert.deepEqual(await tokens.consume(a.token, 'reset_password'), { ok: false, reason: 'expired' });
    clock.set('2026-11-17T15:00:00Z');
    assert.deepEqual(await tokens.consume(a.token, 'reset_password'), { ok: false, reason: 'used' }, 'an expired try uses it up');
    const b = await tokens.issue({ userId: USER, purpose: 'reset_password', ttlMs: HOUR });
    clock.advance(HOUR - 1);
    assert.equal((await tokens.consume(b.token, 'reset_password')).ok, true);
  });

  it('rejects tampered, foreign-purpose and malformed tokens; a new token revokes older ones', async () => {
    const tokens = createAccountTokens({ model: models.accountToken, clock });
    const { token } = await tokens.issue({ userId: USER, purpose: 'verify_email', ttlMs: HOUR });
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    assert.deepEqual(await tokens.consume(tampered, 'verify_email'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await tokens.consume(token, 'reset_password'), { ok: false, reason: 'invalid' });
    for (const bad of ['', 'short', `${token}x`, 42 as unknown as string]) {
      assert.deepEqual(await tokens.consume(bad, 'verify_email'), { ok: false, reason: 'invalid' });
    }
    const newer = await tokens.issue({ userId: USER, purpose: 'verify_email', ttlMs: HOUR });
    assert.deepEqual(await tokens.consume(token, 'verify_email'), { ok: false, reason: 'used' }, 'replaced by the newer link');
    assert.equal((await tokens.consume(newer.token, 'verify_email')).ok, true);
    const r = await tokens.issue({ userId: USER, purpose: 'reset_password', ttlMs: HOUR });
    assert.equal(await tokens.revokeAll(USER, 'reset_password'), 1);
    assert.equal((await tokens.consume(r.token, 'reset_password')).ok, false);
    await assert.rejects(tokens.issue({ userId: 'nope', purpose: 'verify_email', ttlMs: HOUR }), TypeError);
    await assert.rejects(tokens.issue({ userId: USER, purpose: 'verify_email', ttlMs: 0 }), TypeError);
  });
});
