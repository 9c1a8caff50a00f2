import { MongoCommandError } from '../engine-api';
import { mongoError } from '../error-codes';

export { MongoCommandError, mongoError };

export const badValue = (msg: string) => mongoError('BadValue', msg);
export const failedToParse = (msg: string) => mongoError('FailedToParse', msg);
export const typeMismatch = (msg: string) => mongoError('TypeMismatch', msg);
export const invalidOptions = (msg: string) => mongoError('InvalidOptions', msg);
export const indexNotFound = (msg: string) => mongoError('IndexNotFound', msg);
export const immutableField = (msg: string) => mongoError('ImmutableField', msg);
export const conflictingOps = (msg: string) => mongoError('ConflictingUpdateOperators', msg);
export const internalError = (msg: string) => mongoError('InternalError', msg);
export const queryPlanKilled = (msg: string) => mongoError(175, msg);

/**
 * mingo's messages for what MongoDB answers with a code of its own (the rest are BadValue):
 * an unknown stage is 40324, an unknown expression operator 168 InvalidPipelineOperator.
 */
const MINGO_MESSAGES: [RegExp, (m: RegExpExecArray) => MongoCommandError][] = [
  [/unregistered pipeline operator (\$?[\w$]+)/, (m) => mongoError(40324, `Unrecognized pipeline stage name: '${m[1]}'`)],
  [/accumulator '(\$[\w$]+)' is not registered/, (m) => mongoError('InvalidPipelineOperator', `Unrecognized expression '${m[1]}'`)],
  [/unknown query operator (\$[\w$]+)/, (m) => mongoError('BadValue', `unknown operator: ${m[1]}`)],
];

/** Turn anything thrown by mingo (or other library code) into a command error. */
export function asCommandError(e: unknown): MongoCommandError {
  if (e instanceof MongoCommandError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  for (const [re, make] of MINGO_MESSAGES) {
    const m = re.exec(msg);
    if (m) return make(m);
  }
  return mongoError('BadValue', msg);
}

export { Deadline } from './deadline';
