import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { oid, type Person } from '../../helpers/kit';
import { INBOUND_DOMAIN, startMailWorld, type MailWorld } from './mail-world';

/**
 * Reply by e-mail through a real SMTP conversation with the forum's listener (smtp-server on
 * 127.0.0.1 port 0): the asker answers a "Support replied" mail from their mail client; the
 * text (without the quote and signature) lands in the thread and stops the lock clock. The
 * same guard as the web form holds a reply with an access code; a wrong sender, a locked
 * thread and a repeated Message-ID post nothing.
 */
describe('notifications: reply by e-mail', function () {
  let w: MailWorld;
  let asker: Person;
  let mod: Person;

  before(async () => {
    w = await startMailWorld({ inbound: true });
    asker = await w.forum.person('member', { name: 'asker', displayName: 'Priya', verified: true });
    mod = await w.forum.person('moderator', { name: 'mod', verified: true });
    await w.deliver();
  });
  after(async () => {
    await w?.close();
  });

  const askerAddress = () => `${asker.user.username}@example.test`;

  /** A question with a moderator's reply; returns the thread id and the Reply-To of the mail the asker got. */
  async function answered(title: string): Promise<{ id: string; replyTo: string; messageId: string }> {
    const thread = await asker.ask({ title });
    await mod.reply(thread.id, 'Which version of the app do you use? Reply here and we will check.');
    const mail = (await w.deliver()).find((m) => m.envelope.to.includes(askerAddress()));
    assert.ok(mail, 'the support reply mail arrived');
    const replyTo = mail.parsed.replyTo?.value[0]?.address;
    assert.ok(replyTo && replyTo.startsWith('r+') && replyTo.endsWith(`@${INBOUND_DOMAIN}`), String(replyTo));
    assert.match(mail.parsed.text!, /^## Reply above this line/);
    return { id: thread.id, replyTo, messageId: mail.parsed.messageId! };
  }

  /** Sends a mail to the listener as a mail client would; resolves with the SMTP outcome. */
  async function send(mail: { from: string; to: string; text: string; messageId?: string; inReplyTo?: string }) {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: w.inboundPort!, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ subject: 'Re: your question', ...mail });
      return { ok: true as const };
    } catch (err) {
      const e = err as { responseCode?: number; response?: string };
      return { ok: false as const, code: e.responseCode, response: e.response ?? '' };
    } finally {
      transport.close();
    }
  }
  const repliesOf = (id: string) =>
    w.forum
      .col('replies')
      .find({ threadId: oid(id), system: false })
      .sort({ createdAt: 1 })
      .toArray();

  it('the asker replies from their mail client: the text lands in the thread and stops the lock clock', async () => {
    const { id, replyTo, messageId } = await answered('Sync app shows an empty folder');
    const before = await w.forum.col('threads').findOne({ _id: oid(id) });
    assert.equal(before!.status, 'awaiting_asker');
    assert.ok(before!.lockDueAt instanceof Date);

    const outcome = await send({
      from: `"Priya" <${askerAddress()}>`,
      to: replyTo,
      inReplyTo: messageId,
      messageId: '<client-1@example.test>',
      text: [
        'It is version 4.1.7 on Windows 11, installed last week.',
        '',
        'Sent from my phone',
        '',
        'On Tue, Nov 17, 2026 at 10:00 AM Support Community <no-reply@forum.example.test> wrote:',
        '> ## Reply above this line to post your answer in the thread ##',
        '> Which version of the app do you use?',
      ].join('\r\n'),
    });
    assert.deepEqual(outcome, { ok: true });
    const replies = await repliesOf(id);
    assert.equal(replies.length, 2);
    assert.equal(replies[1]!.bodySource, 'It is version 4.1.7 on Windows 11, installed last week.');
    assert.equal(String(replies[1]!.author), asker.user.id);
    const after = await w.forum.col('threads').findOne({ _id: oid(id) });
    assert.equal(after!.status, 'open', 'the asker responded: awaiting support again');
    assert.equal(after!.lockDueAt, undefined, 'the lock clock stopped');
    assert.ok(after!.firstResponseDueAt instanceof Date);

    // The sending server delivers the same message again: nothing new.
    assert.deepEqual(
      await send({
        from: askerAddress(),
        to: replyTo,
        messageId: '<client-1@example.test>',
        text: 'It is version 4.1.7 on Windows 11, installed last week.',
      }),
      { ok: true },
    );
    assert.equal((await repliesOf(id)).length, 2);
    // The moderator hears about it like about a web reply (the moderator watches: replied).
    const list = (await mod.get('/api/notifications').expect(200)).body.notifications;
    assert.equal(list[0].kind, 'watched_reply');
  });

  it('a reply with an access code is held: not posted, the sender told to use a private message', async () => {
    const { id, replyTo } = await answered('Exam voucher is not accepted');
    const outcome = await send({
      from: askerAddress(),
      to: replyTo,
      messageId: '<client-2@example.test>',
      text: 'Here it is, my access code: QX7P-99KD-AB12 please check it.',
    });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.code, 550);
    assert.match(outcome.response, /Not posted: your reply looks like it contains private details \(access code\)/);
    assert.match(outcome.response, new RegExp(`/messages/new\\?thread=${id}`));
    assert.equal((await repliesOf(id)).length, 1, 'nothing posted');
    assert.equal((await w.forum.col('threads').findOne({ _id: oid(id) }))!.status, 'awaiting_asker', 'the clock still runs');
    const held = (await asker.get('/api/notifications').expect(200)).body.notifications.find(
      (n: { kind: string }) => n.kind === 'reply_held',
    );
    assert.ok(held, 'told in-app too');
    assert.ok(!held.text.includes('QX7P'), 'the code is not repeated');
    assert.equal(await w.forum.col('notifications').countDocuments({ text: /QX7P/ }), 0);
  });

  it('refuses mail from another address, to a locked thread, and a forged reply address (550, nothing posted)', async () => {
    const { id, replyTo } = await answered('Tablet will not charge past 80 percent');
    const stranger = await send({ from: 'someone-else@example.test', to: replyTo, text: 'I am not the asker but here is my answer.' });
    assert.equal(stranger.ok, false);
    assert.equal(stranger.code, 550);
    assert.match(stranger.response, /must come from the address of your forum account/);

    await mod.post(`/api/threads/${id}/lock`, { reason: 'Duplicate of another question.' }).expect(200);
    const locked = await send({ from: askerAddress(), to: replyTo, text: 'Still does not charge past 80 percent.' });
    assert.equal(locked.code, 550);
    assert.match(locked.response, /locked/);

    const [local] = replyTo.split('@');
    const forged = await send({
      from: askerAddress(),
      to: `${local!.slice(0, -2)}aa@${INBOUND_DOMAIN}`,
      text: 'Posting where I should not.',
    });
    assert.equal(forged.code, 550);
    assert.equal((await repliesOf(id)).length, 1);
  });
});
