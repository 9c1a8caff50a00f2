import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The request a piece of work is done for. server/http/request-context.ts runs each request
 * inside it, so every line logged while serving the request (by the request middleware, a
 * service, an event listener, the error handler) carries the request's id as `reqId`,
 * whichever logger object the code holds. It holds no state between requests: each request
 * has its own store, and two apps in one process never see each other's.
 */
const requestScope = new AsyncLocalStorage<{ reqId: string }>();

/** Runs `fn` (and everything it starts) as part of the request `reqId`. */
export function runInRequest<T>(reqId: string, fn: () => T): T {
  return requestScope.run({ reqId }, fn);
}

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

/**
 * The app's logger: JSON lines (pino) with secrets redacted and, inside a request, its `reqId`.
 * `destination` defaults to standard output (tests pass a stream to read the lines).
 */
export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      mixin: () => {
        const scope = requestScope.getStore();
        return scope ? { reqId: scope.reqId } : {};
      },
    },
    destination,
  );
}
