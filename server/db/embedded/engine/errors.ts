import { MongoCommandError } from '../engine-api';

export { MongoCommandError };

export const badValue = (msg: string) => new MongoCommandError(2, 'BadValue', msg);
export const failedToParse = (msg: string) => new MongoCommandError(9, 'FailedToParse', msg);
export const typeMismatch = (msg: string) => new MongoCommandError(14, 'TypeMismatch', msg);
export const invalidOptions = (msg: string) => new MongoCommandError(72, 'InvalidOptions', msg);
export const indexNotFound = (msg: string) => new MongoCommandError(27, 'IndexNotFound', msg);
export const immutableField = (msg: string) => new MongoCommandError(66, 'ImmutableField', msg);
export const conflictingOps = (msg: string) => new MongoCommandError(40, 'ConflictingUpdateOperators', msg);
export const internalError = (msg: string) => new MongoCommandError(1, 'InternalError', msg);
export const queryPlanKilled = (msg: string) => new MongoCommandError(175, 'QueryPlanKilled', msg);
export { maxTimeExpired } from './deadline';

/** Turn anything thrown by mingo (or other library code) into a command error. */
export function asCommandError(e: unknown, code = 2, codeName = 'BadValue'): MongoCommandError {
  if (e instanceof MongoCommandError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new MongoCommandError(code, codeName, msg);
}

export { Deadline } from './deadline';
