import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import type { Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import type { SmtpSettings } from './settings';

/**
 * Where composed mail goes: an SMTP server (nodemailer's SMTP transport), or, with no SMTP
 * configured, `.eml` files (RFC 5322 messages with CRLF line ends, from nodemailer's stream
 * transport) in DATA_DIR/outbox/, so a fresh `npm start` works with no setup (docs/email.md,
 * "Reading .eml files").
 *
 * Errors from send() are nodemailer's: `responseCode` (SMTP reply code, RFC 5321 §4.2) and
 * `permanent` (true for 5yz except 503) tell the outbox whether a retry can help.
 */
export type OutgoingMessage = SendMailOptions;

export interface SendResult {
  /** Message-ID as sent, with angle brackets. */
  messageId: string;
  /** The SMTP server's final reply (SMTP transport). */
  response?: string;
  /** Absolute path of the written .eml (file transport). */
  file?: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'file';
  /** @throws the transport's error (see above). `signal` aborts the attempt (SMTP). */
  send(message: OutgoingMessage, signal?: AbortSignal): Promise<SendResult>;
  /** Closes pooled connections; idempotent. */
  close(): void;
}

export interface SmtpTimeouts {
  /** TCP connect, ms. */
  connectionMs?: number;
  /** Waiting for the 220 greeting, ms. */
  greetingMs?: number;
  /** Inactivity on an open connection, ms. */
  socketMs?: number;
}

/**
 * SMTP transport: one pooled connection per process, reused for up to 100 messages (the
 * outbox sends one mail at a time; a new connection per mail measured 128 ms/mail on
 * loopback against 18 ms pooled, bench/mail-outbox.ts). The pool drops a connection after an
 * error. Timeouts default well below the outbox lease (server/mail/outbox.ts), so an attempt
 * ends before another process may reclaim the mail.
 */
export function createSmtpTransport(smtp: SmtpSettings, timeouts: SmtpTimeouts = {}): MailTransport {
  const transporter = nodemailer.createTransport({
    pool: true,
    maxConnections: 1,
    maxMessages: 100,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.auth ? { user: smtp.auth.user, pass: smtp.auth.pass } : undefined,
    connectionTimeout: timeouts.connectionMs ?? 30_000,
    greetingTimeout: timeouts.greetingMs ?? 30_000,
    socketTimeout: timeouts.socketMs ?? 60_000,
    // nodemailer's own logging could show protocol lines; our log lines say what matters.
    logger: false,
    debug: false,
    // Our messages have no attachments: never let content reach files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    kind: 'smtp',
    async send(message, signal) {
      const info = await transporter.sendMail(signal ? { ...message, signal } : message);
      return { messageId: info.messageId, response: info.response };
    },
    close: () => transporter.close(),
  };
}

/**
 * Writes each message to `<dir>/<UTC timestamp>-<random>.eml` (mode 0600: the files hold
 * signed links) and logs recipient, subject and file, never the body.
 */
export function createFileTransport(dir: string, deps: { logger: Logger; clock: Clock }): MailTransport {
  const { logger, clock } = deps;
  const transporter = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  let ready: Promise<unknown> | null = null;
  return {
    kind: 'file',
    async send(message) {
      ready ??= fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await ready;
      const info = await transporter.sendMail(message);
      const stamp = clock
        .now()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const file = path.join(dir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
      await fs.writeFile(file, info.message as Buffer, { mode: 0o600, flag: 'wx' });
      logger.info({ to: message.to, subject: message.subject, file }, 'mail written to the outbox directory (no SMTP configured)');
      return { messageId: info.messageId, file };
    },
    close: () => transporter.close(),
  };
}
