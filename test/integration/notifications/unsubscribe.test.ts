import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { oid, type Person } from '../../helpers/kit';
import { INBOUND_DOMAIN, linkIn, pathOf, startMailWorld, type MailWorld } from './mail-world';

/**
 * One-click unsubscribe (RFC 8058): the link in the mail's footer and List-Unsubscribe header
 * works without signing in. GET shows a confirmation; POST (what mail providers send, with
 * no cookie and no CSRF token) turns the kind off. A tampered token changes nothing. The
 * mailto: variant works through the reply-by-e-mail listener.
 */
describe('notifications: one-click unsubscribe without signing in', function () {
  let w: MailWorld;
  let asker: Person;
  let mod: Person;

  before(async () => {
    w = await startMailWorld({ inbound: true });
    asker = await w.forum.person('member', { name: 'asker', verified: true });
    mod = await w.forum.person('moderator', { name: 'mod', verified: true });
    await w.deliver();
  });
  after(async () => {
    await w?.close();
  });

  async function supportReplyMail(title: string) {
    const thread = await asker.ask({ title });
    await mod.reply(thread.id, 'Thanks, we are looking into it right now.');
    const mail = (await w.deliver()).find((m) => m.envelope.to.includes(`${asker.user.username}@example.test`));
    assert.ok(mail, 'the support reply mail arrived');
    return mail;
  }
  const preference = async (kind: string) => {
    const doc = await w.forum.col('notification_settings').findOne({ _id: oid(asker.user.id) });
    return (doc?.email as Record<string, string> | undefined)?.[kind] ?? 'default';
  };

  it('GET shows a confirmation and changes nothing; POST as a mail provider sends it (no cookie, no CSRF) turns the kind off', async () => {
    const mail = await supportReplyMail('Headset microphone is too quiet');
    const path = pathOf(linkIn(mail.parsed, '/unsubscribe/'));
    assert.match(String(mail.raw), new RegExp(`List-Unsubscribe:\\s*<https://forum\\.example\\.test${path.replace(/\./g, '\\.')}>`));

    const page = await w.forum.agent().get(path).expect(200);
    assert.match(page.text, /Stop e-mail about: support replied to your question\?/);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(await preference('support_reply'), 'default');

    // RFC 8058 §3.2: a POST with the body "List-Unsubscribe=One-Click", nothing else.
    const res = await w.forum.agent().post(path).type('form').send('List-Unsubscribe=One-Click');
    assert.equal(res.status, 200);
    assert.match(res.text, /You are unsubscribed/);
    assert.equal(await preference('support_reply'), 'off');
    // Twice is fine.
    await w.forum.agent().post(path).type('form').send('List-Unsubscribe=One-Click').expect(200);

    // The next support reply: in-app only.
    const thread = await asker.ask({ title: 'Headset volume resets after reboot' });
    await mod.reply(thread.id, 'Please update the audio driver.');
    const mails = (await w.deliver()).filter((m) => m.envelope.to.includes(`${asker.user.username}@example.test`));
    assert.equal(mails.length, 0);
    const list = (await asker.get('/api/notifications').expect(200)).body.notifications;
    assert.equal(list[0].kind, 'support_reply');
    // The account page shows the choice and can turn it back on.
    const account = (await asker.get('/api/account').expect(200)).body.account;
    assert.equal(account.notifications.support_reply, 'off');
    await asker.patch('/api/account', { notifications: { support_reply: 'immediately' } }).expect(200);
  });

  it('a tampered or malformed token is a 404 and changes nothing', async () => {
    const mail = await supportReplyMail('Webcam image is upside down');
    const path = pathOf(linkIn(mail.parsed, '/unsubscribe/'));
    const token = path.split('/').pop()!;
    const [user, kind, mac] = token.split('.');
    const forged = `/unsubscribe/${user}.all.${mac}`;
    const otherMac = `/unsubscribe/${user}.${kind}.${mac!.slice(0, -1)}${mac!.endsWith('a') ? 'b' : 'a'}`;
    for (const bad of [forged, otherMac, '/unsubscribe/nonsense', `/unsubscribe/${'a'.repeat(65)}`]) {
      const res = await w.forum.agent().post(bad).type('form').send('List-Unsubscribe=One-Click');
      assert.ok(res.status === 404 || res.status === 400, `${bad}: ${res.status}`);
    }
    assert.equal(await preference('all'), 'default');
    assert.equal(await preference('support_reply'), 'immediately');
  });

  it('the mailto: unsubscribe address works through the reply-by-e-mail listener', async () => {
    const mail = await supportReplyMail('Docking station loses the network');
    const header = /List-Unsubscribe:\s*<[^>]+>,\s*<mailto:([^?>]+)\?subject=unsubscribe>/.exec(
      String(mail.raw).replace(/\r\n[ \t]+/g, ' '),
    );
    assert.ok(header, 'a mailto: unsubscribe address in the header');
    assert.ok(header[1]!.endsWith(`@${INBOUND_DOMAIN}`));
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: w.inboundPort!, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({
        from: `${asker.user.username}@example.test`,
        to: header[1],
        subject: 'unsubscribe',
        text: 'unsubscribe',
      });
    } finally {
      transport.close();
    }
    assert.equal(await preference('support_reply'), 'off');
  });
});
