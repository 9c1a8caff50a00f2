import assert from 'node:assert/strict';
import { ObjectId, type Document } from 'bson';
import { MongoCommandError, type Engine, type FindOptions } from '../../../server/db/embedded/engine-api';
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

describe('embedded engine: indexes and planner', () => {
  let e: Engine;
  beforeEach(() => {
    e = openEngine({});
  });
  afterEach(() => e.close());

  function plan(coll: string, o: FindOptions): Document {
    const x = e.explainFind!(DB, coll, o);
    return { ...(x.queryPlanner as Document).winningPlan, ...(x.executionStats as Document) };
  }

  it('echoes index specs exactly; identical re-create is a no-op; 85 / 86 conflicts', () => {
    const spec = { key: { thread: 1, createdAt: -1 }, name: 'thread_1_createdAt_-1', background: true };
    const first = e.createIndexes(DB, 'posts', [spec]);
    assert.deepEqual(first, { numIndexesBefore: 1, numIndexesAfter: 2, createdCollectionAutomatically: true });
    const text = {
      key: { title: 'text', body: 'text' },
      name: 'search',
      weights: { title: 10 },
      default_language: 'english',
      language_override: 'lang',
      textIndexVersion: 3,
    };
    e.createIndexes(DB, 'posts', [
      text,
      { key: { email: 1 }, name: 'email_1', unique: true, partialFilterExpression: { email: { $type: 'string' } } },
    ]);
    const listed = e.listIndexes(DB, 'posts');
    assert.deepEqual(listed, [
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { thread: 1, createdAt: -1 }, name: 'thread_1_createdAt_-1', background: true },
      { v: 2, ...text },
      { v: 2, key: { email: 1 }, name: 'email_1', unique: true, partialFilterExpression: { email: { $type: 'string' } } },
    ]);
    assert.deepEqual(Object.keys(listed[2]), ['v', 'key', 'name', 'weights', 'default_language', 'language_override', 'textIndexVersion']);
    assert.deepEqual(Object.keys(listed[1].key), ['thread', 'createdAt']);
    const again = e.createIndexes(DB, 'posts', [spec]);
    assert.equal(again.note, 'all indexes already exist');
    assert.equal(again.numIndexesAfter, again.numIndexesBefore);
    assert.equal(
      code(() => e.createIndexes(DB, 'posts', [{ key: { other: 1 }, name: 'thread_1_createdAt_-1' }])),
      86,
    );
    assert.equal(
      code(() => e.createIndexes(DB, 'posts', [{ key: { thread: 1, createdAt: -1 }, name: 'other' }])),
      85,
    );
    assert.equal(
      code(() => e.createIndexes(DB, 'posts', [{ ...spec, unique: true }])),
      85,
    );
    assert.equal(
      code(() => e.createIndexes(DB, 'posts', [{ key: { other: 'text' }, name: 'other_text' }])),
      85,
    );
    assert.equal(
      code(() => e.createIndexes(DB, 'posts', [{ key: { loc: '2dsphere' }, name: 'geo' }])),
      67,
    );
    assert.equal(e.listIndexes(DB, 'posts').length, 4);
  });

  it('dropIndexes by name, key pattern, list and "*", never _id_', () => {
    e.createIndexes(DB, 'c', [
      { key: { a: 1 }, name: 'a_1' },
      { key: { b: 1 }, name: 'b_1' },
      { key: { c: 1 }, name: 'c_1' },
      { key: { d: 1 }, name: 'd_1' },
    ]);
    assert.deepEqual(e.dropIndexes(DB, 'c', 'a_1'), { nIndexesWas: 5 });
    assert.deepEqual(e.dropIndexes(DB, 'c', { b: 1 }), { nIndexesWas: 4 });
    assert.equal(
      code(() => e.dropIndexes(DB, 'c', 'nope')),
      27,
    );
    assert.equal(
      code(() => e.dropIndexes(DB, 'c', '_id_')),
      72,
    );
    e.dropIndexes(DB, 'c', ['c_1']);
    e.createIndexes(DB, 'c', [{ key: { x: 1 }, name: 'x_1' }]);
    assert.deepEqual(e.dropIndexes(DB, 'c', '*'), { nIndexesWas: 3 });
    assert.deepEqual(
      e.listIndexes(DB, 'c').map((i) => i.name),
      ['_id_'],
    );
  });

  it('unique violations: insert ordered/unordered, update (statement rolled back), findAndModify', () => {
    e.createIndexes(DB, 'u', [{ key: { email: 1 }, name: 'email_1', unique: true }]);
    const ins = e.insert(DB, 'u', [{ email: 'a' }, { email: 'b' }, { email: 'a' }, { email: 'c' }]);
    assert.equal(ins.n, 2);
    assert.equal(ins.writeErrors[0].index, 2);
    assert.equal(ins.writeErrors[0].code, 11000);
    assert.equal(ins.writeErrors[0].errmsg, 'E11000 duplicate key error collection: forum.u index: email_1 dup key: { email: "a" }');
    assert.deepEqual(ins.writeErrors[0].keyPattern, { email: 1 });
    assert.deepEqual(ins.writeErrors[0].keyValue, { email: 'a' });
    const un = e.insert(DB, 'u', [{ email: 'a' }, { email: 'c' }, { email: 'b' }, { email: 'd' }], { ordered: false });
    assert.equal(un.n, 2);
    assert.deepEqual(
      un.writeErrors.map((w) => w.index),
      [0, 2],
    );
    // multi-update that collides halfway: the whole statement is undone
    e.insert(DB, 'm', [
      { _id: 1, k: 1 },
      { _id: 2, k: 2 },
      { _id: 3, k: 3 },
    ]);
    e.createIndexes(DB, 'm', [{ key: { k: 1 }, name: 'k_1', unique: true }]);
    const up = e.update(DB, 'm', [{ q: {}, u: { $inc: { k: 1 } }, multi: true }]);
    assert.equal(up.writeErrors[0].code, 11000);
    assert.equal(up.nModified, 0);
    assert.deepEqual(
      e.find(DB, 'm', { sort: { _id: 1 } }).map((d) => d.k),
      [1, 2, 3],
    );
    assert.deepEqual(
      e.find(DB, 'm', { filter: { k: 2 } }).map((d) => d._id),
      [2],
      'index consistent after rollback',
    );
    assert.deepEqual(e.find(DB, 'm', { filter: { k: 4 } }), []);
    try {
      e.findAndModify(DB, 'u', { query: { email: 'b' }, update: { $set: { email: 'a' } } });
      assert.fail('expected 11000');
    } catch (err) {
      assert.ok(err instanceof MongoCommandError);
      assert.equal(err.code, 11000);
      assert.equal(err.codeName, 'DuplicateKey');
      assert.deepEqual(err.extra.keyPattern, { email: 1 });
      assert.deepEqual(err.extra.keyValue, { email: 'a' });
    }
    assert.equal(e.count(DB, 'u', { query: { email: 'b' } }), 1);
  });

  it('unique + sparse and unique + partialFilterExpression decide which documents count', () => {
    e.createIndexes(DB, 's', [{ key: { nick: 1 }, name: 'nick_1', unique: true, sparse: true }]);
    assert.equal(e.insert(DB, 's', [{ a: 1 }, { a: 2 }, { nick: 'x' }]).writeErrors.length, 0);
    assert.equal(e.insert(DB, 's', [{ nick: 'x' }]).writeErrors[0].code, 11000);
    e.createIndexes(DB, 'p', [{ key: { email: 1 }, name: 'email_1', unique: true, partialFilterExpression: { verified: true } }]);
    assert.equal(
      e.insert(DB, 'p', [
        { email: 'a', verified: false },
        { email: 'a', verified: false },
        { email: 'a', verified: true },
      ]).writeErrors.length,
      0,
    );
    assert.equal(e.insert(DB, 'p', [{ email: 'a', verified: true }]).writeErrors[0].code, 11000);
    const up = e.update(DB, 'p', [{ q: { verified: false }, u: { $set: { verified: true } } }]);
    assert.equal(up.writeErrors[0].code, 11000);
    // non-sparse unique: two missing values collide on null
    e.createIndexes(DB, 'n', [{ key: { code: 1 }, name: 'code_1', unique: true }]);
    assert.equal(e.insert(DB, 'n', [{ a: 1 }, { a: 2 }]).writeErrors[0].code, 11000);
  });

  it('building a unique index over duplicates fails with 11000 and leaves no index', () => {
    e.insert(DB, 'd', [{ a: 1 }, { a: 1 }]);
    assert.equal(
      code(() => e.createIndexes(DB, 'd', [{ key: { a: 1 }, name: 'a_1', unique: true }])),
      11000,
    );
    assert.deepEqual(
      e.listIndexes(DB, 'd').map((i) => i.name),
      ['_id_'],
    );
    assert.equal(e.insert(DB, 'd', [{ a: 1 }]).n, 1);
  });

  it('planner: _id lookup, equality, $in, range, compound prefix, and collection scan', () => {
    const docs = Array.from({ length: 500 }, (_, i) => ({ _id: i, thread: `t${i % 10}`, n: i, at: new Date(1e12 + i) }));
    e.insert(DB, 'p', docs);
    e.createIndexes(DB, 'p', [
      { key: { thread: 1, at: -1 }, name: 'thread_at' },
      { key: { n: 1 }, name: 'n_1' },
    ]);
    assert.equal(plan('p', { filter: { _id: 5 } }).stage, 'IDHACK');
    const eq = plan('p', { filter: { thread: 't3' } });
    assert.deepEqual([eq.stage, eq.indexName, eq.nReturned, eq.totalDocsExamined], ['IXSCAN', 'thread_at', 50, 50]);
    const inq = plan('p', { filter: { n: { $in: [1, 2, 3, 999] } } });
    assert.deepEqual([inq.indexName, inq.nReturned, inq.totalDocsExamined], ['n_1', 3, 3]);
    const range = plan('p', { filter: { n: { $gte: 10, $lt: 20 } } });
    assert.deepEqual([range.indexName, range.nReturned, range.totalDocsExamined], ['n_1', 10, 10]);
    const compound = plan('p', { filter: { thread: 't1', at: { $gt: new Date(1e12 + 400) } } });
    assert.deepEqual([compound.indexName, compound.nReturned, compound.totalDocsExamined], ['thread_at', 10, 10]);
    assert.equal(plan('p', { filter: { other: 1 } }).stage, 'COLLSCAN');
    assert.equal(plan('p', { filter: { n: { $eq: 7 } } }).totalDocsExamined, 1);
    // results are right, not only fast
    assert.deepEqual(
      e.find(DB, 'p', { filter: { n: { $gt: 495 } } }).map((d) => d._id),
      [496, 497, 498, 499],
    );
    assert.deepEqual(e.find(DB, 'p', { filter: { n: { $gt: 'a' } } }), [], 'type bracketing');
  });

  it('$or with an index for every branch is a union of index scans', () => {
    e.insert(
      DB,
      'o',
      Array.from({ length: 300 }, (_, i) => ({ _id: i, a: i % 30, b: i % 7, c: i })),
    );
    e.createIndexes(DB, 'o', [
      { key: { a: 1 }, name: 'a_1' },
      { key: { b: 1 }, name: 'b_1' },
    ]);
    const p = plan('o', { filter: { $or: [{ a: 3 }, { b: 2 }, { _id: 299 }] } });
    const expected = e.find(DB, 'o', { filter: { $or: [{ a: 3 }, { b: 2 }, { _id: 299 }] }, sort: { _id: 1 } }).map((d) => d._id);
    assert.equal(p.stage, 'OR');
    assert.equal(p.nReturned, expected.length);
    assert.ok((p.totalDocsExamined as number) < 60);
    assert.equal(expected.length, 10 + 43 - 1 + 1 - 0 /* 299 is neither 3 mod 30 nor 2 mod 7 */);
    assert.equal(plan('o', { filter: { $or: [{ a: 3 }, { c: 5 }] } }).stage, 'COLLSCAN');
  });

  it('sort + limit walks a matching index and stops early (forward and backward)', () => {
    const docs = Array.from({ length: 1000 }, (_, i) => ({ thread: `t${i % 4}`, at: new Date(1e12 + i * 1000), n: i }));
    e.insert(DB, 's', docs);
    e.createIndexes(DB, 's', [
      { key: { thread: 1, at: -1 }, name: 'thread_at' },
      { key: { n: 1 }, name: 'n_1' },
    ]);
    const newest = plan('s', { filter: { thread: 't2' }, sort: { at: -1 }, limit: 5 });
    assert.deepEqual([newest.indexName, newest.sortCovered, newest.totalDocsExamined], ['thread_at', true, 5]);
    assert.deepEqual(
      e.find(DB, 's', { filter: { thread: 't2' }, sort: { at: -1 }, limit: 3 }).map((d) => d.n),
      [998, 994, 990],
    );
    const oldest = plan('s', { filter: { thread: 't2' }, sort: { at: 1 }, limit: 2, skip: 1 });
    // The index answers the filter exactly: skipped entries are passed over without reading documents.
    assert.deepEqual([oldest.direction, oldest.totalDocsExamined], ['backward', 2]);
    assert.deepEqual(
      e.find(DB, 's', { filter: { thread: 't2' }, sort: { at: 1 }, limit: 2, skip: 1 }).map((d) => d.n),
      [6, 10],
    );
    const deep = plan('s', { filter: { thread: 't2' }, sort: { at: -1 }, limit: 3, skip: 200 });
    assert.deepEqual([deep.totalDocsExamined, deep.nReturned], [3, 3]);
    assert.deepEqual(
      e.find(DB, 's', { filter: { thread: 't2' }, sort: { at: -1 }, limit: 3, skip: 200 }).map((d) => d.n),
      [198, 194, 190],
    );
    assert.deepEqual(
      e.find(DB, 's', { filter: { thread: 't2' }, sort: { at: -1 }, skip: 248 }).map((d) => d.n),
      [6, 2],
    );
    assert.deepEqual(e.find(DB, 's', { filter: { thread: 't2' }, sort: { at: -1 }, skip: 250 }), []);
    const top = plan('s', { sort: { n: -1 }, limit: 3 });
    assert.deepEqual([top.indexName, top.totalDocsExamined], ['n_1', 3]);
    assert.deepEqual(
      e.find(DB, 's', { sort: { n: -1 }, limit: 3 }).map((d) => d.n),
      [999, 998, 997],
    );
    const byId = plan('s', { sort: { _id: -1 }, limit: 2 });
    assert.deepEqual([byId.indexName, byId.totalDocsExamined], ['_id_', 2]);
  });

  it('multikey and compound indexes; parallel arrays are refused with 171', () => {
    e.createIndexes(DB, 'mk', [
      { key: { tags: 1 }, name: 'tags_1' },
      { key: { 'replies.author': 1, score: -1 }, name: 'ra' },
    ]);
    const a = new ObjectId();
    e.insert(DB, 'mk', [
      { _id: 1, tags: ['x', 'y'], replies: [{ author: a }, { author: 'b' }], score: 1 },
      { _id: 2, tags: ['y'], replies: [], score: 2 },
      { _id: 3, tags: 'x', score: 3 },
    ]);
    assert.deepEqual(
      e.find(DB, 'mk', { filter: { tags: 'x' } }).map((d) => d._id),
      [1, 3],
    );
    assert.equal(plan('mk', { filter: { tags: 'y' } }).indexName, 'tags_1');
    assert.deepEqual(
      e.find(DB, 'mk', { filter: { 'replies.author': new ObjectId(a.toHexString()) } }).map((d) => d._id),
      [1],
    );
    assert.equal(plan('mk', { filter: { 'replies.author': a } }).indexName, 'ra');
    // multikey: a range must not lose documents whose elements straddle it
    e.insert(DB, 'mk', [{ _id: 4, tags: [1, 10] }]);
    assert.deepEqual(
      e.find(DB, 'mk', { filter: { tags: { $gt: 3, $lt: 5 } } }).map((d) => d._id),
      [4],
    );
    assert.deepEqual(
      e
        .find(DB, 'mk', { filter: { tags: 'y' }, sort: { tags: 1 } })
        .map((d) => d._id)
        .sort(),
      [1, 2],
    );
    e.createIndexes(DB, 'pa', [{ key: { a: 1, b: 1 }, name: 'a_b' }]);
    const r = e.insert(DB, 'pa', [
      { a: [1, 2], b: 1 },
      { a: [1], b: [2] },
    ]);
    assert.equal(r.n, 1);
    assert.equal(r.writeErrors[0].code, 171);
    e.insert(DB, 'pa2', [{ a: [1], b: [2] }]);
    assert.equal(
      code(() => e.createIndexes(DB, 'pa2', [{ key: { a: 1, b: 1 }, name: 'a_b' }])),
      171,
    );
  });

  it('null equality finds missing fields through the index; sparse indexes are not used for it', () => {
    e.insert(DB, 'z', [{ _id: 1, a: null }, { _id: 2 }, { _id: 3, a: 1 }]);
    e.createIndexes(DB, 'z', [{ key: { a: 1 }, name: 'a_1' }]);
    assert.deepEqual(
      e.find(DB, 'z', { filter: { a: null } }).map((d) => d._id),
      [1, 2],
    );
    e.createIndexes(DB, 'zs', [{ key: { a: 1 }, name: 'a_1', sparse: true }]);
    e.insert(DB, 'zs', [{ _id: 1, a: null }, { _id: 2 }, { _id: 3, a: 1 }]);
    assert.deepEqual(
      e.find(DB, 'zs', { filter: { a: null } }).map((d) => d._id),
      [1, 2],
    );
    assert.notEqual(plan('zs', { filter: { a: null } }).indexName, 'a_1');
  });

  it('explain(db, command, verbosity) describes find, count, distinct and aggregate plans', () => {
    e.insert(DB, 'x', [{ a: 1 }, { a: 2 }, { a: 2 }]);
    e.createIndexes(DB, 'x', [{ key: { a: 1 }, name: 'a_1' }]);
    const f = e.explain!(DB, { find: 'x', filter: { a: 2 } }, 'executionStats');
    assert.equal(((f.queryPlanner as Document).winningPlan as Document).indexName, 'a_1');
    assert.equal((f.executionStats as Document).nReturned, 2);
    const c = e.explain!(DB, { count: 'x', query: { a: { $gt: 0 } } }, 'queryPlanner');
    assert.equal(((c.queryPlanner as Document).winningPlan as Document).stage, 'IXSCAN');
    assert.equal(c.executionStats, undefined);
    const a = e.explain!(DB, { aggregate: 'x', pipeline: [{ $match: { a: 1 } }, { $count: 'n' }], cursor: {} }, 'executionStats');
    assert.equal(((a.queryPlanner as Document).winningPlan as Document).indexName, 'a_1');
    assert.equal((a.executionStats as Document).nReturned, 1);
    assert.equal(
      ((e.explain!(DB, { distinct: 'x', key: 'a' }, 'queryPlanner').queryPlanner as Document).winningPlan as Document).stage,
      'COLLSCAN',
    );
  });

  it('hint: by name or key pattern, unknown hint is an error', () => {
    e.insert(DB, 'h', [
      { a: 1, b: 1 },
      { a: 2, b: 2 },
    ]);
    e.createIndexes(DB, 'h', [
      { key: { a: 1 }, name: 'a_1' },
      { key: { b: 1 }, name: 'b_1' },
    ]);
    assert.equal(plan('h', { filter: { a: 1, b: 1 }, hint: 'b_1' }).indexName, 'b_1');
    assert.equal(plan('h', { filter: { a: 1 }, hint: { b: 1 } }).indexName, 'b_1');
    assert.equal(e.find(DB, 'h', { filter: { a: 1 }, hint: { b: 1 } }).length, 1);
    assert.equal(
      code(() => e.find(DB, 'h', { hint: 'zzz' })),
      2,
    );
  });

  it('TTL: expireTtl(now) removes expired documents through the write path', () => {
    e.createIndexes(DB, 'sessions', [
      { key: { expires: 1 }, name: 'expires_1', expireAfterSeconds: 0 },
      { key: { at: 1 }, name: 'at_1', expireAfterSeconds: 60 },
    ]);
    const now = new Date('2030-01-01T00:00:00Z');
    e.insert(DB, 'sessions', [
      { _id: 1, expires: new Date(now.getTime() - 1000) },
      { _id: 2, expires: new Date(now.getTime() + 1000) },
      { _id: 3, at: new Date(now.getTime() - 61_000) },
      { _id: 4, at: new Date(now.getTime() - 59_000) },
      { _id: 5, expires: 'not a date' },
      { _id: 6, at: [new Date(now.getTime() + 1e6), new Date(now.getTime() - 1e6)] },
    ]);
    assert.equal(e.expireTtl(now), 3);
    assert.deepEqual(
      e.find(DB, 'sessions', { sort: { _id: 1 } }).map((d) => d._id),
      [2, 4, 5],
    );
    assert.equal(e.expireTtl(now), 0);
  });
});
