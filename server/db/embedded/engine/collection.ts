/**
 * One collection in memory: documents by canonical `_id` key, the `_id` B+ tree, declared
 * indexes, and the three mutation primitives (insert, replace, delete). Each primitive
 * checks every unique rule before touching anything and records an undo step and a
 * persistence op on the caller's WriteTxn.
 */
import type { Document } from 'bson';
import type { IndexSpec } from '../engine-api';
import { idKeyOf } from './bson-order';
import { formatValue } from './doc-utils';
import { MongoCommandError } from './errors';
import type { IndexKey } from './index-keys';
import { BTreeIndex, ID_INDEX_SPEC, type PluggableIndex } from './indexes';
import type { WriteTxn } from './write-txn';

export class DuplicateKeyError extends MongoCommandError {
  constructor(ns: string, index: string, keyPattern: Document, keyValue: Document) {
    const dup = Object.keys(keyValue)
      .map((k) => `${k}: ${formatValue(keyValue[k])}`)
      .join(', ');
    super(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${index} dup key: { ${dup} }`, {
      keyPattern,
      keyValue,
    });
  }
}

function sameKeys(a: IndexKey[] | null, b: IndexKey[] | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].enc !== b[i].enc) return false;
  return true;
}

export class Collection {
  readonly docs = new Map<string, Document>();
  /** approximate BSON size per document, for stats */
  readonly sizes = new Map<string, number>();
  dataBytes = 0;
  /** the `_id` index as a B+ tree, for range scans and sorts on `_id` */
  readonly idTree: BTreeIndex;
  /** declared indexes in creation order (without `_id_`) */
  indexes: BTreeIndex[] = [];
  text: PluggableIndex | null = null;
  /** creation sequence per index name, so listIndexes keeps creation order */
  private readonly created = new Map<string, number>();
  private seq = 0;

  constructor(
    readonly db: string,
    readonly name: string,
    public options: Document = {},
  ) {
    this.idTree = new BTreeIndex(ID_INDEX_SPEC, false);
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** Index specs as listIndexes shows them: `_id_` first, then in creation order. */
  specs(): IndexSpec[] {
    const rest: IndexSpec[] = this.indexes.map((ix) => ix.spec);
    if (this.text) rest.push(this.text.spec);
    rest.sort((a, b) => (this.created.get(a.name) ?? 0) - (this.created.get(b.name) ?? 0));
    return [ID_INDEX_SPEC, ...rest];
  }

  noteCreated(name: string): void {
    this.created.set(name, ++this.seq);
  }

  findIndex(name: string): BTreeIndex | PluggableIndex | null {
    if (name === '_id_') return this.idTree;
    if (this.text?.name === name) return this.text;
    return this.indexes.find((i) => i.name === name) ?? null;
  }

  dupError(ix: BTreeIndex, key: IndexKey): DuplicateKeyError {
    const keyPattern: Document = {};
    const keyValue: Document = {};
    ix.fields.forEach((f, i) => {
      keyPattern[f.path] = ix.spec.key[f.path];
      const v = key.values[i];
      keyValue[f.path] = typeof v === 'symbol' ? undefined : v;
    });
    return new DuplicateKeyError(this.ns, ix.name, keyPattern, keyValue);
  }

  insert(doc: Document, bytes: Buffer, txn: WriteTxn): string {
    const idKey = idKeyOf(doc._id);
    if (this.docs.has(idKey)) {
      throw new DuplicateKeyError(this.ns, '_id_', { _id: 1 }, { _id: doc._id });
    }
    const idKeys = this.idTree.keysFor(doc)!;
    const keysets = this.indexes.map((ix) => ix.keysFor(doc));
    this.indexes.forEach((ix, i) => {
      const keys = keysets[i];
      if (keys) {
        const c = ix.conflict(keys, idKey);
        if (c) throw this.dupError(ix, c);
      }
    });
    this.text?.validate?.(doc);
    this.docs.set(idKey, doc);
    this.idTree.add(idKey, idKeys);
    this.indexes.forEach((ix, i) => keysets[i] && ix.add(idKey, keysets[i]!));
    this.text?.insert(idKey, doc);
    this.sizes.set(idKey, bytes.length);
    this.dataBytes += bytes.length;
    txn.record(
      () => {
        this.docs.delete(idKey);
        this.idTree.remove(idKey, idKeys);
        this.indexes.forEach((ix, i) => keysets[i] && ix.remove(idKey, keysets[i]!));
        this.text?.remove(idKey, doc);
        this.sizes.delete(idKey);
        this.dataBytes -= bytes.length;
      },
      { kind: 'put', ns: this.ns, idKey, bytes },
    );
    return idKey;
  }

  replace(idKey: string, oldDoc: Document, newDoc: Document, bytes: Buffer, txn: WriteTxn): void {
    const changes: { ix: BTreeIndex; oldKeys: IndexKey[] | null; newKeys: IndexKey[] | null }[] = [];
    for (const ix of this.indexes) {
      const oldKeys = ix.keysFor(oldDoc);
      const newKeys = ix.keysFor(newDoc);
      if (sameKeys(oldKeys, newKeys)) continue;
      if (newKeys) {
        const c = ix.conflict(newKeys, idKey);
        if (c) throw this.dupError(ix, c);
      }
      changes.push({ ix, oldKeys, newKeys });
    }
    this.text?.validate?.(newDoc);
    const apply = (from: Document, to: Document, forward: boolean) => {
      for (const { ix, oldKeys, newKeys } of changes) {
        const rm = forward ? oldKeys : newKeys;
        const add = forward ? newKeys : oldKeys;
        if (rm) ix.remove(idKey, rm);
        if (add) ix.add(idKey, add);
      }
      if (this.text) {
        this.text.remove(idKey, from);
        this.text.insert(idKey, to);
      }
      this.docs.set(idKey, to);
    };
    const oldSize = this.sizes.get(idKey) ?? 0;
    apply(oldDoc, newDoc, true);
    this.sizes.set(idKey, bytes.length);
    this.dataBytes += bytes.length - oldSize;
    txn.record(
      () => {
        apply(newDoc, oldDoc, false);
        this.sizes.set(idKey, oldSize);
        this.dataBytes -= bytes.length - oldSize;
      },
      { kind: 'put', ns: this.ns, idKey, bytes },
    );
  }

  delete(idKey: string, txn: WriteTxn): Document | null {
    const doc = this.docs.get(idKey);
    if (!doc) return null;
    const idKeys = this.idTree.keysFor(doc)!;
    const keysets = this.indexes.map((ix) => ix.keysFor(doc));
    this.docs.delete(idKey);
    this.idTree.remove(idKey, idKeys);
    this.indexes.forEach((ix, i) => keysets[i] && ix.remove(idKey, keysets[i]!));
    this.text?.remove(idKey, doc);
    const size = this.sizes.get(idKey) ?? 0;
    this.sizes.delete(idKey);
    this.dataBytes -= size;
    txn.record(
      () => {
        this.docs.set(idKey, doc);
        this.idTree.add(idKey, idKeys);
        this.indexes.forEach((ix, i) => keysets[i] && ix.add(idKey, keysets[i]!));
        this.text?.insert(idKey, doc);
        this.sizes.set(idKey, size);
        this.dataBytes += size;
      },
      { kind: 'del', ns: this.ns, idKey },
    );
    return doc;
  }

  /**
   * Build a new index over the existing documents. Throws (leaving nothing behind) on a
   * duplicate for a unique index or on parallel arrays.
   */
  buildIndex(ix: BTreeIndex): void {
    ix.bulkBuild(this.docs, (k) => this.dupError(ix, k));
  }

  buildText(tx: PluggableIndex): void {
    for (const [idKey, doc] of this.docs) tx.insert(idKey, doc);
  }
}
