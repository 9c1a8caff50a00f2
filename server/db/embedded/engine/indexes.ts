/**
 * Index specs (validation, normalisation, comparison) and the in-memory index structures:
 * B+ trees for declared indexes, and a pluggable slot for the text index (text-search.ts).
 */
import type { Document } from 'bson';
import type { IndexSpec } from '../engine-api';
import { BTree, bulkLoad, compareStrings } from './btree';
import { valuesEqual } from './bson-order';
import { isPlainObject } from './doc-utils';
import { MongoCommandError, badValue } from './errors';
import { extractKeys, type IndexKey, type KeyField } from './index-keys';
import { compileFilter } from './mingo-context';
import type { Matcher } from './mingo-context';
import { TextSearchIndex } from './text-search';

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

function isNumericDir(v: unknown): number | null {
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

// ---------------------------------------------------------------------------------------

/** A declared ascending/descending (compound, multikey) index held in a B+ tree. */
export class BTreeIndex {
  readonly kind = 'btree' as const;
  readonly name: string;
  readonly fields: KeyField[];
  readonly unique: boolean;
  readonly sparse: boolean;
  readonly partial: Matcher | null;
  readonly ttlSeconds: number | null;
  /** entry key = encoded key tuple + id key (see idSuffix); value = id key */
  tree: BTree<string, string> = new BTree<string, string>(undefined, compareStrings);
  readonly multikey = { value: false };

  /**
   * @param idSuffix entries are `key + idKey`, so equal keys of different documents stay
   * distinct; the `_id` tree's keys are unique already and go without it.
   */
  constructor(
    readonly spec: IndexSpec,
    private readonly idSuffix = true,
  ) {
    this.name = spec.name;
    this.fields = Object.entries(spec.key).map(([path, d]) => ({
      path,
      parts: path.split('.'),
      dir: (isNumericDir(d) ?? 1) < 0 ? -1 : 1,
    }));
    this.unique = !!spec.unique;
    this.sparse = !!spec.sparse;
    this.partial = spec.partialFilterExpression ? compileFilter(spec.partialFilterExpression as Document) : null;
    const ttl = spec.expireAfterSeconds === undefined ? null : isNumericDir(spec.expireAfterSeconds);
    this.ttlSeconds = ttl;
  }

  /** Keys of `doc`, or null when the index does not cover it (sparse / partial). */
  keysFor(doc: Document): IndexKey[] | null {
    if (this.partial && !this.partial.test(doc)) return null;
    return extractKeys(doc, this.fields, this.sparse, this.multikey);
  }

  add(idKey: string, keys: IndexKey[]): void {
    for (const k of keys) this.tree.set(this.idSuffix ? k.enc + idKey : k.enc, idKey);
  }

  remove(idKey: string, keys: IndexKey[]): void {
    for (const k of keys) this.tree.delete(this.idSuffix ? k.enc + idKey : k.enc);
  }

  /** The first key of `keys` already held by another document, for unique indexes. */
  conflict(keys: IndexKey[], idKey: string): IndexKey | null {
    if (!this.unique) return null;
    for (const k of keys) {
      for (const [entry, owner] of this.tree.entries(k.enc)) {
        if (!entry.startsWith(k.enc)) break;
        if (owner !== idKey) return k;
      }
    }
    return null;
  }

  clear(): void {
    this.tree = new BTree<string, string>(undefined, compareStrings);
    this.multikey.value = false;
  }

  /**
   * Builds the tree from scratch over `docs` (sort + bulk load, much faster than one insert
   * at a time). `onDup` turns a unique violation into the error to throw.
   */
  bulkBuild(docs: Iterable<[string, Document]>, onDup: (key: IndexKey) => Error): void {
    const keys: string[] = [];
    const owner = new Map<string, string>();
    const seen = this.unique ? new Map<string, string>() : null;
    for (const [idKey, doc] of docs) {
      const ks = this.keysFor(doc);
      if (!ks) continue;
      for (const k of ks) {
        if (seen) {
          const prev = seen.get(k.enc);
          if (prev !== undefined && prev !== idKey) {
            this.clear();
            throw onDup(k);
          }
          seen.set(k.enc, idKey);
        }
        const full = this.idSuffix ? k.enc + idKey : k.enc;
        keys.push(full);
        owner.set(full, idKey);
      }
    }
    keys.sort();
    const values = keys.map((k) => owner.get(k)!);
    this.tree = bulkLoad(keys, values, 64, compareStrings) as BTree<string, string>;
  }

  approxBytes(): number {
    let n = 0;
    for (const k of this.tree.keys()) n += k.length * 2 + 16;
    return n;
  }
}

/**
 * The extension point for full-text search: an index kind fed every insert and removal.
 * `search` answers a `$text` clause with matching id keys and their scores; `getDoc` gives
 * the stored document of a candidate (phrases are checked on the text itself). `validate`
 * refuses a document before the collection changes anything (e.g. a bad language field).
 */
export interface PluggableIndex {
  readonly kind: 'text';
  readonly name: string;
  readonly spec: IndexSpec;
  insert(idKey: string, doc: Document): void;
  remove(idKey: string, doc: Document): void;
  clear(): void;
  validate?(doc: Document): void;
  search?(text: Document, getDoc?: (idKey: string) => Document | undefined): Map<string, number>;
}

export type TextIndexFactory = (spec: IndexSpec) => PluggableIndex;
let textFactory: TextIndexFactory = (spec) => new TextSearchIndex(spec);

/** Lets the text-search module plug in its index implementation. */
export function setTextIndexFactory(f: TextIndexFactory): void {
  textFactory = f;
}

export function makeTextIndex(spec: IndexSpec): PluggableIndex {
  return textFactory(spec);
}
