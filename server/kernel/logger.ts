import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Secrets (passwords, secure-field values, tokens, cookies) are
 * redacted by path so they can never reach a log line, whatever code logs them.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'value',
  '*.value',
  'fields[*].value',
  '*.fields[*].value',
  'secret',
  '*.secret',
  // Mail configuration and credentials (server/config.ts, server/mail/): an SMTP URL carries
  // the password; nodemailer's transport options carry it as auth.pass.
  'SMTP_PASS',
  '*.SMTP_PASS',
  'SMTP_URL',
  '*.SMTP_URL',
  'MAIL_SECRET',
  '*.MAIL_SECRET',
  'SESSION_SECRET',
  '*.SESSION_SECRET',
  'pass',
  '*.pass',
  'auth.pass',
  '*.auth.pass',
  // Signed mail tokens (unsubscribe, verification, reset) are capabilities.
  'token',
  '*.token',
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string = 'info'): Logger {
  return pino({
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: undefined,
  });
}
