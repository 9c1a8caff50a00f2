import type { Document } from 'bson';
import { MongoCommandError } from './engine-api';
import { codeNameOf, mongoError } from './error-codes';

export { type ErrorName } from './error-codes';

/** A command error by code (see error-codes.ts for the table of names). */
export function commandError(code: number, message: string, extra?: Document): MongoCommandError {
  return mongoError(code, message, extra);
}

/** Turns anything thrown by a handler into the `{ok: 0, ...}` reply the driver understands. */
export function errorReply(err: unknown): Document {
  if (err instanceof MongoCommandError) {
    return {
      ...err.extra,
      ok: 0,
      errmsg: err.message,
      code: err.code,
      codeName: err.codeName || codeNameOf(err.code),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { ok: 0, errmsg: `internal error in the embedded server: ${message}`, code: 8, codeName: 'UnknownError' };
}
