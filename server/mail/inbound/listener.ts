import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { Logger } from '../../kernel/logger';
import type { InboundSettings } from '../settings';
import type { MailTokens } from '../signed-tokens';
import { automaticReason } from './auto-reply';
import { stripReply } from './strip';

/**
 * Reply by e-mail (docs/email.md): an SMTP server (smtp-server) that accepts mail only for
 * the signed addresses of INBOUND_DOMAIN: reply addresses `r+<thread>.<user>.<mac>` and
 * unsubscribe addresses `u+<token>`. Anything else is refused at RCPT TO with 550 (RFC 5321
 * §3.3), before a message is transferred. Messages above the SIZE limit (RFC 1870) get 552.
 *
 * An accepted message is parsed (mailparser); automatic mail (auto-replies, bounces, lists:
 * ./auto-reply.ts) is accepted and dropped, so no loop starts. A reply's text (the text part,
 * or mailparser's text from the HTML part) is stripped of quotes and signature (./strip.ts)
 * and handed to onReply. The listener does not decide whether the sender may post: the
 * callback gets the From and envelope addresses and must compare them with the account's
 * verified address, then post through the threads service and its guard.
 *
 * A handler that throws InboundRejection makes the transaction fail with 550 and its message
 * (the sender's server bounces it to the person, who learns why); any other error gives 451
 * (try again later, RFC 5321 §4.2.1), so a passing database hiccup loses nothing. A retry may
 * deliver the same message again: handlers should ignore a messageId they have seen.
 */
export interface InboundReply {
  userId: string;
  threadId: string;
  /** The person's new text, quotes and signature removed; never empty. */
  text: string;
  /** Message-ID header, or `<sha256-of-message@inbound>` when the message has none. For de-duplication. */
  messageId: string;
  /** Lowercased addr-spec of the From header, or null. Compare with the user's verified address. */
  from: string | null;
  /** Lowercased MAIL FROM (envelope sender); '' never reaches here (bounces are dropped). */
  envelopeFrom: string | null;
  subject: string | null;
  /** The recipient address it came to. */
  recipient: string;
}

export interface InboundUnsubscribe {
  userId: string;
  kind: string;
  from: string | null;
  recipient: string;
}

export interface InboundHandlers {
  onReply(reply: InboundReply): Promise<void>;
  /** mailto: unsubscribe (RFC 2369 / RFC 8058 alternative). Without a handler such mail is refused at RCPT. */
  onUnsubscribe?(request: InboundUnsubscribe): Promise<void>;
}

/** Thrown by a handler to refuse a message for good (550 with this message). */
export class InboundRejection extends Error {
  readonly responseCode = 550;
  constructor(message: string) {
    super(message);
    this.name = 'InboundRejection';
  }
}

export interface InboundServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

export interface InboundDeps {
  settings: InboundSettings;
  tokens: MailTokens;
  logger: Logger;
  handlers: InboundHandlers;
}

/** At most this many recipients per message (RFC 5321 §4.5.3.1.8 lets a server say 452). */
export const MAX_RECIPIENTS = 10;

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** Reads the message, keeping at most `max` bytes in memory (the rest is drained and dropped). */
async function readAll(stream: SMTPServerDataStream, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of stream) {
    if (kept > max) continue;
    chunks.push(chunk as Buffer);
    kept += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks);
}

/** Starts the listener on settings.host:settings.port. @throws on listen errors (EADDRINUSE, EACCES) or unreadable TLS files. */
export async function startInboundServer(deps: InboundDeps): Promise<InboundServer> {
  const { settings, tokens, logger, handlers } = deps;
  const tls = settings.tls ? { key: fs.readFileSync(settings.tls.keyFile), cert: fs.readFileSync(settings.tls.certFile) } : null;
  const parse = (address: string) => {
    const r = tokens.parseRecipient(address, settings.domain);
    if (r?.type === 'unsubscribe' && !handlers.onUnsubscribe) return null;
    return r;
  };

  async function handleData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const raw = await readAll(stream, settings.maxBytes);
    if (stream.sizeExceeded || raw.length > settings.maxBytes)
      throw smtpError(`5.3.4 Message too big (limit ${settings.maxBytes} bytes)`, 552);
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: settings.maxBytes });
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : null;
    const auto = automaticReason(parsed, envelopeFrom);
    const recipients = session.envelope.rcptTo.map((r) => r.address);
    if (auto) {
      logger.info({ session: session.id, reason: auto, recipients: recipients.length }, 'inbound mail ignored: automatic');
      return;
    }
    const from = parsed.from?.value?.[0]?.address?.toLowerCase() ?? null;
    const messageId = parsed.messageId ?? `<${createHash('sha256').update(raw).digest('hex')}@inbound>`;
    for (const recipient of recipients) {
      const claim = parse(recipient);
      if (!claim) continue;
      if (claim.type === 'unsubscribe') {
        await handlers.onUnsubscribe!({ userId: claim.userId, kind: claim.kind, from, recipient });
        continue;
      }
      const text = stripReply(parsed.text ?? '');
      if (!text) {
        logger.info({ session: session.id, threadId: claim.threadId }, 'inbound reply ignored: no text of its own');
        continue;
      }
      await handlers.onReply({
        userId: claim.userId,
        threadId: claim.threadId,
        text,
        messageId,
        from,
        envelopeFrom,
        subject: parsed.subject ?? null,
        recipient,
      });
    }
  }

  const server = new SMTPServer({
    banner: 'reply-by-email',
    size: settings.maxBytes,
    authOptional: true,
    // No AUTH: this is a receiving MX. No STARTTLS without our own certificate: smtp-server's
    // built-in one has a published key, so it would only pretend to protect anything.
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(tls ?? {}),
    disableReverseLookup: true,
    logger: false,
    maxClients: 100,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return callback(smtpError('4.5.3 Too many recipients', 452));
      if (!parse(address.address)) {
        logger.info({ session: session.id }, 'inbound recipient refused');
        return callback(smtpError('5.1.1 No such recipient here', 550));
      }
      callback();
    },
    onData(stream, session, callback) {
      handleData(stream, session).then(
        () => callback(),
        (err: Error & { responseCode?: number }) => {
          if (err instanceof InboundRejection) return callback(smtpError(`5.7.1 ${err.message}`, 550));
          if (err.responseCode) return callback(err);
          logger.error({ err, session: session.id }, 'inbound mail handling failed; sender will retry');
          callback(smtpError('4.3.0 Temporary failure, try again later', 451));
        },
      );
    },
  });
  server.on('error', (err) => logger.error({ err }, 'inbound SMTP server error'));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(settings.port, settings.host, () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  logger.info({ host: settings.host, port, domain: settings.domain, tls: Boolean(tls) }, 'reply-by-email listener started');
  let closing: Promise<void> | null = null;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
