import assert from 'node:assert/strict';
import { startForum, csrfToken, type TestForum } from '../../helpers/kit';
import type { TestUser } from '../../helpers/kit';

// RATE_LOGIN_MAX=3 attempts per account and 9 failures per address, per 15 minutes.
// TRUST_PROXY lets each test speak from its own client address via X-Forwarded-For.
describe('auth: sign-in throttling (per account and per address, in MongoDB)', () => {
  let t: TestForum;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    t = await startForum({ env: { RATE_LOGIN_MAX: '3', RATE_LOGIN_WINDOW_MIN: '15', TRUST_PROXY: 'true' } });
    alice = await t.createUser({ username: 'alice' });
    bob = await t.createUser({ username: 'bob' });
  });
  after(() => t.close());

  async function attempt(ip: string, username: string, password: string) {
    const agent = t.agent();
    const token = await csrfToken(agent);
    return agent.post('/api/session').set('X-Forwarded-For', ip).set('X-CSRF-Token', token).send({ username, password });
  }

  it('locks an account after 3 failures, even for the right password, from any address', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await attempt('10.0.1.1', 'alice', 'wrong password')).status, 401);
    const locked = await attempt('10.0.1.1', 'alice', alice.password);
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error.code, 'rate_limited');
    const retry = Number(locked.headers['retry-after']);
    assert.ok(retry > 0 && retry <= 15 * 60, `Retry-After ${retry}`);
    assert.equal((await attempt('10.0.1.2', 'ALICE', alice.password)).status, 429, 'per account, whatever the address');

    const counter = await t.col('login_attempts').findOne({ _id: 'acct:alice' as never });
    assert.ok(counter && counter.count >= 4 && counter.expiresAt instanceof Date);
    assert.equal((await t.col('users').findOne({ usernameLower: 'alice' }))?.lastLoginAt, null);
  });

  it('locks a nonexistent account the same way (no enumeration)', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt('10.0.2.1', 'ghost', 'whatever it is')).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });

  it('opens again once the window has passed, and success resets the account counter', async () => {
    t.clock.advance(15 * 60_000 + 1000);
    assert.equal((await attempt('10.0.3.1', 'alice', alice.password)).status, 200);
    assert.equal(await t.col('login_attempts').countDocuments({ _id: 'acct:alice' as never }), 0);
    // Two failures, a success, then three more failures are all allowed.
    assert.equal((await attempt('10.0.3.1', 'alice', 'wrong password')).status, 401);
    assert.equal((await attempt('10.0.3.1', 'alice', 'wrong password')).status, 401);
    assert.equal((await attempt('10.0.3.1', 'alice', alice.password)).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await attempt('10.0.3.1', 'alice', 'wrong password')).status, 401);
    assert.equal((await attempt('10.0.3.1', 'alice', alice.password)).status, 429);
  });

  it('blocks an address after 9 failures across many accounts; other addresses still work', async () => {
    for (let i = 0; i < 9; i++) assert.equal((await attempt('10.0.4.1', `victim${i}`, 'guess')).status, 401);
    const blocked = await attempt('10.0.4.1', 'bob', bob.password);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.equal((await attempt('10.0.4.2', 'bob', bob.password)).status, 200);
  });

  it('a clock moved back a day does not stretch a lockout: it ends at most one window after the last failure', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await attempt('10.0.9.1', 'bob', 'wrong password')).status, 401);
    assert.equal((await attempt('10.0.9.1', 'bob', bob.password)).status, 429);
    t.clock.advance(-24 * 3600_000);
    try {
      const res = await attempt('10.0.9.1', 'bob', bob.password);
      if (res.status === 429) assert.ok(Number(res.headers['retry-after']) <= 15 * 60, `Retry-After ${res.headers['retry-after']}`);
      assert.equal(res.status, 200, 'the window that ended a day from now starts again');
      const counter = await t.col('login_attempts').findOne({ _id: 'ip:10.0.9.1' as never });
      assert.ok(counter && counter.expiresAt.getTime() <= t.clock.now().getTime() + 15 * 60_000);
    } finally {
      t.clock.advance(24 * 3600_000);
    }
  });
});
