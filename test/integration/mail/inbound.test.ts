import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import { createLogger } from '../../../server/kernel/logger';
import {
  createMailTokens,
  InboundRejection,
  startInboundServer,
  type InboundHandlers,
  type InboundReply,
  type InboundServer,
  type InboundUnsubscribe,
} from '../../../server/mail';

const DOMAIN = 'reply.example.test';
const USER = '65f0c0ffee0000000000a001';
const THREAD = '65f0c0ffee0000000000b001';
const tokens = createMailTokens('inbound-test-secret-of-at-least-32-chars');
const replyAddress = tokens.replyAddress({ threadId: THREAD, userId: USER }, DOMAIN);

describe('reply by e-mail: inbound SMTP listener', () => {
  let server: InboundServer;
  const replies: InboundReply[] = [];
  const unsubscribes: InboundUnsubscribe[] = [];
  let onReply: InboundHandlers['onReply'] = async (r) => {
    replies.push(r);
  };

  before(async () => {
    server = await startInboundServer({
      settings: { host: '127.0.0.1', port: 0, domain: DOMAIN, maxBytes: 64 * 1024, tls: null },
      tokens,
      logger: createLogger('silent'),
      handlers: {
        onReply: (r) => onReply(r),
        onUnsubscribe: async (u) => {
          unsubscribes.push(u);
        },
      },
    });
  });
  beforeEach(() => {
    replies.length = 0;
    unsubscribes.length = 0;
    onReply = async (r) => {
      replies.push(r);
    };
  });
  after(() => server.close());

  /** Sends over real SMTP, as a person's mail server would. */
  async function send(message: SendMailOptions) {
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: server.port, secure: false, ignoreTLS: true, logger: false });
    try {
      return await client.sendMail({ from: 'Ann <ann@example.test>', subject: 'Re: [Support Community] Printer jams', ...message });
    } finally {
      client.close();
    }
  }

  it('hands the stripped text, ids and sender addresses to the callback', async () => {
    await send({
      to: replyAddress,
      messageId: '<abc123@mail.example.test>',
      text: 'That fixed it, thank you!\n\n-- \nAnn\n\nOn Tue, Nov 17, 2026 at 10:00 AM Support Community <no-reply@forum.example.test> wrote:\n> Open the rear tray.\n',
    });
    assert.equal(replies.length, 1);
    assert.deepEqual(replies[0], {
      userId: USER,
      threadId: THREAD,
      text: 'That fixed it, thank you!',
      messageId: '<abc123@mail.example.test>',
      from: 'ann@example.test',
      envelopeFrom: 'ann@example.test',
      subject: 'Re: [Support Community] Printer jams',
      recipient: replyAddress,
    });
  });

  it('accepts the address in upper case (servers that change case) and converts an HTML-only reply to text', async () => {
    await send({
      to: replyAddress.toUpperCase(),
      html: '<div>Still <b>broken</b> after the update.</div><div class="gmail_quote"><div>On Tue, Nov 17, 2026 at 10:00 AM Support wrote:</div><blockquote>Try again</blockquote></div>',
    });
    assert.equal(replies.length, 1);
    assert.equal(replies[0].text, 'Still broken after the update.');
    assert.equal(replies[0].userId, USER);
    assert.match(replies[0].messageId, /^<.+>$/);
  });

  it('refuses unknown, forged and foreign addresses at RCPT TO with 550', async () => {
    const [, t, u, mac] = /^r\+(\w+)\.(\w+)\.(\w+)@/.exec(replyAddress)!;
    const forged = `r+${t}.${u}.${mac.slice(0, -1)}${mac.endsWith('a') ? 'b' : 'a'}@${DOMAIN}`;
    const otherUser = tokens.replyAddress({ threadId: THREAD, userId: '65f0c0ffee0000000000a002' }, DOMAIN);
    const swapped = `r+${t}.${otherUser.split('.')[1]}.${mac}@${DOMAIN}`;
    for (const to of [
      `someone@${DOMAIN}`,
      forged,
      swapped,
      replyAddress.replace(DOMAIN, 'elsewhere.example.test'),
      `u+garbage@${DOMAIN}`,
    ]) {
      await assert.rejects(send({ to, text: 'hello' }), (err: { responseCode?: number }) => err.responseCode === 550, to);
    }
    assert.equal(replies.length, 0);
  });

  it('drops automatic mail without posting: auto-replies, bulk, bounces, lists', async () => {
    const automatic: SendMailOptions[] = [
      { headers: { 'Auto-Submitted': 'auto-replied' } },
      { headers: { Precedence: 'bulk' } },
      { headers: { 'X-Autoreply': 'yes' } },
      { headers: { 'List-Id': 'Some list <list.example.test>' } },
      { from: 'MAILER-DAEMON@mail.example.test' },
      { envelope: { from: '', to: replyAddress } },
    ];
    for (const extra of automatic) {
      await send({ to: replyAddress, text: 'I am out of office until Monday.', ...extra });
      assert.equal(replies.length, 0, JSON.stringify(extra));
    }
    await send({ to: replyAddress, text: 'A person wrote this.', headers: { 'Auto-Submitted': 'no' } });
    assert.equal(replies.length, 1, 'Auto-Submitted: no is a person (RFC 3834 §5)');
  });

  it('ignores a reply with nothing of its own (only quotes)', async () => {
    await send({ to: replyAddress, text: 'On Tue, Nov 17, 2026, Support wrote:\n> hi\n' });
    assert.equal(replies.length, 0);
  });

  it('refuses a message above the size limit with 552', async () => {
    await assert.rejects(
      send({ to: replyAddress, text: 'x'.repeat(80 * 1024) }),
      (err: { responseCode?: number }) => err.responseCode === 552,
    );
    assert.equal(replies.length, 0);
  });

  it("passes the forum's refusal on as 550, and any other failure as 451 so the sender retries", async () => {
    onReply = async () => {
      throw new InboundRejection('This thread is locked; ask a new question instead.');
    };
    await assert.rejects(send({ to: replyAddress, text: 'hello' }), (err: { responseCode?: number; response?: string }) => {
      return err.responseCode === 550 && /thread is locked/.test(err.response ?? '');
    });
    onReply = async () => {
      throw new Error('database is down');
    };
    await assert.rejects(send({ to: replyAddress, text: 'hello' }), (err: { responseCode?: number; response?: string }) => {
      return err.responseCode === 451 && !/database/.test(err.response ?? '');
    });
  });

  it('takes mailto: unsubscribe requests', async () => {
    const token = tokens.unsubscribeToken({ userId: USER, kind: 'watched_reply' });
    await send({ to: `u+${token}@${DOMAIN}`, subject: 'unsubscribe', text: '' });
    assert.deepEqual(unsubscribes, [{ userId: USER, kind: 'watched_reply', from: 'ann@example.test', recipient: `u+${token}@${DOMAIN}` }]);
  });
});
