import assert from 'node:assert/strict';
import { Long, ObjectId, Timestamp, type Document } from 'bson';
import { MongoCommandError, type Engine, type UpdateStatement } from '../../../server/db/embedded/engine-api';
import { openEngine } from '../../../server/db/embedded/engine';

const DB = 'forum';

describe('embedded engine: updates', () => {
  let e: Engine;
  beforeEach(() => {
    e = openEngine({});
  });
  afterEach(() => e.close());

  /** Applies `u` to `doc` (stored as _id 1) and returns the result without _id. */
  function apply(doc: Document, u: Document | Document[], extra: Partial<UpdateStatement> = {}): Document {
    e.dropDatabase(DB);
    e.insert(DB, 'c', [{ _id: 1, ...doc }]);
    const r = e.update(DB, 'c', [{ q: { _id: 1, ...(extra.q ?? {}) }, u, ...extra, ...(extra.q ? { q: { _id: 1, ...extra.q } } : {}) }]);
    if (r.writeErrors.length) throw Object.assign(new Error(r.writeErrors[0].errmsg), { code: r.writeErrors[0].code });
    const [{ _id, ...rest }] = e.find(DB, 'c', { filter: { _id: 1 } });
    assert.equal(_id, 1);
    return rest;
  }

  function errCode(doc: Document, u: Document | Document[], extra: Partial<UpdateStatement> = {}): number {
    try {
      apply(doc, u, extra);
    } catch (err) {
      return (err as { code: number }).code;
    }
    assert.fail('expected a write error');
  }

  it('$set (dotted, creating paths), $unset, $inc, $mul, $min, $max', () => {
    assert.deepEqual(apply({ a: 1 }, { $set: { 'b.c.d': 2, a: 5 } }), { a: 5, b: { c: { d: 2 } } });
    assert.deepEqual(apply({ a: 1, b: 2 }, { $unset: { a: '' } }), { b: 2 });
    assert.deepEqual(apply({ n: 1 }, { $inc: { n: 2, m: 3 } }), { n: 3, m: 3 });
    assert.deepEqual(apply({ n: 3 }, { $mul: { n: 2, z: 4 } }), { n: 6, z: 0 });
    assert.deepEqual(apply({ n: 3 }, { $min: { n: 1 } }), { n: 1 });
    assert.deepEqual(apply({ n: 3 }, { $max: { n: 1 } }), { n: 3 });
    assert.deepEqual(apply({ d: new Date(5) }, { $max: { d: new Date(9) } }), { d: new Date(9) });
    const big = apply({ n: Long.fromString('9007199254740993') }, { $inc: { n: 1 } });
    assert.ok(big.n instanceof Long);
    assert.equal(big.n.toString(), '9007199254740994');
    assert.equal(errCode({ a: 1 }, { $set: { 'a.b': 1 } }), 28);
  });

  it('$inc / $mul on a non-number: 14 TypeMismatch', () => {
    assert.equal(errCode({ s: 'x' }, { $inc: { s: 1 } }), 14);
    assert.equal(errCode({ s: 'x' }, { $mul: { s: 2 } }), 14);
    assert.equal(errCode({ n: 1 }, { $inc: { n: 'a' } }), 14);
  });

  it('$push with $each/$slice/$sort/$position, $addToSet, $pop, $pull (incl. $or), $pullAll', () => {
    assert.deepEqual(apply({ a: [1] }, { $push: { a: 2 } }), { a: [1, 2] });
    assert.deepEqual(apply({}, { $push: { a: 2 } }), { a: [2] });
    assert.deepEqual(apply({ a: [3, 1, 2] }, { $push: { a: { $each: [5, 4], $sort: 1, $slice: 3 } } }), { a: [1, 2, 3] });
    assert.deepEqual(apply({ a: [1, 2] }, { $push: { a: { $each: [9], $position: 0 } } }), { a: [9, 1, 2] });
    assert.deepEqual(apply({ a: [1, 2, 3] }, { $push: { a: { $each: [], $slice: -2 } } }), { a: [2, 3] });
    assert.deepEqual(apply({ a: [{ n: 2 }, { n: 1 }] }, { $push: { a: { $each: [{ n: 3 }], $sort: { n: -1 } } } }), {
      a: [{ n: 3 }, { n: 2 }, { n: 1 }],
    });
    assert.equal(errCode({ a: 'x' }, { $push: { a: 1 } }), 2);
    assert.deepEqual(apply({ a: [1, 2] }, { $addToSet: { a: { $each: [2, 3] } } }), { a: [1, 2, 3] });
    const oid = new ObjectId();
    assert.deepEqual(apply({ a: [oid] }, { $addToSet: { a: new ObjectId(oid.toHexString()) } }), { a: [oid] });
    assert.deepEqual(apply({ a: [1, 2, 3] }, { $pop: { a: -1 } }), { a: [2, 3] });
    assert.deepEqual(apply({ a: [1, 2, 3] }, { $pop: { a: 1 } }), { a: [1, 2] });
    assert.deepEqual(apply({ a: [1, 2, 3, 4] }, { $pull: { a: { $gte: 3 } } }), { a: [1, 2] });
    assert.deepEqual(apply({ a: [1, 2, 1] }, { $pull: { a: 1 } }), { a: [2] });
    assert.deepEqual(
      apply(
        {
          a: [
            { x: 1, y: 2 },
            { x: 2, y: 3 },
            { x: 5, y: 5 },
          ],
        },
        { $pull: { a: { $or: [{ x: 1 }, { y: 3 }] } } },
      ),
      { a: [{ x: 5, y: 5 }] },
    );
    assert.deepEqual(apply({ a: [{ x: 1, y: 2 }, { x: 2 }] }, { $pull: { a: { x: 1 } } }), { a: [{ x: 2 }] });
    assert.deepEqual(apply({ a: [1, 2, 3, 1] }, { $pullAll: { a: [1, 3] } }), { a: [2] });
  });

  it('$bit and: or: xor on ints and Longs', () => {
    assert.deepEqual(apply({ n: 12 }, { $bit: { n: { and: 10 } } }), { n: 8 });
    assert.deepEqual(apply({ n: 12 }, { $bit: { n: { or: 3, xor: 1 } } }), { n: 14 });
    const r = apply({ n: Long.fromNumber(5) }, { $bit: { n: { or: 2 } } });
    assert.ok(r.n instanceof Long);
    assert.equal(r.n.toNumber(), 7);
  });

  it('$rename and $currentDate', () => {
    assert.deepEqual(apply({ a: 1, b: 2 }, { $rename: { a: 'c' } }), { b: 2, c: 1 });
    assert.deepEqual(apply({ a: { b: 1 } }, { $rename: { 'a.b': 'x.y' } }), { a: {}, x: { y: 1 } });
    const before = Date.now();
    const r = apply({}, { $currentDate: { d: true, t: { $type: 'timestamp' } } });
    assert.ok(r.d instanceof Date && r.d.getTime() >= before - 1);
    assert.ok(r.t instanceof Timestamp);
  });

  it('positional $, $[] and $[id] with arrayFilters; a.0.x with a.1.y is no conflict', () => {
    assert.deepEqual(
      apply(
        {
          a: [
            { k: 1, v: 0 },
            { k: 2, v: 0 },
          ],
        },
        { $set: { 'a.$.v': 9 } },
        { q: { 'a.k': 2 } },
      ),
      {
        a: [
          { k: 1, v: 0 },
          { k: 2, v: 9 },
        ],
      },
    );
    assert.deepEqual(apply({ a: [1, 2, 3] }, { $inc: { 'a.$[]': 10 } }), { a: [11, 12, 13] });
    assert.deepEqual(
      apply({ a: [{ x: 1 }, { x: 5 }, { x: 7 }] }, { $set: { 'a.$[big].x': 0 } }, { arrayFilters: [{ 'big.x': { $gt: 4 } }] }),
      { a: [{ x: 1 }, { x: 0 }, { x: 0 }] },
    );
    assert.deepEqual(apply({ a: [{ x: 1 }, { y: 1 }] }, { $set: { 'a.0.x': 2, 'a.1.y': 3 } }), { a: [{ x: 2 }, { y: 3 }] });
    assert.equal(errCode({ a: [1] }, { $set: { 'a.$[nope]': 1 } }), 2);
    assert.equal(errCode({ a: [1] }, { $set: { a: [2] } }, { arrayFilters: [{ unused: 1 }] }), 9);
  });

  it('conflicts (40), unknown operator (9), _id immutable (66) but may be set to itself', () => {
    assert.equal(errCode({ a: { b: 1 } }, { $set: { a: 1 }, $unset: { 'a.b': '' } }), 40);
    assert.equal(errCode({ a: 1 }, { $set: { a: 1 }, $inc: { a: 1 } }), 40);
    assert.equal(errCode({ a: 1 }, { $foo: { a: 1 } }), 9);
    assert.equal(errCode({ a: 1 }, { $set: { _id: 2 } }), 66);
    assert.equal(errCode({ a: 1 }, { $unset: { _id: '' } }), 66);
    assert.equal(errCode({ a: 1 }, { _id: 2, a: 1 }), 66);
    assert.deepEqual(apply({ a: 1 }, { $set: { _id: 1, a: 2 } }), { a: 2 });
  });

  it('replacement documents, including the empty one; pipeline updates', () => {
    assert.deepEqual(apply({ a: 1, b: 2 }, { c: 3 }), { c: 3 });
    assert.deepEqual(apply({ a: 1, b: 2 }, {}), {});
    assert.deepEqual(apply({ a: 1, b: 2 }, [{ $set: { c: { $add: ['$a', '$b'] } } }, { $unset: 'a' }]), { b: 2, c: 3 });
    assert.equal(errCode({ a: 1 }, [{ $group: { _id: 1 } }]), 2);
  });

  it('nModified counts only real changes; n counts matches', () => {
    e.insert(DB, 'c', [{ a: 1 }, { a: 1 }, { a: 2 }]);
    const r = e.update(DB, 'c', [{ q: {}, u: { $set: { a: 1 } }, multi: true }]);
    assert.equal(r.n, 3);
    assert.equal(r.nModified, 1);
    const r2 = e.update(DB, 'c', [{ q: { a: 1 }, u: { $set: { b: 1 } } }]);
    assert.equal(r2.n, 1);
    assert.equal(r2.nModified, 1);
    assert.equal(e.count(DB, 'c', { query: { b: 1 } }), 1);
  });

  it('upserts: dotted equality, $eq, $and, $setOnInsert, replacement upsert, generated _id', () => {
    const r = e.update(DB, 'c', [
      {
        q: { 'a.b': 1, c: { $eq: 2 }, $and: [{ d: 3 }], e: { $gt: 1 } },
        u: { $set: { x: 1 }, $setOnInsert: { created: true } },
        upsert: true,
      },
    ]);
    assert.equal(r.n, 1);
    assert.equal(r.nModified, 0);
    assert.equal(r.upserted.length, 1);
    assert.ok(r.upserted[0]._id instanceof ObjectId);
    const [doc] = e.find(DB, 'c', {});
    // the filter's equality fields first, then the update's new fields in lexicographic order
    assert.deepEqual(Object.keys(doc), ['_id', 'a', 'c', 'd', 'created', 'x']);
    assert.deepEqual({ ...doc, _id: 0 }, { _id: 0, a: { b: 1 }, c: 2, d: 3, x: 1, created: true });
    // second time it matches: $setOnInsert is not applied
    const r2 = e.update(DB, 'c', [{ q: { 'a.b': 1 }, u: { $set: { x: 2 }, $setOnInsert: { created: false } }, upsert: true }]);
    assert.deepEqual([r2.n, r2.nModified, r2.upserted.length], [1, 1, 0]);
    assert.equal(e.find(DB, 'c', {})[0].created, true);
    const r3 = e.update(DB, 'c', [{ q: { _id: 'k' }, u: { name: 'z' }, upsert: true }]);
    assert.deepEqual(r3.upserted, [{ index: 0, _id: 'k' }]);
    assert.deepEqual(e.find(DB, 'c', { filter: { _id: 'k' } }), [{ _id: 'k', name: 'z' }]);
  });

  it('findAndModify: new/old, fields projection on updated, upserted and removed docs, sort', () => {
    e.insert(DB, 'c', [
      { _id: 1, n: 1, s: 'a' },
      { _id: 2, n: 2, s: 'b' },
    ]);
    const old = e.findAndModify(DB, 'c', { query: {}, sort: { n: -1 }, update: { $inc: { n: 10 } }, fields: { n: 1 } });
    assert.deepEqual(old, { lastErrorObject: { n: 1, updatedExisting: true }, value: { _id: 2, n: 2 } });
    const neu = e.findAndModify(DB, 'c', { query: { _id: 2 }, update: { $inc: { n: 1 } }, new: true, fields: { _id: 0, n: 1 } });
    assert.deepEqual(neu.value, { n: 13 });
    const up = e.findAndModify(DB, 'c', { query: { s: 'z' }, update: { $set: { n: 0 } }, upsert: true, new: true, fields: { s: 1 } });
    assert.equal(up.lastErrorObject.n, 1);
    assert.equal(up.lastErrorObject.updatedExisting, false);
    assert.ok(up.lastErrorObject.upserted instanceof ObjectId);
    assert.deepEqual(Object.keys(up.value!), ['_id', 's']);
    const rm = e.findAndModify(DB, 'c', { query: { _id: 1 }, remove: true, fields: { s: 1, _id: 0 } });
    assert.deepEqual(rm, { lastErrorObject: { n: 1 }, value: { s: 'a' } });
    const none = e.findAndModify(DB, 'c', { query: { _id: 99 }, update: { $set: { a: 1 } } });
    assert.deepEqual(none, { lastErrorObject: { n: 0, updatedExisting: false }, value: null });
    assert.throws(() => e.findAndModify(DB, 'c', { query: {}, remove: true, update: { $set: { a: 1 } } }), MongoCommandError);
  });
});
