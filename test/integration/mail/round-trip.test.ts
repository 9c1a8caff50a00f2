import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startTestDatabase } from '../../../server/db/connect';
import { FakeClock } from '../../../server/kernel/clock';
import { testConfig } from '../../../server/config';
import { createLogger } from '../../../server/kernel/logger';
import { createMailSystem, mailSettingsFromConfig, type InboundReply } from '../../../server/mail';
import { startSmtpSink } from '../../helpers/smtp-sink';

const ann = { userId: '65f0c0ffee0000000000a001', email: 'ann@example.test', displayName: 'Ann' };
const thread = { id: '65f0c0ffee0000000000b001', title: 'Printer jams on page 2' };

describe('mail round trip: reminder out over SMTP, answer back by e-mail', () => {
  it('the asker answers the close reminder from their mail client and the forum receives the text', async () => {
    const db = await startTestDatabase();
    const sink = await startSmtpSink();
    const config = testConfig({
      PUBLIC_URL: 'https://forum.example.test',
      INBOUND_SMTP_PORT: '0',
      INBOUND_SMTP_HOST: '127.0.0.1',
      INBOUND_DOMAIN: 'reply.example.test',
    });
    const settings = { ...mailSettingsFromConfig(config), smtp: { host: '127.0.0.1', port: sink.port, secure: false, auth: null } };
    const clock = new FakeClock('2026-11-30T20:00:00Z');
    const mail = createMailSystem({ config, clock, logger: createLogger('silent'), settings });
    try {
      await mail.models.outboundMail.init();
      const replies: InboundReply[] = [];
      const inbound = await mail.startInbound({ onReply: async (r) => void replies.push(r) });
      assert.ok(inbound && inbound.port > 0);

      // Tuesday 2026-12-01 16:00 EST is 21:00 UTC.
      await mail.mailer.enqueue({
        key: 'reminder:1',
        recipient: ann,
        mail: { kind: 'close_reminder', thread, closesAt: new Date('2026-12-01T21:00:00Z') },
      });
      assert.deepEqual(await mail.mailer.sendDue(), { sent: 1, retried: 0, failed: 0 });
      const [out] = sink.received;
      assert.ok(out.parsed.text!.includes('This thread will close on Tuesday, December 1 at 4:00 PM EST unless you reply.'));
      assert.ok(out.parsed.text!.includes('https://forum.example.test/threads/65f0c0ffee0000000000b001'));
      const replyTo = out.parsed.replyTo!.value[0].address!;

      const client = nodemailer.createTransport({ host: '127.0.0.1', port: inbound!.port, secure: false, ignoreTLS: true });
      const quoted = out.parsed
        .text!.split('\n')
        .map((l) => `> ${l}`)
        .join('\n');
      await client.sendMail({
        from: 'Ann <ann@example.test>',
        to: replyTo,
        subject: `Re: ${out.parsed.subject}`,
        inReplyTo: out.parsed.messageId,
        references: [...[out.parsed.references ?? []].flat(), out.parsed.messageId!],
        text: `I tried the rear tray, still jams.\n\nOn Mon, Nov 30, 2026 at 3:00 PM Support Community <no-reply@forum.example.test> wrote:\n${quoted}\n`,
      });
      client.close();
      assert.equal(replies.length, 1);
      assert.equal(replies[0].text, 'I tried the rear tray, still jams.');
      assert.equal(replies[0].threadId, thread.id);
      assert.equal(replies[0].userId, ann.userId);
      assert.equal(replies[0].from, ann.email);
    } finally {
      await mail.close();
      await sink.close();
      await db.close();
    }
  });
});
