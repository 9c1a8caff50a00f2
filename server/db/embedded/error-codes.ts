/**
 * The server's one table of MongoDB error names and codes, and its one constructor.
 *
 * The names are MongoDB's own (they travel as `codeName`, which mongoose and the drivers
 * match on); the codes were taken from what the official driver names in its source
 * (node_modules/mongodb/lib/error.js: MONGODB_ERROR_CODES) and from what a MongoDB 7.0
 * server answers to the same commands. An assertion without a name of its own travels as
 * `Location<code>`, as MongoDB sends it.
 *
 * Deliberately absent: the "not primary" / "node is recovering" family (10107, 13435, 11600,
 * 11602, 13436, 189, 91); the driver clears its whole connection pool on those.
 */
import type { Document } from 'bson';
import { MongoCommandError } from './engine-api';

export const ERROR_CODES = {
  InternalError: 1,
  BadValue: 2,
  UnknownError: 8,
  FailedToParse: 9,
  TypeMismatch: 14,
  AuthenticationFailed: 18,
  IllegalOperation: 20,
  InvalidBSON: 22,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  MaxTimeMSExpired: 50,
  DollarPrefixedFieldName: 52,
  EmptyFieldName: 56,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  UnknownReplWriteConcern: 79,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  OperationFailed: 96,
  CommandNotSupported: 115,
  NotAReplicaSet: 123,
  InvalidPipelineOperator: 168,
  CannotIndexParallelArrays: 171,
  AmbiguousIndexKeyPattern: 181,
  InvalidIndexSpecificationOption: 197,
  NotImplemented: 238,
  ClientDisconnect: 279,
  ConversionFailure: 241,
  APIVersionError: 322,
  APIStrictError: 323,
  APIDeprecationError: 324,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
} as const;

export type ErrorName = keyof typeof ERROR_CODES;

const NAME_OF = new Map<number, string>(Object.entries(ERROR_CODES).map(([name, code]) => [code, name]));

/** MongoDB's codeName for a code: its name in the table, else `Location<code>`. */
export function codeNameOf(code: number): string {
  return NAME_OF.get(code) ?? `Location${code}`;
}

/**
 * The one constructor of command errors: `mongoError('BadValue', msg)` or, for an assertion
 * that has only a number, `mongoError(40415, msg)`. `extra` fields ride along in the reply
 * (keyPattern/keyValue of a duplicate key).
 */
export function mongoError(code: ErrorName | number, message: string, extra?: Document): MongoCommandError {
  const n = typeof code === 'number' ? code : ERROR_CODES[code];
  return new MongoCommandError(n, codeNameOf(n), message, extra);
}

/** MongoDB's answer to a field a command or statement does not define (code 40415). */
export function unknownField(path: string): MongoCommandError {
  return mongoError(40415, `BSON field '${path}' is an unknown field.`);
}
