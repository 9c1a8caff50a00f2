import assert from 'node:assert/strict';
import { startForum, csrfToken, oid, type Person, type TestForum } from '../../helpers/kit';

/**
 * Display names follow the content rules (server/content-rules/names.ts) at registration and
 * through auth.setDisplayName (the account page, issue 14, calls it): readable, single-line,
 * and never a name a reader could take for a support team member's.
 */
describe('auth: display names at registration and setDisplayName', () => {
  let t: TestForum;
  let moderator: Person;
  let member: Person;
  before(async () => {
    t = await startForum();
    moderator = await t.person('moderator', { name: 'jsalcedo', displayName: 'Javier Salcedo' });
    member = await t.person('member', { name: 'marisol', displayName: 'Marisol K.' });
  });
  after(() => t.close());

  const users = () => t.col('users');
  async function register(body: Record<string, unknown>) {
    const agent = t.agent();
    const token = await csrfToken(agent);
    return agent
      .post('/api/users')
      .set('X-CSRF-Token', token)
      .send({ email: `${String(body.username)}@example.test`, password: 'a long enough passphrase', ...body });
  }

  const refused: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      'a Cyrillic "а" in a staff name',
      { username: 'jv1', displayName: 'Jаvier Salcedo' },
      'displayName',
      /looks like the name of Javier Salcedo/,
    ],
    ['the staff name in capitals with an underscore', { username: 'jv2', displayName: 'JAVIER_SALCEDO' }, 'displayName', /Javier Salcedo/],
    ['a reserved word', { username: 'jv3', displayName: 'Microsoft Support' }, 'displayName', /kept for the support team/],
    ['a reserved word with a look-alike letter', { username: 'jv4', displayName: 'Ѕupport' }, 'displayName', /kept for the support team/],
    [
      'a look-alike username without a display name',
      { username: 'javier_salcedo' },
      'username',
      /^Username: this looks like the name of Javier Salcedo/,
    ],
    ['a look-alike username with a harmless display name', { username: 'javier.salcedo', displayName: 'J' }, 'username', /Javier Salcedo/],
    ['a right-to-left override', { username: 'jv5', displayName: 'Ann\u202Egpj.exe' }, 'displayName', /text-direction control/],
    ['only symbols', { username: 'jv6', displayName: '★★★' }, 'displayName', /at least one letter or digit/],
    ['41 characters', { username: 'jv7', displayName: 'x'.repeat(41) }, 'displayName', /at most 40 characters/],
    ['stacked marks', { username: 'jv8', displayName: `Z${'\u0301'.repeat(8)}algo` }, 'displayName', /accents or marks/],
  ];
  for (const [label, body, field, message] of refused) {
    it(`registration refuses ${label}: 400 naming "${field}", nothing stored`, async () => {
      const before = await users().countDocuments();
      const res = await register(body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'validation');
      assert.match(res.body.error.fields[field], message);
      assert.equal(await users().countDocuments(), before);
    });
  }

  it('registration accepts names in any script, stored normalised', async () => {
    for (const [username, displayName, stored] of [
      ['nguyen', 'Nguyễn Thị Minh', 'Nguyễn Thị Minh'],
      ['tanaka', '田中 太郎', '田中 太郎'],
      ['obrien', "Seán O'Brien-Núñez", "Seán O'Brien-Núñez"],
      ['spaces', '  Ana \u200b  Lima  ', 'Ana Lima'],
      ['cafe', 'Cafe\u0301 Owner', 'Café Owner'],
    ]) {
      const res = await register({ username, displayName });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal((await users().findOne({ usernameLower: username }))!.displayName, stored);
    }
  });

  it('someone promoted to moderator is protected at once (the staff names are re-read)', async () => {
    const r = await register({ username: 'priya_n', displayName: 'Priya Natarajan' });
    assert.equal(r.status, 201);
    await t.services.auth.setRole('priya_n', 'moderator');
    const res = await register({ username: 'pn2', displayName: 'Priya  Natarajan' });
    assert.equal(res.status, 400);
    assert.match(res.body.error.fields.displayName, /Priya Natarajan/);
  });

  describe('setDisplayName(actor, name)', () => {
    it('a member renames: stored normalised, the session shows it at once; posts keep their old name', async () => {
      const t1 = await member.ask({ title: 'Posted under the first name' });
      const user = await t.services.auth.setDisplayName(member.actor, '  Marisol   Kowalski ');
      assert.deepEqual(user, { id: member.user.id, username: member.user.username, displayName: 'Marisol Kowalski', role: 'member' });
      assert.equal((await users().findOne({ _id: oid(member.user.id) }))!.displayName, 'Marisol Kowalski');
      const session = await member.get('/api/session').expect(200);
      assert.equal(session.body.user.displayName, 'Marisol Kowalski');
      assert.equal((await t.col('threads').findOne({ _id: oid(t1.id) }))!.authorName, 'Marisol K.');
    });

    it('a member may not take a staff look-alike or a reserved word: 400 naming displayName, nothing changed', async () => {
      for (const name of ['Javier SaIcedo', 'Support Team', 'the admin', '']) {
        await assert.rejects(
          t.services.auth.setDisplayName(member.actor, name),
          (e: unknown) => (e as { status?: number }).status === 400 && !!(e as { fields: Record<string, string> }).fields.displayName,
          name,
        );
      }
      assert.equal((await users().findOne({ _id: oid(member.user.id) }))!.displayName, 'Marisol Kowalski');
    });

    it("staff may use the reserved words and their own name, never another staff member's", async () => {
      const other = await t.person('moderator', { name: 'sam', displayName: 'Sam Ortega' });
      const renamed = await t.services.auth.setDisplayName(moderator.actor, 'Javier from Support');
      assert.equal(renamed.displayName, 'Javier from Support');
      await t.services.auth.setDisplayName(moderator.actor, 'Javier Salcedo');
      await assert.rejects(t.services.auth.setDisplayName(other.actor, 'Javier Salcedo'), /looks like the name of Javier Salcedo/);
    });

    it('no actor: 401', async () => {
      await assert.rejects(t.services.auth.setDisplayName(null, 'Anyone'), (e: unknown) => (e as { status?: number }).status === 401);
    });
  });
});
