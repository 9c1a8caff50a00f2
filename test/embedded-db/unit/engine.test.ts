import assert from 'node:assert/strict';
import { Binary, DBRef, Decimal128, Long, ObjectId, Timestamp, type Document } from 'bson';
import { MongoCommandError, type Engine } from '../../../server/db/embedded/engine-api';
import { openEngine } from '../../../server/db/embedded/engine';

const DB = 'forum';

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MongoCommandError, `expected MongoCommandError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected an error');
}

describe('embedded engine: CRUD', () => {
  let e: Engine;
  beforeEach(() => {
    e = openEngine({});
  });
  afterEach(() => e.close());

  it('inserts, generates _id first, and finds by _id, ObjectId fields, $in and Binary', () => {
    const author = new ObjectId();
    const r = e.insert(DB, 'posts', [
      { title: 'a', author, _id: undefined },
      { title: 'b', author: new ObjectId() },
      { _id: 7, bin: new Binary(Buffer.from('xy'), 4) },
    ]);
    assert.deepEqual(r, { n: 3, writeErrors: [] });
    const all = e.find(DB, 'posts', {});
    assert.equal(all.length, 3);
    for (const d of all) assert.equal(Object.keys(d)[0], '_id');
    assert.ok(all[0]._id instanceof ObjectId);
    const byId = e.find(DB, 'posts', { filter: { _id: new ObjectId(all[0]._id.toHexString()) } });
    assert.equal(byId.length, 1);
    assert.equal(byId[0].title, 'a');
    assert.equal(e.find(DB, 'posts', { filter: { author: new ObjectId(author.toHexString()) } }).length, 1);
    assert.equal(e.find(DB, 'posts', { filter: { _id: { $in: [all[1]._id, 7] } } }).length, 2);
    assert.equal(e.find(DB, 'posts', { filter: { bin: { $in: [new Binary(Buffer.from('xy'), 4)] } } }).length, 1);
    assert.equal(e.find(DB, 'posts', { filter: { bin: new Binary(Buffer.from('xz'), 4) } }).length, 0);
    assert.equal(e.find(DB, 'posts', { filter: { bin: new Binary(Buffer.from('xy'), 0) } }).length, 0, 'subtype matters');
  });

  it('duplicate _id is a write error; ordered stops, unordered continues', () => {
    e.insert(DB, 'c', [{ _id: 1 }]);
    const ordered = e.insert(DB, 'c', [{ _id: 2 }, { _id: 1 }, { _id: 3 }]);
    assert.equal(ordered.n, 1);
    assert.equal(ordered.writeErrors.length, 1);
    assert.equal(ordered.writeErrors[0].index, 1);
    assert.equal(ordered.writeErrors[0].code, 11000);
    assert.deepEqual(ordered.writeErrors[0].keyValue, { _id: 1 });
    const unordered = e.insert(DB, 'c', [{ _id: 1 }, { _id: 4 }, { _id: 2 }, { _id: 5 }], { ordered: false });
    assert.equal(unordered.n, 2);
    assert.deepEqual(
      unordered.writeErrors.map((w) => w.index),
      [0, 2],
    );
    assert.equal(e.count(DB, 'c', {}), 4);
    assert.equal(e.insert(DB, 'c', [{ _id: 1.0 }]).writeErrors[0]?.code, 11000, '1 and 1.0 are the same _id');
  });

  it('sort, skip, limit, projection in MongoDB field order', () => {
    e.insert(DB, 'c', [
      { _id: 1, a: 3, b: 'x', c: 1 },
      { _id: 2, a: 1, b: 'y', c: 2 },
      { _id: 3, a: 2, b: 'z', c: 3 },
    ]);
    const docs = e.find(DB, 'c', { sort: { a: -1 }, skip: 1, limit: 1, projection: { c: 1, a: 1 } });
    assert.deepEqual(docs, [{ _id: 3, a: 2, c: 3 }]);
    assert.deepEqual(Object.keys(docs[0]), ['_id', 'a', 'c']);
    assert.deepEqual(e.find(DB, 'c', { projection: { b: 0, _id: 0 }, sort: { _id: 1 }, limit: 1 }), [{ a: 3, c: 1 }]);
    // mixed types sort in BSON order: null < numbers < strings < objects
    e.insert(DB, 'm', [{ _id: 1, v: 'a' }, { _id: 2, v: 5 }, { _id: 3 }, { _id: 4, v: { x: 1 } }, { _id: 5, v: -1 }]);
    assert.deepEqual(
      e.find(DB, 'm', { sort: { v: 1 } }).map((d) => d._id),
      [3, 5, 2, 1, 4],
    );
  });

  it('projection: $slice keeps other fields, $elemMatch on plain values and documents, positional $', () => {
    e.insert(DB, 'p', [{ _id: 1, z: 0, arr: [1, 2, 3, 4], subs: [{ k: 1 }, { k: 2, v: 'y' }] }]);
    assert.deepEqual(e.find(DB, 'p', { projection: { arr: { $slice: 2 } } }), [
      { _id: 1, z: 0, arr: [1, 2], subs: [{ k: 1 }, { k: 2, v: 'y' }] },
    ]);
    assert.deepEqual(e.find(DB, 'p', { projection: { arr: { $slice: [-3, 2] }, subs: 0 } }), [{ _id: 1, z: 0, arr: [2, 3] }]);
    assert.deepEqual(e.find(DB, 'p', { projection: { arr: { $elemMatch: { $gt: 2 } } } }), [{ _id: 1, arr: [3] }]);
    assert.deepEqual(e.find(DB, 'p', { projection: { z: 1, subs: { $elemMatch: { k: 2 } } } }), [
      { _id: 1, z: 0, subs: [{ k: 2, v: 'y' }] },
    ]);
    assert.deepEqual(e.find(DB, 'p', { filter: { 'subs.k': 2 }, projection: { 'subs.$': 1 } }), [{ _id: 1, subs: [{ k: 2, v: 'y' }] }]);
    assert.deepEqual(e.find(DB, 'p', {})[0].arr, [1, 2, 3, 4], 'stored document untouched');
  });

  it('$all on scalar fields, $elemMatch inside $all; DBRef $id queries', () => {
    e.insert(DB, 'a', [
      { _id: 1, z: 0, t: ['a', 'b'], s: [{ x: 1 }, { x: 5 }] },
      { _id: 2, z: 1, t: ['a'] },
    ]);
    assert.deepEqual(
      e.find(DB, 'a', { filter: { z: { $all: [0] } } }).map((d) => d._id),
      [1],
    );
    assert.deepEqual(
      e.find(DB, 'a', { filter: { t: { $all: ['a', 'b'] } } }).map((d) => d._id),
      [1],
    );
    assert.deepEqual(
      e.find(DB, 'a', { filter: { s: { $all: [{ $elemMatch: { x: { $gt: 4 } } }] } } }).map((d) => d._id),
      [1],
    );
    assert.deepEqual(e.find(DB, 'a', { filter: { t: { $all: [] } } }), []);
    const uid = new ObjectId();
    e.insert(DB, 'r', [
      { _id: 1, by: new DBRef('users', uid) },
      { _id: 2, by: { $ref: 'users', $id: 5 } },
    ]);
    assert.deepEqual(
      e.find(DB, 'r', { filter: { 'by.$id': new ObjectId(uid.toHexString()) } }).map((d) => d._id),
      [1],
    );
    assert.deepEqual(
      e.find(DB, 'r', { filter: { 'by.$id': 5 } }).map((d) => d._id),
      [2],
    );
    assert.deepEqual(
      e.find(DB, 'r', { filter: { by: new DBRef('users', uid) } }).map((d) => d._id),
      [1],
    );
  });

  it('sort + limit without an index (top-k) agrees with a full sort, ties in natural order', () => {
    const vals: unknown[] = [3, 1, null, 'b', [2, 9], 1, undefined, [], 'a', 1, { x: 1 }, 2.5, [0, 10]];
    e.insert(
      DB,
      's',
      vals.map((v, i) => (v === undefined ? { _id: i } : { _id: i, v })),
    );
    for (const dir of [1, -1]) {
      const full = e.find(DB, 's', { sort: { v: dir } }).map((d) => d._id);
      for (const [skip, limit] of [
        [0, 3],
        [2, 4],
        [0, 13],
        [5, 100],
      ]) {
        assert.deepEqual(
          e.find(DB, 's', { sort: { v: dir }, skip, limit }).map((d) => d._id),
          full.slice(skip, skip + limit),
          `dir ${dir} skip ${skip} limit ${limit}`,
        );
      }
    }
    assert.deepEqual(
      e
        .find(DB, 's', { sort: { v: 1 } })
        .map((d) => d._id)
        .slice(0, 7),
      [7, 2, 6, 12, 1, 5, 9],
    );
  });

  it('delete limit 1 / 0, count with skip and limit, distinct flattens arrays', () => {
    e.insert(DB, 'c', [{ t: ['a', 'b'], n: 1 }, { t: ['b', 'c'], n: 1 }, { t: 'd', n: 2 }, { n: 3 }]);
    assert.deepEqual(e.distinct(DB, 'c', 't'), ['a', 'b', 'c', 'd']);
    assert.deepEqual(e.distinct(DB, 'c', 't', { n: 1 }), ['a', 'b', 'c']);
    assert.equal(e.count(DB, 'c', { query: { n: { $lte: 2 } }, skip: 1, limit: 1 }), 1);
    assert.equal(e.delete(DB, 'c', [{ q: { n: 1 }, limit: 1 }]).n, 1);
    assert.equal(e.count(DB, 'c', { query: { n: 1 } }), 1);
    assert.equal(e.delete(DB, 'c', [{ q: {}, limit: 0 }]).n, 3);
    assert.equal(e.count(DB, 'c', {}), 0);
  });

  it('aggregate: $match via planner, $group, countDocuments shape, $lookup across collections', () => {
    const u1 = new ObjectId();
    e.insert(DB, 'users', [{ _id: u1, name: 'ann' }]);
    e.insert(DB, 'posts', [
      { author: u1, n: 1 },
      { author: u1, n: 2 },
      { author: new ObjectId(), n: 3 },
    ]);
    assert.deepEqual(e.aggregate(DB, 'posts', [{ $match: { n: { $gte: 2 } } }, { $group: { _id: 1, n: { $sum: 1 } } }]), [
      { _id: 1, n: 2 },
    ]);
    const joined = e.aggregate(DB, 'posts', [
      { $match: { n: 1 } },
      { $lookup: { from: 'users', localField: 'author', foreignField: '_id', as: 'who' } },
      { $project: { _id: 0, name: { $first: '$who.name' } } },
    ]);
    assert.deepEqual(joined, [{ name: 'ann' }]);
    assert.equal(
      e.find(DB, 'posts', {}).some((d) => 'who' in d),
      false,
      'stored documents untouched',
    );
    assert.deepEqual(e.aggregate(DB, 'posts', [{ $match: {} }, { $sort: { n: -1 } }, { $limit: 1 }, { $project: { _id: 0, n: 1 } }]), [
      { n: 3 },
    ]);
    assert.equal(
      code(() => e.aggregate(DB, 'posts', [{ $out: 'x' }, { $match: {} }])),
      40601,
    );
    assert.equal(
      code(() => e.aggregate(DB, 'posts', [{ $geoNear: { near: [0, 0] } }])),
      2,
    );
    assert.deepEqual(e.aggregate(DB, null, [{ $documents: [{ a: 1 }] }]), [{ a: 1 }]);
  });

  it('aggregation stages never mutate stored documents', () => {
    e.insert(DB, 'c', [{ _id: 1, a: { b: 1 }, arr: [1, 2] }]);
    e.aggregate(DB, 'c', [{ $addFields: { 'a.c': 2, x: 1 } }, { $unwind: '$arr' }, { $set: { y: 2 } }, { $unset: 'a.b' }]);
    e.aggregate(DB, 'c', [{ $replaceRoot: { newRoot: '$a' } }, { $set: { z: 1 } }]);
    assert.deepEqual(e.find(DB, 'c', {}), [{ _id: 1, a: { b: 1 }, arr: [1, 2] }]);
  });

  it('$type understands BSON types', () => {
    e.insert(DB, 't', [
      { _id: 1, v: new ObjectId() },
      { _id: 2, v: Long.fromString('9007199254740993') },
      { _id: 3, v: 5 },
      { _id: 4, v: 5.5 },
      { _id: 5, v: 'x' },
      { _id: 6, v: new Date() },
      { _id: 7, v: new Binary(Buffer.from('a')) },
      { _id: 8, v: new Timestamp({ t: 1, i: 1 }) },
      { _id: 9, v: null },
      { _id: 10, v: [1, 'a'] },
      { _id: 11 },
    ]);
    const ids = (t: unknown) => e.find(DB, 't', { filter: { v: { $type: t } } }).map((d) => d._id);
    assert.deepEqual(ids('objectId'), [1]);
    assert.deepEqual(ids(7), [1]);
    assert.deepEqual(ids('long'), [2]);
    assert.deepEqual(ids('int'), [3, 10]);
    assert.deepEqual(ids('double'), [4]);
    assert.deepEqual(ids('number'), [2, 3, 4, 10]);
    assert.deepEqual(ids('string'), [5, 10]);
    assert.deepEqual(ids('date'), [6]);
    assert.deepEqual(ids('binData'), [7]);
    assert.deepEqual(ids('timestamp'), [8]);
    assert.deepEqual(ids('null'), [9]);
    assert.deepEqual(ids('array'), [10]);
    assert.deepEqual(ids(['string', 'objectId']), [1, 5, 10]);
  });

  it('compares Long, Date and ObjectId values correctly', () => {
    e.insert(DB, 'n', [
      { _id: 1, v: Long.fromNumber(10) },
      { _id: 2, v: 9 },
      { _id: 3, v: Long.fromNumber(100) },
    ]);
    assert.deepEqual(
      e.find(DB, 'n', { filter: { v: { $gt: 9 } } }).map((d) => d._id),
      [1, 3],
    );
    assert.deepEqual(
      e.find(DB, 'n', { filter: { v: 10 } }).map((d) => d._id),
      [1],
    );
    assert.deepEqual(
      e.find(DB, 'n', { sort: { v: -1 } }).map((d) => d._id),
      [3, 1, 2],
    );
    const a = ObjectId.createFromTime(1000);
    const b = ObjectId.createFromTime(2000);
    e.insert(DB, 'o', [{ _id: b }, { _id: a }]);
    assert.deepEqual(
      e.find(DB, 'o', { filter: { _id: { $lt: b } } }).map((d) => d._id.toHexString()),
      [a.toHexString()],
    );
    assert.deepEqual(
      e.find(DB, 'o', { sort: { _id: 1 } }).map((d) => d._id.toHexString()),
      [a.toHexString(), b.toHexString()],
    );
  });

  it('refuses Decimal128, $where, geo operators and unknown operators clearly', () => {
    assert.equal(e.insert(DB, 'c', [{ price: Decimal128.fromString('1.5') }]).writeErrors[0].code, 14);
    assert.equal(e.count(DB, 'c', {}), 0);
    e.insert(DB, 'c', [{ a: 1 }]);
    assert.equal(
      code(() => e.find(DB, 'c', { filter: { price: Decimal128.fromString('1') } })),
      14,
    );
    assert.equal(
      code(() => e.find(DB, 'c', { filter: { $where: 'this.a == 1' } })),
      2,
    );
    assert.equal(
      code(() => e.find(DB, 'c', { filter: { loc: { $near: [0, 0] } } })),
      2,
    );
    assert.equal(
      code(() => e.find(DB, 'c', { filter: { loc: { $geoWithin: { $center: [[0, 0], 1] } } } })),
      2,
    );
    assert.equal(
      code(() => e.find(DB, 'c', { filter: { a: { $foo: 1 } } })),
      2,
    );
    assert.equal(
      code(() => e.aggregate(DB, 'c', [{ $match: { $expr: { $function: { body: 'x', args: [], lang: 'js' } } } }])),
      2,
    );
    assert.equal(e.update(DB, 'c', [{ q: {}, u: { $set: { p: Decimal128.fromString('2') } } }]).writeErrors[0].code, 14);
    assert.equal(
      code(() => e.find(DB, 'c', { filter: { a: { $regex: '(' } } })),
      2,
      'bad regex is an error, not a crash',
    );
  });

  it('$text: 27 without a text index, answered with one', () => {
    e.insert(DB, 'c', [{ body: 'hello' }]);
    assert.equal(
      code(() => e.find(DB, 'c', { filter: { $text: { $search: 'hello' } } })),
      27,
    );
    assert.equal(
      code(() => e.aggregate(DB, 'c', [{ $match: { $text: { $search: 'hello' } } }])),
      27,
    );
    e.createIndexes(DB, 'c', [{ key: { body: 'text' }, name: 'body_text', weights: { body: 5 }, default_language: 'english' }]);
    assert.equal(e.find(DB, 'c', { filter: { $text: { $search: 'hello' } } }).length, 1);
  });

  it('maxTimeMS expires long scans with code 50', () => {
    const docs = Array.from({ length: 100000 }, (_, i) => ({ i, s: `x${i}`, t: [i, i + 1] }));
    e.insert(DB, 'big', docs);
    const slow = { $or: [{ s: { $regex: 'y$' } }, { t: { $elemMatch: { $gt: 1e9 } } }] };
    assert.equal(
      code(() => e.find(DB, 'big', { filter: slow, maxTimeMS: 1 })),
      50,
    );
    assert.equal(
      code(() => e.aggregate(DB, 'big', [{ $match: slow }], { maxTimeMS: 1 })),
      50,
    );
    assert.equal(e.find(DB, 'big', { filter: slow, maxTimeMS: 60000 }).length, 0);
  });

  it('collection management: create (48 when exists), refused options, drop (26), listCollections filter', () => {
    e.createCollection(DB, 'a');
    assert.equal(
      code(() => e.createCollection(DB, 'a')),
      48,
    );
    assert.equal(
      code(() => e.createCollection(DB, 'b', { capped: true, size: 1000 })),
      72,
    );
    assert.equal(
      code(() => e.createCollection(DB, 'b', { timeseries: { timeField: 't' } })),
      72,
    );
    assert.equal(
      code(() => e.createCollection(DB, 'b', { validator: { $jsonSchema: {} } })),
      72,
    );
    assert.equal(
      code(() => e.createCollection(DB, 'b', { collation: { locale: 'fr' } })),
      72,
    );
    e.insert(DB, 'c', [{}]);
    assert.deepEqual(
      e.listCollections(DB).map((c) => c.name),
      ['a', 'c'],
    );
    assert.deepEqual(
      e.listCollections(DB, { name: 'c' }).map((c) => c.name),
      ['c'],
    );
    assert.deepEqual(e.listCollections(DB, { name: 'c' })[0].idIndex, { v: 2, key: { _id: 1 }, name: '_id_' });
    e.dropCollection(DB, 'a');
    assert.equal(
      code(() => e.dropCollection(DB, 'a')),
      26,
    );
    assert.deepEqual(
      e.listDatabases().map((d) => d.name),
      [DB],
    );
    e.dropDatabase(DB);
    assert.deepEqual(e.listDatabases(), []);
  });

  it('stats are plausible', () => {
    e.insert(DB, 'c', [{ a: 1 }, { a: 2 }]);
    e.createIndexes(DB, 'c', [{ key: { a: 1 }, name: 'a_1' }]);
    const s = e.collStats(DB, 'c');
    assert.equal(s.count, 2);
    assert.ok((s.size as number) > 20);
    assert.equal(s.nindexes, 2);
    assert.ok((s.indexSizes as Document).a_1 > 0);
    const d = e.dbStats(DB);
    assert.equal(d.collections, 1);
    assert.equal(d.objects, 2);
  });

  it('__proto__ and constructor keys are stored as data and never touch prototypes', () => {
    const doc: Document = {};
    Object.defineProperty(doc, '__proto__', { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
    Object.assign(doc, { constructor: 'x' });
    e.insert(DB, 'p', [doc]);
    const [got] = e.find(DB, 'p', {});
    assert.ok(Object.prototype.hasOwnProperty.call(got, '__proto__'));
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.equal(got.constructor, 'x');
    assert.equal(({} as Document).polluted, undefined);
    e.update(DB, 'p', [{ q: {}, u: { $set: { '__proto__.admin': true, constructor: 'y' } } }]);
    const [after] = e.find(DB, 'p', {});
    assert.equal(({} as Document).admin, undefined);
    assert.equal(Object.getPrototypeOf(after), Object.prototype);
    assert.equal(after.constructor, 'y');
    assert.equal((Object.getOwnPropertyDescriptor(after, '__proto__')!.value as Document).admin, true);
  });
});
