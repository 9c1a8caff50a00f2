import type { ParsedMail } from 'mailparser';
import type { FakeClock } from '../../../server/kernel/clock';
import { startForum, type TestForum } from '../../helpers/kit';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../helpers/smtp-sink';

/** The forum's public URL in these tests: every link in mail starts with it. */
export const PUBLIC_URL = 'https://forum.example.test';
export const INBOUND_DOMAIN = 'reply.forum.example.test';

export interface MailWorld {
  forum: TestForum;
  sink: SmtpSink;
  /** The reply-by-e-mail listener's port (when started with inbound). */
  inboundPort: number | null;
  /** Runs the outbox job once (as the every-minute job would) and returns what arrived since the last call. */
  deliver(): Promise<ReceivedMail[]>;
  /** Every mail the sink received for `address`. */
  mailsTo(address: string): ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A forum that sends mail to a real SMTP server started in the test (test/helpers/smtp-sink.ts,
 * smtp-server on 127.0.0.1 port 0), optionally with reply by e-mail listening on another port 0.
 */
export async function startMailWorld(
  opts: { clock?: FakeClock; start?: string; inbound?: boolean; env?: Record<string, string> } = {},
): Promise<MailWorld> {
  const sink = await startSmtpSink();
  const forum = await startForum({
    clock: opts.clock,
    start: opts.start,
    env: {
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      PUBLIC_URL,
      MAIL_FROM: '"Support Community" <no-reply@forum.example.test>',
      ...(opts.inbound ? { INBOUND_SMTP_PORT: '0', INBOUND_SMTP_HOST: '127.0.0.1', INBOUND_DOMAIN } : {}),
      ...opts.env,
    },
  });
  let seen = 0;
  const inboundPort = opts.inbound ? await forum.services.notifications.startInbound() : null;
  return {
    forum,
    sink,
    inboundPort,
    async deliver() {
      await forum.services.accounts.idle();
      await forum.services.notifications.sendMail();
      const fresh = sink.received.slice(seen);
      seen = sink.received.length;
      return fresh;
    },
    mailsTo: (address) => sink.received.filter((m) => m.envelope.to.includes(address.toLowerCase())),
    async close() {
      await forum.close();
      await sink.close();
    },
  };
}

/** The first URL in a mail's text body that starts with PUBLIC_URL + `path`. */
export function linkIn(mail: ParsedMail, path: string): string {
  const text = mail.text ?? '';
  const re = new RegExp(`${PUBLIC_URL.replace(/[.]/g, '\\.')}${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\s>)"]*`);
  const m = re.exec(text);
  if (!m) throw new Error(`no ${path} link in the mail:\n${text}`);
  return m[0];
}

/** A URL's path and query, for requests against the app under test. */
export const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};
