import assert from 'node:assert/strict';
import { startForum, csrfToken, type TestForum } from '../../helpers/kit';

describe('auth: register via the JSON API (POST /api/users)', () => {
  let t: TestForum;
  before(async () => {
    t = await startForum();
  });
  after(() => t.close());

  const users = () => t.col('users');

  it('creates a member, signs them in, and stores an argon2id hash', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent);
    const res = await agent
      .post('/api/users')
      .set('X-CSRF-Token', token)
      .send({ username: 'Priya', email: ' Priya@Example.TEST ', password: 'correct horse battery', displayName: 'Priya H.' })
      .expect(201);
    assert.deepEqual(Object.keys(res.body.user).sort(), ['displayName', 'id', 'role', 'username']);
    assert.equal(res.body.user.username, 'Priya');
    assert.equal(res.body.user.role, 'member');

    const doc = await users().findOne({ usernameLower: 'priya' });
    assert.ok(doc);
    assert.equal(doc.email, 'priya@example.test');
    assert.equal(doc.displayName, 'Priya H.');
    assert.equal(doc.role, 'member');
    assert.match(doc.passwordHash, /^\$argon2id\$v=19\$/);
    const params = String(doc.passwordHash).split('$')[3]!.split(',').sort();
    assert.deepEqual(params, ['m=19456', 'p=1', 't=2']);
    assert.ok(!String(doc.passwordHash).includes('correct horse'));

    const session = await agent.get('/api/session').expect(200);
    assert.equal(session.body.user.username, 'Priya');
  });

  it('defaults the display name to the username', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent);
    const res = await agent
      .post('/api/users')
      .set('X-CSRF-Token', token)
      .send({ username: 'dana.s', email: 'dana@example.test', password: 'another long secret' })
      .expect(201);
    assert.equal(res.body.user.displayName, 'dana.s');
  });

  it('refuses a duplicate username (any case) with 409 and a field message, and stores nothing', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent);
    const before = await users().countDocuments();

    const dupName = await agent
      .post('/api/users')
      .set('X-CSRF-Token', token)
      .send({ username: 'PRIYA', email: 'someone@example.test', password: 'long enough pw' });
    assert.equal(dupName.status, 409);
    assert.equal(dupName.body.error.code, 'conflict');
    assert.match(dupName.body.error.fields.username, /taken/);
    assert.equal(await users().countDocuments(), before);
  });

  it('answers a taken e-mail address like a new one (no account enumeration): an unconfirmed account, and only one account may confirm it', async () => {
    const register = async (username: string, email: string) => {
      const agent = t.agent();
      const token = await csrfToken(agent);
      return agent.post('/api/users').set('X-CSRF-Token', token).send({ username, email, password: 'long enough pw' });
    };
    const taken = await register('someone', 'PRIYA@example.test');
    const fresh = await register('someone.else', 'nobody-has-this@example.test');
    assert.equal(taken.status, 201);
    assert.equal(fresh.status, 201);
    assert.deepEqual(Object.keys(taken.body).sort(), Object.keys(fresh.body).sort());
    assert.deepEqual(Object.keys(taken.body.user).sort(), Object.keys(fresh.body.user).sort());
    const doc = await users().findOne({ usernameLower: 'someone' });
    assert.equal(doc!.email, 'priya@example.test');
    assert.equal(doc!.emailVerified, false, 'a new account starts unconfirmed');

    // The first account to confirm the address keeps it; the second cannot confirm it.
    const priya = await users().findOne({ usernameLower: 'priya' });
    assert.equal(await t.services.auth.confirmEmail(String(priya!._id), 'priya@example.test'), 'verified');
    assert.equal(await t.services.auth.confirmEmail(String(doc!._id), 'priya@example.test'), 'taken');
    assert.equal((await users().findOne({ _id: doc!._id }))!.emailVerified, false);
  });

  const valid = { username: 'newbie', email: 'newbie@example.test', password: 'a fine password', displayName: 'Newbie' };
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['username as a number', { ...valid, username: 12345 }, 'username'],
    ['username as an operator object', { ...valid, username: { $ne: '' } }, 'username'],
    ['email as an operator object', { ...valid, email: { $gt: '' } }, 'email'],
    ['password as an array', { ...valid, password: ['a fine password'] }, 'password'],
    ['password of 7 characters', { ...valid, password: 'short12' }, 'password'],
    ['password of 1025 characters', { ...valid, password: 'x'.repeat(1025) }, 'password'],
    ['username of 31 characters', { ...valid, username: 'u'.repeat(31) }, 'username'],
    ['username with spaces', { ...valid, username: 'new bie!' }, 'username'],
    ['display name of 61 characters', { ...valid, displayName: 'd'.repeat(61) }, 'displayName'],
    ['an invalid email', { ...valid, email: 'not-an-email' }, 'email'],
  ];
  for (const [label, body, field] of bad) {
    it(`400 for ${label}, nothing stored`, async () => {
      const agent = t.agent();
      const token = await csrfToken(agent);
      const before = await users().countDocuments();
      const res = await agent.post('/api/users').set('X-CSRF-Token', token).send(body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'validation');
      assert.ok(res.body.error.fields[field], `expected a message for ${field}: ${JSON.stringify(res.body.error)}`);
      assert.equal(await users().countDocuments(), before);
      assert.equal((await agent.get('/api/session')).body.user, null);
    });
  }

  it('403 without a CSRF token, nothing stored', async () => {
    const agent = t.agent();
    await csrfToken(agent);
    const res = await agent.post('/api/users').send(valid);
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'csrf');
    assert.equal(await users().countDocuments({ usernameLower: 'newbie' }), 0);
  });

  it('413 for a body over the limit, nothing stored', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent);
    const res = await agent
      .post('/api/users')
      .set('X-CSRF-Token', token)
      .send({ ...valid, displayName: 'x'.repeat(t.config.BODY_LIMIT_KB * 1024 + 10) });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'payload_too_large');
    assert.equal(await users().countDocuments({ usernameLower: 'newbie' }), 0);
  });
});
