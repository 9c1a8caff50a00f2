import type { Document } from 'bson';
import { MongoCommandError } from './engine-api';

/**
 * Error codes the wire layer answers with. The "not primary" / "node is recovering"
 * family is deliberately absent: the driver clears its whole pool on those.
 */
export const CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'InternalError',
  2: 'BadValue',
  8: 'UnknownError',
  9: 'FailedToParse',
  14: 'TypeMismatch',
  18: 'AuthenticationFailed',
  20: 'IllegalOperation',
  22: 'InvalidBSON',
  26: 'NamespaceNotFound',
  27: 'IndexNotFound',
  43: 'CursorNotFound',
  48: 'NamespaceExists',
  50: 'MaxTimeMSExpired',
  59: 'CommandNotFound',
  72: 'InvalidOptions',
  73: 'InvalidNamespace',
  85: 'IndexOptionsConflict',
  86: 'IndexKeySpecsConflict',
  115: 'CommandNotSupported',
  10334: 'BSONObjectTooLarge',
  11000: 'DuplicateKey',
};

export function commandError(code: number, message: string, extra?: Document): MongoCommandError {
  return new MongoCommandError(code, CODE_NAMES[code] ?? 'UnknownError', message, extra);
}

/** Turns anything thrown by a handler into the `{ok: 0, ...}` reply the driver understands. */
export function errorReply(err: unknown): Document {
  if (err instanceof MongoCommandError) {
    return {
      ...err.extra,
      ok: 0,
      errmsg: err.message,
      code: err.code,
      codeName: err.codeName || CODE_NAMES[err.code] || 'UnknownError',
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { ok: 0, errmsg: `internal error in the embedded server: ${message}`, code: 8, codeName: 'UnknownError' };
}
