/** Index specs: validation, normalisation (the echoed form), comparison, default names. */
import type { Document } from 'bson';
import type { IndexSpec } from '../engine-api';
import { valuesEqual } from './bson-order';
import { isPlainObject } from './doc-utils';
import { MongoCommandError, badValue } from './errors';
import { compileFilter } from './mingo-context';

export const ID_INDEX_SPEC: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' };

const cannotCreate = (msg: string) => new MongoCommandError(67, 'CannotCreateIndex', msg);

const COMMON_OPTIONS = new Set([
  'v',
  'key',
  'name',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'background',
  'hidden',
  'ns',
  'storageEngine',
]);
const TEXT_OPTIONS = new Set(['weights', 'default_language', 'language_override', 'textIndexVersion']);

export function defaultIndexName(key: Document): string {
  return Object.keys(key)
    .map((k) => `${k}_${String(key[k])}`)
    .join('_');
}

export function isNumericDir(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && typeof (v as { valueOf(): unknown }).valueOf() === 'number') {
    return (v as { valueOf(): number }).valueOf();
  }
  return null;
}

export function isTextSpec(spec: IndexSpec): boolean {
  return Object.values(spec.key).some((v) => v === 'text');
}

/** Validates a createIndexes spec and returns the stored (echoed) form: `{v: 2, ...spec}`. */
export function normalizeSpec(raw: IndexSpec): IndexSpec {
  if (!isPlainObject(raw)) throw badValue('index specification must be an object');
  const key = raw.key;
  if (!isPlainObject(key) || Object.keys(key).length === 0) {
    throw cannotCreate('Index keys cannot be an empty object');
  }
  let text = false;
  for (const [f, v] of Object.entries(key)) {
    if (f === '') throw cannotCreate('Index key field names cannot be empty');
    if (f.startsWith('$') && f !== '$**') throw cannotCreate(`Index key contains an illegal field name: ${f}`);
    if (v === 'text') text = true;
    else if (typeof v === 'string') {
      throw cannotCreate(`Index type '${v}' is not supported by this server (only ascending, descending and text indexes)`);
    } else {
      const n = isNumericDir(v);
      if (n === null || n === 0 || Number.isNaN(n)) {
        throw cannotCreate(`Values in the index key pattern can only be numbers > 0, numbers < 0 or 'text'; found ${String(v)} for '${f}'`);
      }
    }
    if (f.includes('$**')) throw cannotCreate('wildcard indexes are not supported by this server');
  }
  for (const opt of Object.keys(raw)) {
    if (COMMON_OPTIONS.has(opt)) continue;
    if (TEXT_OPTIONS.has(opt) && text) continue;
    if (opt === 'collation') throw badValue('collation is not supported by this server');
    throw new MongoCommandError(
      197,
      'InvalidIndexSpecificationOption',
      `The field '${opt}' is not valid for an index specification. Specification: ${JSON.stringify(raw)}`,
    );
  }
  const name = raw.name === undefined ? defaultIndexName(key) : raw.name;
  if (typeof name !== 'string' || name === '') throw cannotCreate('index name must be a non-empty string');
  if (raw.sparse && raw.partialFilterExpression) {
    throw cannotCreate('cannot mix "partialFilterExpression" and "sparse" options');
  }
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainObject(raw.partialFilterExpression)) throw cannotCreate('partialFilterExpression must be an object');
    compileFilter(raw.partialFilterExpression).compile();
  }
  if (raw.expireAfterSeconds !== undefined) {
    const n = isNumericDir(raw.expireAfterSeconds);
    if (n === null || n < 0 || Number.isNaN(n)) {
      throw cannotCreate('expireAfterSeconds must be a non-negative number');
    }
    if (text || Object.keys(key).length !== 1)
      throw cannotCreate('TTL indexes are single-field indexes, compound indexes do not support TTL');
  }
  const isId = Object.keys(key).length === 1 && key._id !== undefined;
  if (isId && name === '_id_' && raw.unique !== undefined) {
    throw new MongoCommandError(197, 'InvalidIndexSpecificationOption', "The field 'unique' is not valid for an _id index specification");
  }
  if (text && raw.unique) throw cannotCreate('text indexes cannot be unique');
  const out: IndexSpec = { v: 2, key, name };
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'v' || k === 'key' || k === 'name' || k === 'ns') continue;
    out[k] = v;
  }
  return out;
}

function optionsOf(spec: IndexSpec): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (k === 'v' || k === 'key' || k === 'name' || k === 'background') continue;
    o[k] = v;
  }
  return o;
}

export function sameKey(a: Document, b: Document): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k, i) => k === kb[i] && valuesEqual(a[k], b[k]));
}

export function sameOptions(a: IndexSpec, b: IndexSpec): boolean {
  const oa = optionsOf(a);
  const ob = optionsOf(b);
  const ka = Object.keys(oa).sort();
  const kb = Object.keys(ob).sort();
  if (ka.length !== kb.length) return false;
  return ka.every((k, i) => k === kb[i] && valuesEqual(oa[k], ob[k]));
}
