/**
 * The simple projection path (projection.ts simpleProjection) gives what mingo gives.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Document } from 'bson';
import { simpleProjection } from '../../../server/db/embedded/engine/projection';
import { project } from '../../../server/db/embedded/engine/mingo-context';
import { openEngine } from '../../../server/db/embedded/engine';

const field = fc.constantFrom('_id', 'a', 'b', 'c', 'd');
const doc = fc.dictionary(
  fc.constantFrom('a', 'b', 'c', 'x'),
  fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.record({ y: fc.integer() })),
);
const projection = fc.dictionary(field, fc.constantFrom<number | boolean>(1, 0, true, false, 2, -1), { minKeys: 1, maxKeys: 4 });

describe('embedded engine: simple projections', () => {
  it('match mingo on top-level inclusion/exclusion projections (property), and the fast path is taken', () => {
    let fastTaken = 0;
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 5 }), projection, (docs, proj) => {
        const rows: Document[] = docs.map((d, i) => ({ _id: i, ...d }));
        let expected: Document[] | Error;
        try {
          expected = project(rows, proj, {});
        } catch (e) {
          expected = e as Error;
        }
        const fast = simpleProjection(rows, proj);
        if (expected instanceof Error) {
          assert.equal(fast, null, `mingo refused ${JSON.stringify(proj)}: ${expected.message}`);
          return;
        }
        if (fast === null) return; // mingo's own path
        fastTaken++;
        assert.deepEqual(
          fast.map((d) => Object.entries(d)),
          expected.map((d) => Object.entries(d)),
          JSON.stringify(proj),
        );
      }),
      { numRuns: 500 },
    );
    // Without this the property could pass with the fast path never taken at all.
    assert.ok(fastTaken >= 100, `the simple projection path was taken in only ${fastTaken} of 500 runs`);
  });

  it('leaves dotted, $-operators and expressions to mingo, and never touches stored documents', () => {
    assert.equal(simpleProjection([{ _id: 1 }], { 'a.b': 1 }), null);
    assert.equal(simpleProjection([{ _id: 1 }], { a: { $slice: 1 } }), null);
    assert.equal(simpleProjection([{ _id: 1 }], { a: '$b' }), null);
    assert.equal(simpleProjection([{ _id: 1 }], { a: 1, b: 0 }), null);
    const e = openEngine({});
    e.insert('p', 'c', [{ _id: 1, a: 1, b: { c: 2 }, d: [1] }]);
    assert.deepEqual(e.find('p', 'c', { projection: { b: 1, a: 1 } }), [{ _id: 1, a: 1, b: { c: 2 } }]);
    assert.deepEqual(e.find('p', 'c', { projection: { b: 0, _id: 0 } }), [{ a: 1, d: [1] }]);
    assert.deepEqual(e.find('p', 'c', {}), [{ _id: 1, a: 1, b: { c: 2 }, d: [1] }]);
    e.close();
  });
});
