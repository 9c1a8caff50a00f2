/**
 * The count fast paths (count.ts, planner countKeys): `count` and the countDocuments
 * pipeline must give exactly what counting the documents a find returns gives, on the same
 * data, including multikey, sparse and partial indexes (a document with several keys in an
 * index is one document).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { Document } from 'bson';
import { openEngine } from '../../../server/db/embedded/engine';
import { EmbeddedEngine } from '../../../server/db/embedded/engine/engine';
import { plan } from '../../../server/db/embedded/engine/planner';

const value = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom('a', 'b', ''),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(null)), { maxLength: 3 }),
);
const doc = fc.record({ a: value, b: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(undefined)), c: fc.constantFrom('x', 'y') });
const scalar = fc.oneof(fc.integer({ min: -3, max: 4 }), fc.constantFrom('a', 'b'), fc.constant(null));
const predicate = fc.oneof(
  scalar,
  scalar.map((v) => ({ $eq: v })),
  fc.array(scalar, { minLength: 1, maxLength: 3 }).map((v) => ({ $in: v })),
  fc
    .tuple(fc.constantFrom('$gt', '$gte'), fc.integer({ min: -3, max: 4 }), fc.constantFrom('$lt', '$lte'), fc.integer({ min: -3, max: 4 }))
    .map(([o1, v1, o2, v2]) => ({ [o1]: v1, [o2]: v2 })),
  fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), fc.integer({ min: -3, max: 4 })).map(([o, v]) => ({ [o]: v })),
);
const filter = fc.record(
  { a: predicate, b: predicate, c: fc.oneof(fc.constantFrom('x', 'y'), fc.constant({ $in: ['x', 'y'] })) },
  { requiredKeys: [] },
);
const hint = fc.constantFrom<string | undefined>(undefined, undefined, 'a_1', 'c_1_b_1', 'b_sparse', 'b_1_c_1_partial', 'b_1_a_1');

const INDEXES = [
  { key: { a: 1 }, name: 'a_1' },
  { key: { c: 1, b: 1 }, name: 'c_1_b_1' },
  { key: { b: 1 }, name: 'b_sparse', sparse: true },
  { key: { b: 1, c: 1 }, name: 'b_1_c_1_partial', partialFilterExpression: { b: { $gt: 1 } } },
  // multikey through `a`, with a null equality on `b` counted from its keys
  { key: { b: 1, a: 1 }, name: 'b_1_a_1' },
];

function strip(d: Document): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(d)) if (v !== undefined) out[k] = v;
  return out;
}

const countPipeline = (f: Document, extra: Document[] = []) => [{ $match: f }, ...extra, { $group: { _id: 1, n: { $sum: 1 } } }];
const pipelineCount = (out: Document[]) => (out.length ? (out[0].n as number) : 0);

describe('embedded engine: count fast paths agree with counting found documents (property)', () => {
  it('count and the countDocuments pipeline, with and without hints', () => {
    fc.assert(
      fc.property(
        fc.array(doc, { maxLength: 40 }),
        fc.array(fc.record({ f: filter, hint }), { minLength: 1, maxLength: 8 }),
        (docs, queries) => {
          const e = openEngine({});
          try {
            e.insert(
              'f',
              'c',
              docs.map((d, i) => ({ _id: i, ...strip(d) })),
            );
            e.createIndexes('f', 'c', INDEXES);
            for (const { f, hint: h } of queries) {
              const why = JSON.stringify({ f, h });
              const slow = e.find('f', 'c', { filter: f, hint: h }).length;
              assert.equal(e.count('f', 'c', { query: f, hint: h } as never), slow, `count ${why}`);
              assert.equal(pipelineCount(e.aggregate('f', 'c', countPipeline(f), { hint: h })), slow, `pipeline ${why}`);
              // without a hint, also equal to a plain collection scan
              if (h === undefined) assert.equal(slow, e.find('f', 'c', { filter: f, hint: { $natural: 1 } }).length, `scan ${why}`);
            }
          } finally {
            e.close();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('skip and limit in the pipeline and in count', () => {
    const e = openEngine({});
    e.insert(
      'f',
      'c',
      Array.from({ length: 30 }, (_, i) => ({ _id: i, c: i % 2 ? 'x' : 'y', b: i % 5 })),
    );
    e.createIndexes('f', 'c', INDEXES);
    const f = { c: 'x' };
    assert.equal(pipelineCount(e.aggregate('f', 'c', countPipeline(f, [{ $skip: 10 }]))), 5);
    assert.equal(pipelineCount(e.aggregate('f', 'c', countPipeline(f, [{ $limit: 4 }]))), 4);
    assert.equal(pipelineCount(e.aggregate('f', 'c', countPipeline(f, [{ $skip: 12 }, { $limit: 4 }]))), 3);
    assert.deepEqual(e.aggregate('f', 'c', countPipeline(f, [{ $skip: 20 }])), []);
    assert.deepEqual(e.aggregate('f', 'c', countPipeline({ c: 'z' })), []);
    assert.deepEqual(e.aggregate('f', 'c', [{ $match: f }, { $group: { _id: null, total: { $sum: 1 } } }]), [{ _id: null, total: 15 }]);
    assert.equal(e.count('f', 'c', { query: f, skip: 3, limit: 5 }), 5);
    assert.equal(e.count('f', 'c', { query: f, skip: 13 }), 2);
    assert.deepEqual(e.aggregate('f', 'nope', countPipeline(f)), []);
    e.close();
  });

  it('counts exact index scans from the keys, and refuses to for multikey indexes', () => {
    const e = openEngine({}) as EmbeddedEngine;
    e.insert('f', 'c', [
      { _id: 1, a: [1, 1, 2], b: 1, c: 'x' },
      { _id: 2, a: [2, 3], b: 2, c: 'x' },
      { _id: 3, a: 5, b: 3, c: 'y' },
    ]);
    e.createIndexes('f', 'c', INDEXES);
    const coll = e.catalog.get('f', 'c')!;
    const exact = plan(coll, { c: 'x', b: { $gte: 1, $lt: 3 } });
    assert.equal(exact.indexName, 'c_1_b_1');
    assert.equal(exact.exact, true);
    assert.equal(exact.countKeys!(), 2);
    assert.equal(exact.stats.docsExamined, 0);
    const inList = plan(coll, { c: { $in: ['y', 'x'] } });
    assert.equal(inList.countKeys!(), 3);
    // multikey: a range or several values could meet one document twice: no key count
    assert.equal(plan(coll, { a: { $gte: 1 } }, undefined, 'a_1').countKeys, undefined);
    assert.equal(plan(coll, { a: { $in: [1, 2] } }, undefined, 'a_1').countKeys, undefined);
    // a single equality: one entry per document under that value, even for a: [1, 1, 2]
    assert.equal(plan(coll, { a: 1 }).countKeys!(), 1);
    assert.equal(plan(coll, { a: 2 }).countKeys!(), 2);
    assert.equal(e.count('f', 'c', { query: { a: { $gte: 1 } } }), 3);
    assert.equal(e.count('f', 'c', { query: { a: 2 } }), 2);
    assert.equal(pipelineCount(e.aggregate('f', 'c', countPipeline({ a: { $in: [1, 2] } }))), 2);
    e.close();
  });

  it('counts index ranges after inserts and deletes, like a find does', () => {
    const e = openEngine({}) as EmbeddedEngine;
    const rnd = (n: number) => Math.floor(Math.random() * n);
    e.insert(
      'f',
      'c',
      Array.from({ length: 6000 }, (_, i) => ({ _id: i, b: rnd(50), c: rnd(3) ? 'x' : 'y' })),
    );
    e.createIndexes('f', 'c', [
      { key: { c: 1, b: 1 }, name: 'c_1_b_1' },
      { key: { b: 1 }, name: 'b_1' },
    ]);
    e.insert(
      'f',
      'c',
      Array.from({ length: 3000 }, (_, i) => ({ _id: 6000 + i, b: rnd(50), c: rnd(2) ? 'x' : 'y' })),
    );
    e.delete(
      'f',
      'c',
      Array.from({ length: 400 }, () => ({ q: { _id: rnd(9000) }, limit: 1 as const })),
    );
    const coll = e.catalog.get('f', 'c')!;
    assert.ok(coll.indexes[0].size() > 9000 - 400 - 1, 'entries for every document');
    for (let i = 0; i < 60; i++) {
      const lo = rnd(55) - 2;
      const f = [
        { c: 'x' },
        { b: lo },
        { c: 'y', b: { $gte: lo, $lt: lo + rnd(20) } },
        { b: { $gt: lo } },
        { b: { $lte: lo } },
        { c: { $in: ['x', 'y'] }, b: lo },
      ][i % 6];
      assert.ok(plan(coll, f).countKeys, JSON.stringify(f));
      assert.equal(e.count('f', 'c', { query: f }), e.find('f', 'c', { filter: f, hint: { $natural: 1 } }).length, JSON.stringify(f));
    }
    e.close();
  });

  it('knows which key fields of a multikey index met arrays, across a restart, and counts and skips from the keys only where that is exact', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-multikey-'));
    try {
      let e = openEngine({ dataDir: dir }) as EmbeddedEngine;
      e.createIndexes('f', 'c', [
        { key: { v: 1, tags: 1, n: -1 }, name: 'list' },
        { key: { v: 1, n: 1, tags: 1 }, name: 'tail' },
      ]);
      // like the forum's threads: visibility null (v missing or null), products an array
      e.insert(
        'f',
        'c',
        Array.from({ length: 60 }, (_, i) => ({ _id: i, ...(i % 3 ? { v: null } : {}), tags: i % 4 ? ['p', 'q'] : ['p'], n: i })),
      );
      e.insert('f', 'c', [{ _id: 100, v: 'hidden', tags: ['p'], n: 100 }]);
      e.close();
      e = openEngine({ dataDir: dir }) as EmbeddedEngine;
      const coll = e.catalog.get('f', 'c')!;
      const [list, tail] = coll.indexes;
      assert.deepEqual({ ...list.multikey }, { value: true, paths: 0b010 }, 'only tags met arrays, kept across the restart');
      assert.deepEqual({ ...tail.multikey }, { value: true, paths: 0b100 });
      // {v: null, tags: 'p'}: both in the equality prefix, tags the only array: one entry per document
      const byTag = plan(coll, { v: null, tags: 'p' }, undefined, 'list');
      assert.equal(byTag.countKeys!(), 60);
      assert.equal(byTag.stats.docsExamined, 0);
      assert.equal(e.count('f', 'c', { query: { v: null, tags: 'q' } }), 45);
      // a deep skip is taken inside the index, reading only the page
      const page = plan(coll, { v: null, tags: 'p' }, { n: -1 }, 'list');
      assert.equal(page.exact, true, 'every entry under (null, p) is a match: nothing to re-check');
      const rows = [...page.candidatesAfter!(50)].slice(0, 5).map((r) => r.doc._id);
      assert.deepEqual(rows, [9, 8, 7, 6, 5]);
      assert.ok(page.stats.docsExamined <= 10, `${page.stats.docsExamined} documents read`);
      // tags after the prefix: a document has an entry per tag, so no key count and no skip
      const tailPlan = plan(coll, { v: null, n: 5 }, undefined, 'tail');
      assert.equal(tailPlan.countKeys, undefined);
      assert.equal(tailPlan.candidatesAfter, undefined);
      assert.equal(e.count('f', 'c', { query: { v: null, n: 5 }, hint: 'tail' }), 1);
      // a null equality on the array field itself is not counted from the keys
      assert.equal(plan(coll, { v: null, tags: null }, undefined, 'list').countKeys, undefined);
      e.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts long ranges from the index summary, through inserts, deletes, splits, merges and rollbacks', async function () {
    this.timeout(120_000);
    const e = openEngine({}) as EmbeddedEngine;
    const rnd = (n: number) => Math.floor(Math.random() * n);
    e.createIndexes('f', 'c', [
      { key: { b: 1 }, name: 'b_1' },
      { key: { u: 1 }, name: 'u_1', unique: true },
    ]);
    e.insert(
      'f',
      'c',
      Array.from({ length: 12000 }, (_, i) => ({ _id: i, b: rnd(5000), u: i })),
    );
    const check = (what: string) => {
      for (let i = 0; i < 12; i++) {
        const lo = rnd(5200) - 100;
        const f = [{ b: { $gte: lo } }, { b: { $gte: lo, $lt: lo + rnd(4000) } }, { b: { $lt: lo } }, { b: { $gte: 500, $lt: 4000 } }][
          i % 4
        ];
        const want = e.find('f', 'c', { filter: f, hint: { $natural: 1 }, projection: { _id: 1 } }).length;
        assert.equal(e.count('f', 'c', { query: f }), want, `${what} ${JSON.stringify(f)}`);
      }
    };
    const summary = e.catalog.get('f', 'c')!.indexes[0].summary;
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    assert.ok(summary.ready, 'kept since the index was created empty');
    summary.reset(); // as after a restart: not built
    check('after the load'); // exact counts; starts building the summary between commands
    assert.equal(summary.ready, false);
    await turn(); // one slice of the scan: the low keys are counted, the high ones not yet
    assert.equal(summary.ready, false, 'the summary of 12000 entries is built in more than one slice');
    // writes on both sides of the scan's position while it is being built
    e.insert(
      'f',
      'c',
      Array.from({ length: 400 }, (_, i) => ({ _id: 20000 + i, b: i % 2 ? 1000 + (i % 50) : 4900 + (i % 50), u: 20000 + i })),
    );
    e.delete('f', 'c', [{ q: { b: { $in: [1011, 4911] } }, limit: 0 }]);
    const failed = e.update('f', 'c', [{ q: { b: { $in: [1013, 4913] } }, u: { $set: { b: 1002, u: -2 } }, multi: true }]);
    assert.equal(failed.writeErrors[0]?.code, 11000, 'a statement rolled back mid-build');
    check('while the summary is being built');
    while (!summary.ready) await turn();
    check('with the summary built during writes');
    // growth in one part of the key space splits buckets there; deletes elsewhere merge them
    e.insert(
      'f',
      'c',
      Array.from({ length: 6000 }, (_, i) => ({ _id: 12000 + i, b: 2500 + (i % 7), u: 12000 + i })),
    );
    e.delete('f', 'c', [{ q: { b: { $lt: 1500 } }, limit: 0 }]);
    check('after splits and merges');
    // a statement that moves entries and then fails is undone, its index entries too
    const r = e.update('f', 'c', [{ q: { b: { $gte: 4000 } }, u: { $set: { b: 100, u: -1 } }, multi: true }]);
    assert.equal(r.writeErrors[0]?.code, 11000, 'the second document takes u: -1 too');
    assert.equal(e.count('f', 'c', { query: { b: 100 } }), e.find('f', 'c', { filter: { b: 100 }, hint: { $natural: 1 } }).length);
    check('after a rolled-back statement');
    e.update('f', 'c', [{ q: { b: { $gte: 4500 } }, u: { $inc: { b: -4400 } }, multi: true }]);
    check('after a multi update');
    e.close();
  });
});
