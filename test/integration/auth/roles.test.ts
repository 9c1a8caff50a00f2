import assert from 'node:assert/strict';
import { startForum, csrfToken, type TestForum } from '../../helpers/kit';
import { signInAgent as signIn, type TestUser } from '../../helpers/kit';
import { runCommand, type CliContext } from '../../../server/cli/registry';
import { COMMANDS } from '../../../server/cli/commands';
import { defaultSignatureFor, signatureHtmlFor, cookDefaultSignature } from '../../../server/auth';
import { supportRulesFromConfig } from '../../../server/calendar';
import { createLogger } from '../../../server/kernel/logger';
import { formToken } from './util';
import { RENDERER_VERSION } from '../../../server/markdown/render';

describe('auth: roles, staff signatures and the CLI', () => {
  let t: TestForum;
  const people: Record<'member' | 'moderator' | 'admin', TestUser> = {} as never;
  const agents: Record<string, ReturnType<TestForum['agent']>> = {};
  before(async () => {
    t = await startForum();
    people.member = await t.createUser({ username: 'priya', displayName: 'Priya' });
    people.moderator = await t.createUser({ username: 'dana', displayName: 'Dana Whitfield', role: 'moderator' });
    people.admin = await t.createUser({ username: 'root', displayName: 'Site Admin', role: 'admin' });
    for (const role of ['member', 'moderator', 'admin'] as const) {
      agents[role] = t.agent();
      await signIn(agents[role]!, people[role].username, people[role].password);
    }
    agents.anonymous = t.agent();
  });
  after(() => t.close());

  const guardTable: Array<[string, number]> = [
    ['anonymous', 302],
    ['member', 403],
    ['moderator', 200],
    ['admin', 200],
  ];
  for (const [who, status] of guardTable) {
    it(`GET /settings/signature as ${who} -> ${status}`, async () => {
      const res = await agents[who]!.get('/settings/signature');
      assert.equal(res.status, status);
      if (status === 302) assert.equal(res.headers.location, '/login?next=%2Fsettings%2Fsignature');
      if (status === 200) {
        assert.match(res.text, /<label for="signature-source">/);
        assert.match(res.text, /Community Support/);
        assert.match(res.text, /Support hours: Monday to Friday 7:30 – 17:30 Eastern Time \(except US public holidays\)/);
      }
    });
  }

  const writeTable: Array<[string, number]> = [
    ['anonymous', 401],
    ['member', 403],
    ['moderator', 200],
    ['admin', 200],
  ];
  for (const [who, status] of writeTable) {
    it(`PUT /api/settings/signature as ${who} -> ${status}`, async () => {
      const agent = agents[who]!;
      const token = await csrfToken(agent);
      const res = await agent
        .put('/api/settings/signature')
        .set('X-CSRF-Token', token)
        .send({ signature: `**${who}** <script>x()</script>` });
      assert.equal(res.status, status);
      const username = who === 'anonymous' ? null : people[who as 'member'].username;
      const doc = username ? await t.col('users').findOne({ usernameLower: username }) : null;
      if (status === 200) {
        assert.equal(res.body.signatureHtml, `<p><strong>${who}</strong> </p>`);
        assert.equal(doc?.signature, `**${who}** <script>x()</script>`);
        assert.equal(doc?.signatureHtml, `<p><strong>${who}</strong> </p>`);
        assert.equal(doc?.signatureRendererVersion, RENDERER_VERSION);
      } else if (doc) {
        assert.equal(doc.signature, null, 'nothing stored');
      }
    });
  }

  it('HTML: a moderator saves and clears a signature through the form', async () => {
    const agent = agents.moderator!;
    const page = await agent.get('/settings/signature').expect(200);
    await agent
      .post('/settings/signature')
      .type('form')
      .send({ _csrf: formToken(page.text), signature: 'Dana\nCommunity Support' })
      .expect(303);
    const saved = await agent.get('/settings/signature?saved=1').expect(200);
    assert.match(saved.text, /Your signature was saved/);
    assert.equal((await t.col('users').findOne({ usernameLower: 'dana' }))?.signatureHtml, '<p>Dana<br />Community Support</p>');

    const tooLong = await agent
      .post('/settings/signature')
      .type('form')
      .send({ _csrf: formToken(saved.text), signature: 'x'.repeat(2001) })
      .expect(400);
    assert.match(tooLong.text, /role="alert"/);
    assert.match(tooLong.text, /x{2001}<\/textarea>/, 'typed text kept');

    await agent
      .post('/settings/signature')
      .type('form')
      .send({ _csrf: formToken(saved.text), signature: '   ' })
      .expect(303);
    const doc = await t.col('users').findOne({ usernameLower: 'dana' });
    assert.equal(doc?.signature, null);
    assert.equal(doc?.signatureHtml, null);
  });

  it('the default moderator signature states the support policy', () => {
    const rules = supportRulesFromConfig(t.config);
    const cook = (name: string) => cookDefaultSignature(name, rules);
    const text = defaultSignatureFor({ displayName: 'Dana Whitfield' }, rules);
    assert.equal(
      text,
      [
        'Dana Whitfield',
        'Community Support',
        'Support hours: Monday to Friday 7:30 – 17:30 Eastern Time (except US public holidays)',
        'Estimated response time: within 1 business day',
        'If we do not receive a response, the thread will be closed and locked after two business days.',
      ].join('\n'),
    );
    assert.equal(signatureHtmlFor({ displayName: 'Priya', role: 'member' }, cook), null);
    // A display name is text, never markup.
    assert.match(
      signatureHtmlFor({ displayName: '<b>Eve</b>', role: 'moderator' }, cook)!,
      /^<p>&lt;b&gt;Eve&lt;\/b&gt;<br \/>Community Support<br \/>/,
    );
    assert.equal(signatureHtmlFor({ displayName: 'J', role: 'admin', signatureHtml: '<p>own</p>' }, cook), '<p>own</p>');
  });

  describe('CLI (in-process, against the test database)', () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const cli = (): CliContext => ({
      config: t.config,
      logger: createLogger('silent'),
      clock: t.clock,
      forum: t.services,
      out: (l) => lines.push(l),
      err: (l) => errors.push(l),
      interactive: false,
    });

    it('set-role promotes a member, and their open session sees it at once', async () => {
      const code = await runCommand(COMMANDS, 'set-role', ['priya', 'moderator'], cli());
      assert.equal(code, 0);
      assert.deepEqual(lines.splice(0), ['priya is now moderator.']);
      assert.equal((await t.col('users').findOne({ usernameLower: 'priya' }))?.role, 'moderator');
      await agents.member!.get('/settings/signature').expect(200);
      await runCommand(COMMANDS, 'set-role', ['priya', 'member'], cli());
      await agents.member!.get('/settings/signature').expect(403);
    });

    it('set-role refuses an unknown role or user with exit code 1 and changes nothing', async () => {
      assert.equal(await runCommand(COMMANDS, 'set-role', ['priya', 'superuser'], cli()), 1);
      assert.match(errors.join('\n'), /unknown role "superuser"[\s\S]*usage: npm run forum -- set-role <username>/);
      errors.length = 0;
      assert.equal(await runCommand(COMMANDS, 'set-role', ['nobody', 'admin'], cli()), 1);
      assert.match(errors.join('\n'), /There is no user called "nobody"/);
      assert.equal(await runCommand(COMMANDS, 'set-role', [], cli()), 1);
      assert.equal((await t.col('users').findOne({ usernameLower: 'priya' }))?.role, 'member');
    });

    it('create-admin with flags, then users lists the staff', async () => {
      lines.length = 0;
      errors.length = 0;
      const code = await runCommand(
        COMMANDS,
        'create-admin',
        ['--username', 'ops', '--email', 'ops@example.test', '--password=ops password 1', '--display-name', 'Ops Team'],
        cli(),
      );
      assert.equal(code, 0, errors.join('\n'));
      const doc = await t.col('users').findOne({ usernameLower: 'ops' });
      assert.equal(doc?.role, 'admin');
      assert.match(doc?.passwordHash, /^\$argon2id\$/);

      assert.equal(
        await runCommand(COMMANDS, 'create-admin', ['--username', 'half'], cli()),
        1,
        'missing values are not prompted for without a terminal',
      );
      assert.match(errors.join('\n'), /missing --email, --password/);

      lines.length = 0;
      assert.equal(await runCommand(COMMANDS, 'users', [], cli()), 0);
      assert.equal(lines.length, 3);
      assert.match(lines.join('\n'), /admin\s+ops\s+Ops Team/);
      assert.match(lines.join('\n'), /moderator\s+dana/);
      assert.doesNotMatch(lines.join('\n'), /priya/);
    });
  });
});
