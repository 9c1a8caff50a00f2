import assert from 'node:assert/strict';
import { startForum, type TestForum } from '../../helpers/kit';
import { formToken } from './util';

describe('auth: register via the HTML form (POST /register)', () => {
  let t: TestForum;
  before(async () => {
    t = await startForum();
  });
  after(() => t.close());

  const users = () => t.col('users');

  async function openForm() {
    const agent = t.agent();
    const page = await agent.get('/register').expect(200);
    return { agent, token: formToken(page.text), html: page.text };
  }

  it('renders an accessible form with labels and autocomplete hints', async () => {
    const { html } = await openForm();
    for (const id of ['reg-username', 'reg-email', 'reg-display-name', 'reg-password']) {
      assert.match(html, new RegExp(`<label for="${id}"`));
    }
    assert.match(html, /autocomplete="new-password"/);
    assert.match(html, /autocomplete="email"/);
    assert.doesNotMatch(html, /<script>|<style|style="/);
  });

  it('creates the account, signs in and redirects to the profile', async () => {
    const { agent, token } = await openForm();
    const res = await agent
      .post('/register')
      .type('form')
      .send({ _csrf: token, username: 'markus', email: 'markus@example.test', displayName: 'Markus', password: 'a good passphrase' })
      .expect(303);
    assert.equal(res.headers.location, '/users/markus');
    const doc = await users().findOne({ usernameLower: 'markus' });
    assert.equal(doc?.displayName, 'Markus');
    const profile = await agent.get('/users/markus').expect(200);
    assert.match(profile.text, /Sign out/);
    assert.match(profile.text, /<h1 id="profile-heading">Markus/);
  });

  it('re-renders a duplicate username with 409, the typed values and a field message', async () => {
    const { agent, token } = await openForm();
    const before = await users().countDocuments();
    const res = await agent
      .post('/register')
      .type('form')
      .send({
        _csrf: token,
        username: 'Markus',
        email: 'other@example.test',
        displayName: 'Other Markus',
        password: 'secret password here',
      })
      .expect(409);
    assert.match(res.text, /role="alert"/);
    assert.match(res.text, /That username is taken/);
    assert.match(res.text, /id="reg-username-error"/);
    assert.match(res.text, /value="other@example.test"/);
    assert.match(res.text, /value="Other Markus"/);
    assert.doesNotMatch(res.text, /secret password here/);
    assert.equal(await users().countDocuments(), before);
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['a short password', { password: 'short' }, /Password must be at least 8 characters/],
    ['an over-long display name', { displayName: 'D'.repeat(41) }, /Display name: use at most 40 characters/],
    ['a display name of only symbols', { displayName: '★★★' }, /Display name: use at least one letter or digit/],
    ['a staff look-alike display name', { displayName: 'Ѕupport Team' }, /kept for the support team/],
    ['an operator-looking field name', { username: '', 'username[$ne]': 'x' }, /Username/],
    ['a bad email', { email: 'nope' }, /valid email/],
  ];
  for (const [label, change, message] of bad) {
    it(`re-renders ${label} with 400 and the typed values, never the password`, async () => {
      const { agent, token } = await openForm();
      const before = await users().countDocuments();
      const body = {
        _csrf: token,
        username: 'typedname',
        email: 'typed@example.test',
        displayName: 'Typed Name',
        password: 'typed-password-1',
        ...change,
      };
      const res = await agent.post('/register').type('form').send(body).expect(400);
      assert.match(res.text, message);
      assert.match(res.text, /role="alert"/);
      if (!('email' in change)) assert.match(res.text, /value="typed@example.test"/);
      if (!('username' in change)) assert.match(res.text, /value="typedname"/);
      assert.doesNotMatch(res.text, /typed-password-1/);
      assert.doesNotMatch(res.text, /value="short"/);
      assert.equal(await users().countDocuments(), before);
    });
  }

  it('403 without the CSRF field, nothing stored', async () => {
    const { agent } = await openForm();
    await agent
      .post('/register')
      .type('form')
      .send({ username: 'nocsrf', email: 'nocsrf@example.test', password: 'a good passphrase' })
      .expect(403);
    assert.equal(await users().countDocuments({ usernameLower: 'nocsrf' }), 0);
  });

  it('413 for a form over the body limit, nothing stored', async () => {
    const { agent, token } = await openForm();
    const res = await agent
      .post('/register')
      .type('form')
      .send({
        _csrf: token,
        username: 'huge',
        email: 'huge@example.test',
        password: 'a good passphrase',
        displayName: 'x'.repeat(t.config.BODY_LIMIT_KB * 1024 + 10),
      })
      .expect(413);
    // The friendly error page renders even though the body was refused before the session was read.
    assert.match(res.text, /The request body is too large/);
    assert.match(res.text, /Support Community/);
    assert.equal(await users().countDocuments({ usernameLower: 'huge' }), 0);
  });
});
