import assert from 'node:assert/strict';
import { oid, signIn, type Person } from '../../helpers/kit';
import { linkIn, pathOf, startMailWorld, type MailWorld } from '../notifications/mail-world';

/**
 * The account page (GET/PATCH /api/account and its forms): display name, e-mail address
 * (re-verified before it replaces the old one; the current password required), password (the
 * current one required; other sessions end), notification preferences, time zone for
 * displayed times; "My questions" and activity on the profile. Bad input changes nothing.
 */
describe('accounts: the account page', function () {
  let w: MailWorld;
  let ann: Person;
  let ben: Person;

  before(async () => {
    w = await startMailWorld();
    ann = await w.forum.person('member', { name: 'ann', displayName: 'Ann', password: 'ann password one', verified: true });
    ben = await w.forum.person('member', { name: 'ben', displayName: 'Ben', verified: true });
    await w.deliver();
  });
  after(async () => {
    await w?.close();
  });

  const doc = () => w.forum.col('users').findOne({ _id: oid(ann.user.id) });

  it('needs a signed-in person (the page redirects, the API says 401) and CSRF for changes', async () => {
    const anon = w.forum.agent();
    const page = await anon.get('/account');
    assert.equal(page.status, 302);
    assert.match(page.headers.location!, /^\/login\?next=%2Faccount/);
    assert.equal((await anon.get('/api/account')).status, 401);
    assert.equal((await anon.patch('/api/account').send({ displayName: 'Mallory' })).status, 401);
    const noToken = await ann.agent.patch('/api/account').send({ displayName: 'Mallory' });
    assert.equal(noToken.status, 403);
    assert.equal(noToken.body.error.code, 'csrf');
    assert.equal((await doc())!.displayName, 'Ann');
  });

  it('shows my own account only, never a password hash', async () => {
    const res = await ann.get('/api/account').expect(200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const a = res.body.account;
    assert.equal(a.username, ann.user.username);
    assert.equal(a.email, `${ann.user.username}@example.test`);
    assert.equal(a.emailVerified, true);
    assert.equal(a.notifications.support_reply, 'immediately');
    assert.equal(a.notifications.watched_reply, 'digest');
    assert.ok(!('follow_up' in a.notifications), 'staff-only kinds are not offered to members');
    assert.ok(!JSON.stringify(res.body).includes('argon2'));
    const page = await ann.get('/account').expect(200);
    assert.match(page.text, /Your account/);
    assert.match(page.text, /name="pref_support_reply"/);
    assert.equal((await ben.get('/api/account').expect(200)).body.account.username, ben.user.username);
  });

  it('every bad field is a 400 and nothing changes, even the good fields sent with it', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['an unknown time zone', { displayName: 'Ann B.', timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      ['an unknown kind', { displayName: 'Ann B.', notifications: { nonsense: 'off' } }, 'nonsense'],
      ['an unknown delivery', { displayName: 'Ann B.', notifications: { support_reply: 'hourly' } }, 'support_reply'],
      ['an empty name', { displayName: '   ' }, 'displayName'],
      ['an operator object', { displayName: { $ne: '' } }, 'displayName'],
      ['an unknown field', { role: 'admin' }, '_'],
      ['a bad address', { email: 'not-an-address', currentPassword: 'ann password one' }, 'email'],
    ];
    for (const [what, body, field] of cases) {
      const res = await ann.patch('/api/account', body);
      assert.equal(res.status, 400, what);
      assert.ok(
        Object.keys(res.body.error.fields ?? {}).some((k) => k.includes(field)),
        `${what}: ${JSON.stringify(res.body.error)}`,
      );
    }
    const d = await doc();
    assert.equal(d!.displayName, 'Ann');
    assert.equal(d!.timeZone, null);
    assert.equal(d!.role, 'member');
    assert.equal(await w.forum.col('notification_settings').countDocuments({ _id: oid(ann.user.id) }), 0);
  });

  it('changes the display name, the time zone of displayed times and the preferences', async () => {
    const res = await ann.patch('/api/account', {
      displayName: 'Ann Berg',
      timeZone: 'Europe/Berlin',
      notifications: { watched_reply: 'immediately', private_message: 'off' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.account.displayName, 'Ann Berg');
    assert.equal(res.body.account.timeZone, 'Europe/Berlin');
    assert.equal(res.body.account.notifications.watched_reply, 'immediately');
    assert.equal(res.body.account.notifications.private_message, 'off');
    // Pages now show times in Berlin (the header shows the new name at once).
    const thread = await ben.ask({ title: 'Bluetooth mouse lags on battery power' });
    const page = await ann.get(`/threads/${thread.id}`).expect(200);
    assert.match(page.text, /November 17, 2026 at 4:00 PM GMT\+1/);
    assert.match(page.text, /class="nav-user">Ann Berg/);
    // A reader without a zone sees the support desk's (issue 18 item 16: one way of showing times).
    assert.match((await ben.get(`/threads/${thread.id}`).expect(200)).text, /November 17, 2026 at 10:00 AM ET/);
    // Clearing the zone: back to the desk's.
    await ann.patch('/api/account', { timeZone: '' }).expect(200);
    assert.equal((await doc())!.timeZone, null);
  });

  it('the no-JavaScript forms save each section and show the page again with the message on a mistake', async () => {
    const token = ann.csrf;
    const saved = await ann.agent.post('/account/notifications').type('form').send({ _csrf: token, pref_watched_reply: 'off' });
    assert.equal(saved.status, 303);
    assert.equal(saved.headers.location, '/account?saved=notifications#notifications');
    assert.equal((await ann.get('/api/account').expect(200)).body.account.notifications.watched_reply, 'off');
    const bad = await ann.agent.post('/account/profile').type('form').send({ _csrf: token, displayName: 'Ann', timeZone: 'Nowhere/Land' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /is not a known time zone/);
    assert.match(bad.text, /id="profile"/);
  });

  it('a new address needs the current password and a confirmation link before it replaces the old one', async () => {
    const wrong = await ann.patch('/api/account', { email: 'ann.new@example.test', currentPassword: 'not my password' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.error.fields.currentPassword, /not correct/);
    const missing = await ann.patch('/api/account', { email: 'ann.new@example.test' });
    assert.equal(missing.status, 400);
    assert.equal((await doc())!.pendingEmail, null);

    const ok = await ann.patch('/api/account', { email: 'Ann.New@Example.test', currentPassword: 'ann password one' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.verificationSentTo, 'ann.new@example.test');
    assert.equal(ok.body.account.email, `${ann.user.username}@example.test`, 'mail still goes to the confirmed address');
    assert.equal(ok.body.account.pendingEmail, 'ann.new@example.test');
    await w.deliver();
    const [mail] = w.mailsTo('ann.new@example.test');
    assert.ok(mail, 'the link went to the new address');
    const token = pathOf(linkIn(mail.parsed, '/verify-email/')).split('/').pop()!;
    await ann.post(`/api/verify-email/${token}`).expect(200);
    const d = await doc();
    assert.equal(d!.email, 'ann.new@example.test');
    assert.equal(d!.emailVerified, true);
    assert.equal(d!.pendingEmail, null);
  });

  it('a new password needs the current one; my other sessions end, this one stays', async () => {
    const other = await signIn(w.forum, ann.user.username, 'ann password one');
    const wrong = await ann.post('/api/account/password', { currentPassword: 'nope nope nope', newPassword: 'ann password two' });
    assert.equal(wrong.status, 400);
    const weak = await ann.post('/api/account/password', { currentPassword: 'ann password one', newPassword: 'short' });
    assert.equal(weak.status, 400);
    const ok = await ann.post('/api/account/password', { currentPassword: 'ann password one', newPassword: 'ann password two' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.sessionsEnded, 1);
    assert.equal((await other.agent.get('/api/session').expect(200)).body.user, null);
    assert.equal((await ann.get('/api/session').expect(200)).body.user.username, ann.user.username);
    await signIn(w.forum, ann.user.username, 'ann password two');
  });

  it('the profile shows "My questions" to its owner and the activity to everyone', async () => {
    const q = await ann.ask({ title: 'External monitor is not detected after sleep' });
    await ben.reply(q.id, 'Try another cable, that fixed it for me.');
    const own = await ann.get(`/users/${ann.user.username}`).expect(200);
    assert.match(own.text, /My questions/);
    assert.match(own.text, /External monitor is not detected after sleep/);
    const theirs = await ben.get(`/users/${ann.user.username}`).expect(200);
    assert.match(theirs.text, /<h2 id="questions-heading">Questions/);
    const api = (await w.forum.agent().get(`/api/users/${ben.user.username}`).expect(200)).body;
    assert.equal(api.activity.replyCount, 1);
    assert.equal(api.activity.replies[0].threadTitle, 'External monitor is not detected after sleep');
    assert.equal(api.activity.questions[0].title, 'Bluetooth mouse lags on battery power');
    assert.ok(!JSON.stringify(api).includes('@example.test'), 'never the address');
  });
});
