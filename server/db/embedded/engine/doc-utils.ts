/** Document helpers: BSON-aware cloning, safe key assignment, path access, formatting. */
import { ObjectId, type Document } from 'bson';
import { MongoCommandError, badValue, mongoError } from './errors';

export const MAX_BSON_SIZE = 16 * 1024 * 1024;

/** Plain documents (not BSON wrapper classes, not Dates, not arrays). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Assign a field as data, even when it is called `__proto__`. */
export function setField(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  } else {
    o[k] = v;
  }
}

/**
 * Deep copy of documents and arrays. BSON values (ObjectId, Long, Binary, Date, ...) are
 * shared: stored documents are never mutated, so sharing immutable leaves is safe.
 */
export function cloneDeep<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneDeep(v[i]);
    return out as T;
  }
  if (!isPlainObject(v)) {
    return (v as { _bsontype?: string })._bsontype === 'DBRef' ? (dbRefToPlain(v) as T) : v;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) setField(out, k, cloneDeep(v[k]));
  return out as T;
}

/**
 * bson decodes `{$ref, $id}` into a DBRef class instance; stored and queried documents keep
 * the plain document form so `{'author.$id': x}` matches like in MongoDB.
 */
export function dbRefToPlain(v: unknown): Record<string, unknown> {
  const r = v as { collection: string; oid: unknown; db?: string; fields?: Record<string, unknown> };
  const out: Record<string, unknown> = { $ref: r.collection, $id: cloneDeep(r.oid) };
  if (r.db) out.$db = r.db;
  for (const [k, x] of Object.entries(r.fields ?? {})) setField(out, k, cloneDeep(x));
  return out;
}

/** In-place replacement of DBRef instances in a freshly decoded document. */
export function plainDbRefsInPlace(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = plainDbRefsInPlace(v[i]);
    return v;
  }
  if ((v as { _bsontype?: string })._bsontype === 'DBRef') return dbRefToPlain(v);
  if (!isPlainObject(v)) return v;
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x !== null && typeof x === 'object') setField(v, k, plainDbRefsInPlace(x));
  }
  return v;
}

/**
 * A private copy of a query filter with DBRefs as plain `{$ref, $id}` documents; equality
 * on such a document is spelled `{$eq: ...}` so it is not mistaken for operators.
 */
export function normalizeFilter(f: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(f)) {
    let v = cloneDeep(f[k]);
    if ((k === '$and' || k === '$or' || k === '$nor') && Array.isArray(v)) {
      v = v.map((b) => (isPlainObject(b) ? normalizeFilter(b) : b));
    } else if (!k.startsWith('$') && isPlainObject(v) && Object.keys(v)[0] === '$ref') {
      v = { $eq: v };
    }
    setField(out, k, v);
  }
  return out;
}

function isDecimal(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { _bsontype?: string })._bsontype === 'Decimal128';
}

export function decimalError(where: string): MongoCommandError {
  return mongoError(14, `Decimal128 values are not supported by this server (${where}); store the amount as a number, a Long or a string`);
}

/** Throws when a Decimal128 value occurs anywhere in `v`. */
export function assertNoDecimal(v: unknown, where: string, depth = 0): void {
  if (v === null || typeof v !== 'object') return;
  if (isDecimal(v)) throw decimalError(where);
  if (depth > 200) throw badValue('document nesting is too deep');
  if (Array.isArray(v)) {
    for (const e of v) assertNoDecimal(e, where, depth + 1);
  } else if (isPlainObject(v)) {
    for (const k of Object.keys(v)) assertNoDecimal(v[k], where, depth + 1);
  }
}

const DBREF_FIELDS = new Set(['$ref', '$id', '$db']);

/**
 * MongoDB refuses `$`-prefixed field names anywhere inside `_id` (52 DollarPrefixedFieldName),
 * except the fields of a DBRef.
 */
export function assertStorableId(id: unknown, depth = 0): void {
  if (depth > 100) return;
  if (Array.isArray(id)) {
    for (const e of id) assertStorableId(e, depth + 1);
    return;
  }
  if (!isPlainObject(id)) return;
  const keys = Object.keys(id);
  const isDbRef = keys[0] === '$ref' && keys[1] === '$id';
  for (const k of keys) {
    if (k.startsWith('$') && !(isDbRef && DBREF_FIELDS.has(k))) {
      throw mongoError('DollarPrefixedFieldName', `_id fields may not contain '$'-prefixed fields: ${k} is not valid for storage.`);
    }
    assertStorableId(id[k], depth + 1);
  }
}

/**
 * The stored form of an inserted document: a deep copy with `_id` first (generated when
 * missing). Refuses Decimal128 and non-document input.
 */
export function prepareNewDoc(doc: unknown): Document {
  if (!isPlainObject(doc)) throw badValue('document to insert must be an object');
  assertNoDecimal(doc, 'insert');
  const out: Record<string, unknown> = {};
  const id = Object.prototype.hasOwnProperty.call(doc, '_id') ? doc._id : new ObjectId();
  if (id === undefined) out._id = new ObjectId();
  else {
    if (Array.isArray(id)) throw badValue("can't use an array for _id");
    if (id instanceof RegExp || (id as { _bsontype?: string })?._bsontype === 'BSONRegExp') {
      throw badValue("can't use a regex for _id");
    }
    assertStorableId(id);
    out._id = cloneDeep(id);
  }
  for (const k of Object.keys(doc)) {
    if (k === '_id') continue;
    setField(out, k, cloneDeep(doc[k]));
  }
  return out;
}

/** Set a dotted path, creating documents on the way (used to build upsert seeds). */
export function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i];
    let next = Object.prototype.hasOwnProperty.call(cur, p) ? cur[p] : undefined;
    if (!isPlainObject(next)) {
      if (next !== undefined) {
        throw badValue(`cannot infer query fields to set, path '${path}' is matched twice`);
      }
      next = {};
      setField(cur, p, next);
    }
    cur = next as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (Object.prototype.hasOwnProperty.call(cur, last)) {
    throw badValue(`cannot infer query fields to set, path '${path}' is matched twice`);
  }
  setField(cur, last, value);
}

/** Short MongoDB-shell-like rendering used in E11000 messages. */
export function formatValue(v: unknown, depth = 0): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (v instanceof RegExp) return String(v);
  if (Array.isArray(v)) return depth > 3 ? '[...]' : `[ ${v.map((e) => formatValue(e, depth + 1)).join(', ')} ]`;
  const bt = (v as { _bsontype?: string })._bsontype;
  if (bt === 'ObjectId') return `ObjectId('${(v as ObjectId).toHexString()}')`;
  if (bt) return String((v as { toString(): string }).toString());
  if (isPlainObject(v)) {
    if (depth > 3) return '{...}';
    const parts = Object.keys(v).map((k) => `${k}: ${formatValue(v[k], depth + 1)}`);
    return parts.length ? `{ ${parts.join(', ')} }` : '{}';
  }
  return String(v);
}
