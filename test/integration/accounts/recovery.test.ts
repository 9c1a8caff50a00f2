import assert from 'node:assert/strict';
import { FakeClock } from '../../../server/kernel/clock';
import { csrfToken, signIn, type Client } from '../../helpers/kit';
import { linkIn, pathOf, startMailWorld, type MailWorld } from '../notifications/mail-world';

/**
 * Accounts people can recover, through a real SMTP server: e-mail verification at sign-up and
 * password reset by e-mail. Links are single use and expire (24 hours, 1 hour); tokens are
 * stored hashed; a reset answers the same for every address and ends every session.
 */
describe('accounts: e-mail verification and password reset', function () {
  let w: MailWorld;
  const clock = new FakeClock('2026-11-17T15:00:00Z');

  before(async () => {
    w = await startMailWorld({ clock });
  });
  after(async () => {
    await w?.close();
  });

  async function anon(): Promise<Client> {
    return w.forum.anon();
  }
  /** Registers through the API (as the join form does); returns the signed-in browser's client. */
  async function register(username: string, email: string, password = 'a long enough password'): Promise<Client> {
    const c = await anon();
    const res = await c.post('/api/users', { username, email, password });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    c.csrf = res.body.csrfToken;
    return c;
  }
  const lastMailTo = async (address: string) => {
    await w.deliver();
    const all = w.mailsTo(address);
    assert.ok(all.length, `a mail to ${address}`);
    return all[all.length - 1]!;
  };
  const user = (username: string) => w.forum.col('users').findOne({ usernameLower: username.toLowerCase() });

  it('sign-up sends a verification link; opening it changes nothing; confirming works once', async () => {
    await register('vera', 'vera@example.test');
    const mail = await lastMailTo('vera@example.test');
    assert.equal(mail.parsed.subject, '[Support Community] Confirm your e-mail address');
    assert.ok(!/List-Unsubscribe/i.test(String(mail.raw).split('\r\n\r\n')[0]!), 'account mail has no unsubscribe header');
    const path = pathOf(linkIn(mail.parsed, '/verify-email/'));
    const token = path.split('/').pop()!;
    // Only the hash is stored.
    const stored = await w.forum.col('account_tokens').findOne({ userId: (await user('vera'))!._id, purpose: 'verify_email' });
    assert.ok(stored && stored.tokenHash !== token && !JSON.stringify(stored).includes(token));

    const c = await anon();
    const page = await c.get(path).expect(200);
    assert.match(page.text, /Confirm my e-mail address/);
    assert.equal((await user('vera'))!.emailVerified, false, 'a GET (a mail scanner) does not use the link');

    const ok = await c.post(`/api/verify-email/${token}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { result: 'verified' });
    const doc = await user('vera');
    assert.equal(doc!.emailVerified, true);
    assert.equal(doc!.emailVerifiedAt.toISOString(), clock.now().toISOString());

    const again = await c.post(`/api/verify-email/${token}`);
    assert.equal(again.status, 400);
    assert.equal(again.body.error.code, 'link_used');
    const form = await c.form(path, {});
    assert.equal(form.status, 400);
    assert.match(form.text, /This link was already used/);
  });

  it('a verification link expires after 24 hours; a new one replaces the old', async () => {
    const c = await register('lena', 'lena@example.test');
    const first = pathOf(linkIn((await lastMailTo('lena@example.test')).parsed, '/verify-email/'));
    clock.advance(24 * 3600 * 1000 + 60_000);
    const late = await c.post(`/api/verify-email/${first.split('/').pop()}`);
    assert.equal(late.status, 400);
    assert.equal(late.body.error.code, 'link_expired');
    assert.equal((await user('lena'))!.emailVerified, false);

    const again = await c.post('/api/account/verification');
    assert.equal(again.status, 202);
    assert.deepEqual(again.body, { sentTo: 'lena@example.test' });
    const second = pathOf(linkIn((await lastMailTo('lena@example.test')).parsed, '/verify-email/'));
    assert.notEqual(second, first);
    assert.equal((await c.post(`/api/verify-email/${second.split('/').pop()}`)).status, 200);
    // Confirmed: nothing left to send.
    assert.equal((await c.post('/api/account/verification')).status, 409);
  });

  it('password reset: 202 with the same body for every address, one mail, a hashed one-hour token', async () => {
    const c = await register('rosa', 'rosa@example.test', 'the old password 1');
    await c
      .post(
        `/api/verify-email/${pathOf(linkIn((await lastMailTo('rosa@example.test')).parsed, '/verify-email/'))
          .split('/')
          .pop()}`,
      )
      .expect(200);
    const before = w.sink.received.length;
    const a = await (await anon()).post('/api/password-reset', { email: 'Rosa@Example.test' });
    const b = await (await anon()).post('/api/password-reset', { email: 'nobody-here@example.test' });
    const c2 = await (await anon()).post('/api/password-reset', { email: 'not an address' });
    for (const r of [a, b, c2]) {
      assert.equal(r.status, 202);
      assert.deepEqual(r.body, a.body);
    }
    const bad = await (await anon()).post('/api/password-reset', { email: { $gt: '' } });
    assert.equal(bad.status, 400);
    await w.deliver();
    const fresh = w.sink.received.slice(before);
    assert.deepEqual(
      fresh.map((m) => [m.envelope.to[0], m.parsed.subject]),
      [['rosa@example.test', '[Support Community] Reset your password']],
    );
    // Asking again at once sends nothing more (and does not revoke the link just sent).
    await (await anon()).post('/api/password-reset', { email: 'rosa@example.test' }).expect(202);
    await w.deliver();
    assert.equal(w.sink.received.length, before + 1);
    const token = pathOf(linkIn(fresh[0]!.parsed, '/password-reset/')).split('/').pop()!;
    const stored = await w.forum.col('account_tokens').findOne({ purpose: 'reset_password', userId: (await user('rosa'))!._id });
    assert.ok(stored && !JSON.stringify(stored).includes(token));
    assert.equal(stored.expiresAt.getTime() - stored.createdAt.getTime(), 3600_000);
  });

  it('a reset sets the new password, ends every session, and the link works once', async () => {
    const rosa = await user('rosa');
    // Rosa is signed in on another browser.
    const other = await signIn(w.forum, 'rosa', 'the old password 1');
    assert.equal((await other.agent.get('/api/session').expect(200)).body.user.username, 'rosa');
    clock.advance(2 * 60_000);
    await (await anon()).post('/api/password-reset', { email: 'rosa@example.test' }).expect(202);
    const mail = await lastMailTo('rosa@example.test');
    const path = pathOf(linkIn(mail.parsed, '/password-reset/'));
    const token = path.split('/').pop()!;

    const c = await anon();
    assert.match((await c.get(path).expect(200)).text, /New password/);
    const short = await c.post(`/api/password-reset/${token}`, { password: 'short' });
    assert.equal(short.status, 400);
    assert.equal(short.body.error.code, 'validation');
    const done = await c.post(`/api/password-reset/${token}`, { password: 'the new password 2' });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal((await other.agent.get('/api/session').expect(200)).body.user, null, 'the other session ended');
    assert.equal(await w.forum.col('sessions').countDocuments({ 'session.passport.user': String(rosa!._id) }), 0);
    await assert.rejects(signIn(w.forum, 'rosa', 'the old password 1'), /401/);
    await signIn(w.forum, 'rosa', 'the new password 2');
    const reuse = await c.post(`/api/password-reset/${token}`, { password: 'a third password 3' });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error.code, 'link_used');
  });

  it('a reset link expires after an hour', async () => {
    clock.advance(5 * 60_000);
    await (await anon()).post('/api/password-reset', { email: 'rosa@example.test' }).expect(202);
    const token = pathOf(linkIn((await lastMailTo('rosa@example.test')).parsed, '/password-reset/'))
      .split('/')
      .pop()!;
    clock.advance(3600_000 + 1000);
    const c = await anon();
    const late = await c.post(`/api/password-reset/${token}`, { password: 'too late password' });
    assert.equal(late.status, 400);
    assert.equal(late.body.error.code, 'link_expired');
    await signIn(w.forum, 'rosa', 'the new password 2');
    // The page says so, with no form to try again.
    const page = await c.form(`/password-reset/${token}`, { password: 'too late password' });
    assert.equal(page.status, 400);
    assert.match(page.text, /This link was already used|This link has expired/);
    assert.doesNotMatch(page.text, /name="password"/);
  });

  it('an unconfirmed account asking for a reset gets a verification link instead (its only mail)', async () => {
    await register('ulla', 'ulla@example.test');
    await w.deliver();
    const before = w.mailsTo('ulla@example.test').length;
    await (await anon()).post('/api/password-reset', { email: 'ulla@example.test' }).expect(202);
    const mail = await lastMailTo('ulla@example.test');
    assert.equal(w.mailsTo('ulla@example.test').length, before + 1);
    assert.equal(mail.parsed.subject, '[Support Community] Confirm your e-mail address');
    assert.equal(await w.forum.col('account_tokens').countDocuments({ userId: (await user('ulla'))!._id, purpose: 'reset_password' }), 0);
  });

  it('the no-JavaScript forms: asking for a reset shows the same page whatever the address', async () => {
    const c = await anon();
    const page = await c.get('/password-reset').expect(200);
    const token = await csrfToken(c.agent);
    const known = await c.agent.post('/password-reset').type('form').send({ _csrf: token, email: 'rosa@example.test' });
    const unknown = await c.agent.post('/password-reset').type('form').send({ _csrf: token, email: 'ghost@example.test' });
    assert.equal(known.status, 202);
    assert.equal(unknown.status, 202);
    assert.equal(
      known.text.replace(/rosa@example\.test/g, 'X').replace(/value="[^"]+"/g, ''),
      unknown.text.replace(/ghost@example\.test/g, 'X').replace(/value="[^"]+"/g, ''),
    );
    assert.match(page.text, /Send the link/);
    assert.match((await c.get('/login').expect(200)).text, /href="\/password-reset"/);
  });
});
