/**
 * One error hierarchy for the whole app. Services throw these; the final error
 * middleware (server/http/error-handler.ts) maps them to an HTML page or to
 * `{ error: { code, message } }` JSON. Anything that is not an AppError is a bug
 * and is shown as a plain 500 with a request id.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra machine-readable detail for JSON clients (field errors, matches...). */
  readonly details?: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export class ValidationError extends AppError {
  /** field name -> message, for re-rendering a form next to the inputs. */
  readonly fields: Record<string, string>;
  constructor(message: string, fields: Record<string, string> = {}, details?: Record<string, unknown>) {
    super(400, 'validation', message, { fields, ...details });
    this.fields = fields;
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Please sign in to do that.') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do that.') {
    super(403, 'forbidden', message);
  }
}

/**
 * The account is restricted by a moderator (docs/moderation.md): `suspended` (no posting, no
 * messages), `silenced` (no public posts, no messages to members) or `banned`. The message carries the
 * reason and the end, which the member is meant to read.
 */
export class RestrictedError extends AppError {
  constructor(code: 'suspended' | 'silenced' | 'banned', message: string, details: { until: Date | null; reason: string }) {
    super(403, code, message, { until: details.until ? details.until.toISOString() : null, reason: details.reason });
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found.') {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict', details?: Record<string, unknown>) {
    super(409, code, message, details);
  }
}

/** A thread (or other object) is locked and refuses the change. */
export class LockedError extends AppError {
  constructor(message = 'This thread is locked.') {
    super(409, 'locked', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'The request body is too large.') {
    super(413, 'payload_too_large', message);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(422, code, message, details);
  }
}

export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'Too many requests. Please wait and try again.') {
    super(429, 'rate_limited', message, { retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class CsrfError extends AppError {
  constructor() {
    super(403, 'csrf', 'Your form expired or the security token is missing. Please reload the page and try again.');
  }
}

/**
 * The forum cannot serve this request now, but will soon (HTTP 503 with Retry-After, RFC 9110
 * 15.6.4 and 10.2.3): the database is unreachable, the process is overloaded (load shedding),
 * or the request ran past its time limit. Nothing was changed by the refused request unless
 * the code says so (`timeout`: the work may still finish).
 */
export class ServiceUnavailableError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(code: 'database_unavailable' | 'overloaded' | 'timeout', message: string, retryAfterSeconds: number) {
    super(503, code, message, { retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
