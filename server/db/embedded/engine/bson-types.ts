/**
 * BSON type codes and names of in-memory values (see numeric.ts for how numbers are held):
 * what `$type` in queries and expressions reports, and what error messages name.
 */
import { isInt32Value } from './numeric';

/** BSON type code a value is stored as (a missing value, undefined, answers 6). */
export function bsonTypeCode(v: unknown): number {
  if (v === null) return 10;
  if (v === undefined) return 6;
  switch (typeof v) {
    case 'number':
      return isInt32Value(v) ? 16 : 1;
    case 'bigint':
      return 18;
    case 'string':
      return 2;
    case 'boolean':
      return 8;
  }
  if (Array.isArray(v)) return 4;
  if (v instanceof Date) return 9;
  if (v instanceof RegExp) return 11;
  if (v instanceof Uint8Array) return 5;
  switch ((v as { _bsontype?: string })._bsontype) {
    case 'ObjectId':
      return 7;
    case 'Long':
      return 18;
    case 'Int32':
      return 16;
    case 'Double':
      return 1;
    case 'Decimal128':
      return 19;
    case 'Binary':
      return 5;
    case 'Timestamp':
      return 17;
    case 'BSONRegExp':
      return 11;
    case 'BSONSymbol':
      return 14;
    case 'MinKey':
      return -1;
    case 'MaxKey':
      return 127;
    case 'Code':
      return (v as { scope?: unknown }).scope ? 15 : 13;
    case 'DBPointer':
      return 12;
  }
  return 3;
}

/** MongoDB's alias of each type code ($type's string form). */
export const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  12: 'dbPointer',
  13: 'javascript',
  14: 'symbol',
  15: 'javascriptWithScope',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

/** The type alias of a value, as the aggregation `$type` expression answers it. */
export function typeName(v: unknown): string {
  if (v === undefined) return 'missing';
  return TYPE_NAMES[bsonTypeCode(v)] ?? 'object';
}
