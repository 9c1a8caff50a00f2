/**
 * Property: whatever index the planner picks, a find returns exactly what a collection scan
 * returns (same documents; with a sort, the same sequence of sort keys).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Document } from 'bson';
import { openEngine } from '../../../server/db/embedded/engine';
import { compareValues } from '../../../server/db/embedded/engine/bson-order';

const value = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, -0.5, 2.5),
  fc.constantFrom('a', 'b', 'c', ''),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b')), { maxLength: 3 }),
);

const doc = fc.record({ a: value, b: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(undefined)), c: fc.constantFrom('x', 'y') });

const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', 'c'), fc.constant(null), fc.constant(2.5));
const predicate = fc.oneof(
  scalar,
  scalar.map((v) => ({ $eq: v })),
  fc.array(scalar, { minLength: 1, maxLength: 3 }).map((v) => ({ $in: v })),
  fc
    .tuple(fc.constantFrom('$gt', '$gte'), fc.integer({ min: -3, max: 3 }), fc.constantFrom('$lt', '$lte'), fc.integer({ min: -3, max: 3 }))
    .map(([o1, v1, o2, v2]) => ({ [o1]: v1, [o2]: v2 })),
  fc
    .tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b')))
    .map(([o, v]) => ({ [o]: v })),
);

const filter = fc.record(
  {
    a: predicate,
    b: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.record({ $gte: fc.integer({ min: 0, max: 4 }) })),
    c: fc.constantFrom('x', 'y'),
  },
  { requiredKeys: [] },
);
const query = fc.record({
  filter: fc.oneof(
    filter,
    fc.array(filter, { minLength: 1, maxLength: 3 }).map((or) => ({ $or: or })),
  ),
  sort: fc.option(fc.constantFrom<Document>({ a: 1 }, { a: -1 }, { b: 1, a: -1 }, { b: -1, a: 1 }, { _id: -1 }), { nil: undefined }),
  limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  skip: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
});

function strip(d: Document): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(d)) if (v !== undefined) out[k] = v;
  return out;
}

describe('embedded engine: planner agrees with a collection scan (property)', () => {
  it('same results with and without indexes', () => {
    fc.assert(
      fc.property(fc.array(doc, { minLength: 0, maxLength: 40 }), fc.array(query, { minLength: 1, maxLength: 8 }), (docs, queries) => {
        const e = openEngine({});
        try {
          const rows = docs.map((d, i) => ({ _id: i, ...strip(d) }));
          e.insert('f', 'c', rows);
          e.createIndexes('f', 'c', [
            { key: { a: 1 }, name: 'a_1' },
            { key: { b: 1, a: -1 }, name: 'b_1_a_-1' },
            { key: { c: 1, b: 1 }, name: 'c_1_b_1' },
            { key: { b: 1 }, name: 'b_sparse', sparse: true },
          ]);
          for (const q of queries) {
            const planned = e.find('f', 'c', q);
            const scanned = e.find('f', 'c', { ...q, hint: { $natural: 1 } });
            if (!q.sort) {
              if (q.limit === undefined && !q.skip) {
                assert.deepEqual(planned.map((d) => d._id).sort(), scanned.map((d) => d._id).sort(), JSON.stringify(q));
              } else {
                assert.equal(planned.length, scanned.length, JSON.stringify(q));
              }
              continue;
            }
            const keys = (list: Document[]) => list.map((d) => Object.keys(q.sort!).map((k) => d[k]));
            const a = keys(planned);
            const b = keys(scanned);
            assert.equal(a.length, b.length, `${JSON.stringify(q)} lengths`);
            for (let i = 0; i < a.length; i++) {
              for (let j = 0; j < a[i].length; j++) {
                const x = Array.isArray(a[i][j]) ? JSON.stringify(a[i][j]) : a[i][j];
                const y = Array.isArray(b[i][j]) ? JSON.stringify(b[i][j]) : b[i][j];
                if (!Array.isArray(a[i][j]) && !Array.isArray(b[i][j])) {
                  assert.equal(compareValues(x ?? null, y ?? null), 0, `${JSON.stringify(q)} row ${i}: ${String(x)} vs ${String(y)}`);
                }
              }
            }
            if (q.limit === undefined && !q.skip) {
              assert.deepEqual(planned.map((d) => d._id).sort(), scanned.map((d) => d._id).sort(), JSON.stringify(q));
            }
          }
        } finally {
          e.close();
        }
      }),
      { numRuns: 300 },
    );
  });
});
