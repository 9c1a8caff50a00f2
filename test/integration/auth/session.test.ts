import assert from 'node:assert/strict';
import request from 'supertest';
import { startForum, csrfToken, type TestForum } from '../../helpers/kit';
import { signInAgent as signIn, type TestUser } from '../../helpers/kit';
import { formToken, sessionCookieFrom, sessionIdFrom } from './util';

describe('auth: sign-in and sign-out', () => {
  let t: TestForum;
  let member: TestUser;
  let second: TestUser;
  before(async () => {
    t = await startForum();
    member = await t.createUser({ username: 'Priya', displayName: 'Priya H.' });
    second = await t.createUser({ username: 'markus' });
  });
  after(() => t.close());

  it('JSON: GET /api/session answers null and a CSRF token when signed out', async () => {
    const res = await t.agent().get('/api/session').expect(200);
    assert.equal(res.body.user, null);
    assert.equal(typeof res.body.csrfToken, 'string');
  });

  it('JSON: signs in with a new session id, then sign-out kills the old cookie', async () => {
    const agent = t.agent();
    const sessionsBefore = await t.col('sessions').countDocuments();
    const first = await agent.get('/api/session').expect(200);
    assert.equal(sessionIdFrom(first), undefined, 'a signed-out visitor gets no session cookie');
    assert.equal(await t.col('sessions').countDocuments(), sessionsBefore, 'and no stored session');

    const login = await agent
      .post('/api/session')
      .set('X-CSRF-Token', first.body.csrfToken)
      .send({ username: 'priya', password: member.password })
      .expect(200);
    assert.deepEqual(login.body.user, { id: member.id, username: 'Priya', displayName: 'Priya H.', role: 'member' });
    const signedInSid = sessionIdFrom(login);
    const signedInCookie = sessionCookieFrom(login)!;
    assert.ok(signedInSid);
    assert.equal(await t.col('sessions').countDocuments({ _id: signedInSid as never }), 1);

    const doc = await t.col('users').findOne({ usernameLower: 'priya' });
    assert.ok(doc?.lastLoginAt instanceof Date);

    const me = await agent.get('/api/session').expect(200);
    assert.equal(me.body.user.username, 'Priya');

    await agent.delete('/api/session').set('X-CSRF-Token', login.body.csrfToken).expect(204);
    assert.equal(await t.col('sessions').countDocuments({ _id: signedInSid as never }), 0, 'session destroyed');

    // Replaying the old cookie from another client finds no session.
    const replay = await request(t.app).get('/api/session').set('Cookie', signedInCookie).expect(200);
    assert.equal(replay.body.user, null);
  });

  it('signs several people in at the same moment, each into their own session', async () => {
    const people = [member, second, member];
    const agents = people.map(() => t.agent());
    const tokens = await Promise.all(agents.map((a) => csrfToken(a)));
    const results = await Promise.all(
      people.map((p, i) =>
        agents[i]!.post('/api/session').set('X-CSRF-Token', tokens[i]!).send({ username: p.username, password: p.password }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200],
    );
    const me = await Promise.all(agents.map((a) => a.get('/api/session')));
    assert.deepEqual(
      me.map((r) => r.body.user.username),
      ['Priya', 'markus', 'Priya'],
    );
  });

  it('gives the same message for an unknown user and a wrong password', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent);
    const wrong = await agent.post('/api/session').set('X-CSRF-Token', token).send({ username: 'Priya', password: 'not the password' });
    const unknown = await agent
      .post('/api/session')
      .set('X-CSRF-Token', token)
      .send({ username: 'nobody-here', password: 'not the password' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.body.error.message, 'Incorrect username or password.');
    assert.equal((await agent.get('/api/session')).body.user, null);
  });

  it('400 for operator objects and wrong types in the credentials', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent);
    for (const body of [
      { username: { $ne: '' }, password: { $ne: '' } },
      { username: 'Priya', password: { $gt: '' } },
      { username: ['Priya'], password: member.password },
      {},
    ]) {
      const res = await agent.post('/api/session').set('X-CSRF-Token', token).send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'validation');
    }
    assert.equal((await agent.get('/api/session')).body.user, null);
  });

  it('a cookieless client fetching /login, /register and GET /api/session in a loop stores no session', async () => {
    const before = await t.col('sessions').countDocuments();
    for (let i = 0; i < 20; i++) {
      for (const path of ['/login', '/register', '/api/session']) {
        const res = await request(t.app).get(path).expect(200);
        assert.equal(sessionIdFrom(res), undefined, `${path} sets no session cookie`);
      }
    }
    assert.equal(await t.col('sessions').countDocuments(), before);
  });

  it("403 for an anonymous form token used by another visitor (the token is bound to the visitor's own cookie)", async () => {
    const mine = t.agent();
    const theirs = t.agent();
    const token = (await mine.get('/api/session').expect(200)).body.csrfToken as string;
    await theirs.get('/api/session').expect(200);
    await theirs.post('/api/session').set('X-CSRF-Token', token).send({ username: 'priya', password: member.password }).expect(403);
    await request(t.app).post('/api/session').set('X-CSRF-Token', token).send({ username: 'priya', password: member.password }).expect(403);
    await mine.post('/api/session').set('X-CSRF-Token', token).send({ username: 'priya', password: member.password }).expect(200);
  });

  it('403 for a sign-in without a CSRF token', async () => {
    const agent = t.agent();
    await csrfToken(agent);
    const res = await agent.post('/api/session').send({ username: 'Priya', password: member.password });
    assert.equal(res.status, 403);
  });

  it('HTML: the sign-in form redirects to a safe `next` and rotates the session id', async () => {
    const agent = t.agent();
    const page = await agent.get('/login?next=%2Fusers%2FPriya').expect(200);
    assert.match(page.text, /<label for="login-username">/);
    assert.match(page.text, /autocomplete="current-password"/);
    assert.match(page.text, /name="next" value="\/users\/Priya"/);
    const before = sessionIdFrom(page);
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: formToken(page.text), username: 'Priya', password: member.password, next: '/users/Priya' })
      .expect(303);
    assert.equal(res.headers.location, '/users/Priya');
    const after = sessionIdFrom(res);
    assert.equal(before, undefined, 'the sign-in form needs no session');
    assert.ok(after, 'signing in stores one');

    // Sign out through the header's form (POST only).
    const profile = await agent.get('/users/Priya').expect(200);
    assert.match(profile.text, /action="\/logout"/);
    const out = await agent
      .post('/logout')
      .type('form')
      .send({ _csrf: formToken(profile.text) })
      .expect(303);
    assert.equal(out.headers.location, '/');
    assert.match(String(out.headers['set-cookie']), /forum\.sid=;/);
    assert.equal(await t.col('sessions').countDocuments({ _id: after as never }), 0);
    assert.equal((await agent.get('/api/session')).body.user, null);
  });

  it('HTML: refuses off-site redirects after sign-in', async () => {
    const agent = t.agent();
    const page = await agent.get('/login?next=//evil.example').expect(200);
    assert.doesNotMatch(page.text, /evil\.example/);
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: formToken(page.text), username: 'Priya', password: member.password, next: 'https://evil.example/' })
      .expect(303);
    assert.equal(res.headers.location, '/');
  });

  it('HTML: a failed sign-in re-renders the form with the username, never the password', async () => {
    const agent = t.agent();
    const page = await agent.get('/login').expect(200);
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: formToken(page.text), username: 'Priya', password: 'Wrong-Password-123' })
      .expect(401);
    assert.match(res.text, /role="alert"/);
    assert.match(res.text, /Incorrect username or password\./);
    assert.match(res.text, /value="Priya"/);
    assert.doesNotMatch(res.text, /Wrong-Password-123/);
  });

  it('GET /logout is not a route', async () => {
    const agent = t.agent();
    await signIn(agent, 'Priya', member.password);
    await agent.get('/logout').expect(404);
    assert.equal((await agent.get('/api/session')).body.user.username, 'Priya');
  });

  it('public profile shows the name, role and join date, but never the email', async () => {
    const res = await t.agent().get('/users/priya').expect(200);
    assert.match(res.text, /Priya H\./);
    assert.match(res.text, /Community member/);
    assert.match(res.text, /<time datetime="/);
    assert.doesNotMatch(res.text, /example\.test/);
    const api = await t.agent().get('/api/users/Priya').expect(200);
    assert.deepEqual(Object.keys(api.body.user).sort(), ['displayName', 'id', 'joinedAt', 'role', 'username']);
    await t.agent().get('/users/nobody-here').expect(404);
    await t.agent().get('/api/users/%24ne').expect(404);
  });
});
