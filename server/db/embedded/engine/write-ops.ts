/** insert, update, delete and findAndModify: one Catalog.write transaction per command. */
import Database from 'better-sqlite3';
import type { Document } from 'bson';
import type { DeleteStatement, FindAndModifyArgs, FindAndModifyResult, UpdateStatement, WriteError, WriteOptions } from '../engine-api';
import { sameStoredValue } from './bson-order';
import { serializeDoc, type Catalog } from './catalog';
import type { Collection, Rec } from './collection';
import { isPlainObject, normalizeFilter, prepareNewDoc } from './doc-utils';
import { MongoCommandError, asCommandError, badValue, failedToParse } from './errors';
import { compileFilter } from './mingo-context';
import { projectDocs } from './projection';
import { operationOptions, selectForWrite } from './read-ops';
import { buildUpsertDoc, computeUpdated, prepareUpdate } from './updates';
import type { WriteTxn } from './write-txn';

/**
 * A statement's failure as a write error. Anything that is not a command error (a storage
 * failure) aborts the whole command instead: it is rethrown.
 */
export function toWriteError(index: number, e: unknown): WriteError {
  if (e instanceof Database.SqliteError) throw e;
  if (e instanceof MongoCommandError) {
    const we: WriteError = { index, code: e.code, errmsg: e.message, codeName: e.codeName };
    if (e.extra.keyPattern) we.keyPattern = e.extra.keyPattern;
    if (e.extra.keyValue) we.keyValue = e.extra.keyValue;
    return we;
  }
  return { index, code: 2, codeName: 'BadValue', errmsg: e instanceof Error ? e.message : String(e) };
}

function filterOf(q: unknown): Document {
  if (q === undefined || q === null) return {};
  if (!isPlainObject(q)) throw failedToParse('query must be an object');
  return normalizeFilter(q);
}

export function insert(cat: Catalog, db: string, coll: string, docs: Document[], opts: WriteOptions = {}) {
  if (!Array.isArray(docs)) throw badValue('documents must be an array');
  const ordered = opts.ordered !== false;
  return cat.write(opts.durable, (txn) => {
    const c = cat.ensure(db, coll, txn).coll;
    let n = 0;
    const writeErrors: WriteError[] = [];
    for (let i = 0; i < docs.length; i++) {
      try {
        const doc = prepareNewDoc(docs[i]);
        c.insert(doc, serializeDoc(doc), txn);
        n++;
      } catch (e) {
        writeErrors.push(toWriteError(i, e));
        if (ordered) break;
      }
    }
    return { n, writeErrors };
  });
}

/** Inserts an upserted document; returns its `_id`. */
function insertUpsert(cat: Catalog, db: string, coll: string, doc: Document, txn: WriteTxn): { doc: Document; id: unknown } {
  const c = cat.ensure(db, coll, txn).coll;
  const stored = prepareNewDoc(doc);
  c.insert(stored, serializeDoc(stored), txn);
  return { doc: stored, id: stored._id };
}

/** Applies an update to one stored document; returns the new version, or null if unchanged. */
function updateOne(c: Collection, old: Rec, prepared: ReturnType<typeof prepareUpdate>, filter: Document, txn: WriteTxn): Document | null {
  const next = computeUpdated(old.doc, prepared, filter);
  if (sameStoredValue(old.doc, next)) return null;
  c.replace(old.rid, old.doc, next, () => serializeDoc(next), txn);
  return next;
}

export function update(cat: Catalog, db: string, coll: string, updates: UpdateStatement[], opts: WriteOptions = {}) {
  if (!Array.isArray(updates)) throw badValue('updates must be an array');
  const ordered = opts.ordered !== false;
  return cat.write(opts.durable, (txn) => {
    let n = 0;
    let nModified = 0;
    const upserted: { index: number; _id: unknown }[] = [];
    const writeErrors: WriteError[] = [];
    for (let i = 0; i < updates.length; i++) {
      const st = updates[i];
      const mark = txn.mark();
      try {
        if (!isPlainObject(st)) throw failedToParse('each update statement must be an object');
        const filter = filterOf(st.q);
        const op = operationOptions(st.collation, opts.let);
        const prepared = prepareUpdate(st.u, st.arrayFilters, !!st.upsert, op);
        if (st.multi && prepared.kind === 'replace') {
          throw failedToParse('multi update is not supported for replacement-style update');
        }
        const c = cat.get(db, coll);
        const q = compileFilter(filter, { hasTextIndex: !!c?.text }, op);
        const matched = c ? selectForWrite(cat, c, filter, q, { limit: st.multi ? 0 : 1, hint: st.hint }) : [];
        let sn = 0;
        let sm = 0;
        for (const rid of matched) {
          const old = c!.getRec(rid);
          if (!old) continue;
          sn++;
          if (updateOne(c!, old, prepared, filter, txn)) sm++;
        }
        if (matched.length === 0 && st.upsert) {
          const { id } = insertUpsert(cat, db, coll, buildUpsertDoc(filter, prepared), txn);
          upserted.push({ index: i, _id: id });
          sn = 1;
        }
        n += sn;
        nModified += sm;
        txn.release(mark);
      } catch (e) {
        txn.rollbackTo(mark);
        writeErrors.push(toWriteError(i, e));
        if (ordered) break;
      }
    }
    return { n, nModified, upserted, writeErrors };
  });
}

export function remove(cat: Catalog, db: string, coll: string, deletes: DeleteStatement[], opts: WriteOptions = {}) {
  if (!Array.isArray(deletes)) throw badValue('deletes must be an array');
  const ordered = opts.ordered !== false;
  return cat.write(opts.durable, (txn) => {
    let n = 0;
    const writeErrors: WriteError[] = [];
    for (let i = 0; i < deletes.length; i++) {
      const st = deletes[i];
      const mark = txn.mark();
      try {
        if (!isPlainObject(st)) throw failedToParse('each delete statement must be an object');
        const limit = Number(st.limit ?? 0);
        if (limit !== 0 && limit !== 1) throw failedToParse(`The limit field in delete objects must be 0 or 1. Got ${String(st.limit)}`);
        const filter = filterOf(st.q);
        const c = cat.get(db, coll);
        const q = compileFilter(filter, { hasTextIndex: !!c?.text }, operationOptions(st.collation, opts.let));
        if (!c) {
          txn.release(mark);
          continue;
        }
        for (const rid of selectForWrite(cat, c, filter, q, { limit, hint: st.hint })) {
          const doc = c.getDoc(rid);
          if (!doc) continue;
          c.delete(rid, doc, txn);
          n++;
        }
        txn.release(mark);
      } catch (e) {
        txn.rollbackTo(mark);
        writeErrors.push(toWriteError(i, e));
        if (ordered) break;
      }
    }
    return { n, writeErrors };
  });
}

function projectOne(doc: Document | null, fields: Document | undefined): Document | null {
  if (!doc || !fields || !isPlainObject(fields) || Object.keys(fields).length === 0) return doc;
  return projectDocs([doc], fields, {})[0] ?? null;
}

export function findAndModify(cat: Catalog, db: string, coll: string, a: FindAndModifyArgs): FindAndModifyResult {
  try {
    return findAndModifyUnguarded(cat, db, coll, a);
  } catch (e) {
    throw asCommandError(e);
  }
}

function findAndModifyUnguarded(cat: Catalog, db: string, coll: string, a: FindAndModifyArgs): FindAndModifyResult {
  const filter = filterOf(a.query);
  if (a.remove && a.update !== undefined) throw failedToParse('Cannot specify both an update and remove=true');
  if (!a.remove && a.update === undefined) throw failedToParse('Either an update or remove=true must be specified');
  if (a.remove && a.new) throw failedToParse("Cannot specify both new=true and remove=true; 'remove' always returns the deleted document");
  if (a.remove && a.upsert) throw failedToParse('Cannot specify both upsert=true and remove=true');
  if (a.sort !== undefined && a.sort !== null && !isPlainObject(a.sort)) throw badValue('sort must be an object');
  const op = operationOptions(a.collation, a.let);
  const prepared = a.remove ? null : prepareUpdate(a.update, a.arrayFilters, !!a.upsert, op);
  return cat.write(a.durable, (txn) => {
    const c = cat.get(db, coll);
    const q = compileFilter(filter, { hasTextIndex: !!c?.text }, op);
    const [rid] = c ? selectForWrite(cat, c, filter, q, { sort: a.sort ?? undefined, limit: 1, hint: a.hint }) : [];
    const rec = rid === undefined ? undefined : c!.getRec(rid);
    if (a.remove) {
      if (!rec) return { lastErrorObject: { n: 0 }, value: null };
      c!.delete(rec.rid, rec.doc, txn);
      return { lastErrorObject: { n: 1 }, value: projectOne(rec.doc, a.fields) };
    }
    if (rec) {
      const next = updateOne(c!, rec, prepared!, filter, txn) ?? rec.doc;
      return { lastErrorObject: { n: 1, updatedExisting: true }, value: projectOne(a.new ? next : rec.doc, a.fields) };
    }
    if (a.upsert) {
      const { doc: inserted, id } = insertUpsert(cat, db, coll, buildUpsertDoc(filter, prepared!), txn);
      return {
        lastErrorObject: { n: 1, updatedExisting: false, upserted: id },
        value: a.new ? projectOne(inserted, a.fields) : null,
      };
    }
    return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
  });
}
