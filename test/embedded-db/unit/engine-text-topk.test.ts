/**
 * Top k by text score from the score levels (engine/text-read.ts boundedTop): on a corpus
 * small enough for the bounds to prove the top k, the result is the reference index's
 * (text/text-index.ts) best k with their exact scores; past the postings budget, every
 * returned score is still exact and the order is by score.
 */
import assert from 'node:assert/strict';
import type { Document } from 'bson';
import { openEngine } from '../../../server/db/embedded/engine';
import type { IndexSpec } from '../../../server/db/embedded/engine-api';
import { TextIndex, textIndexOptionsFromSpec } from '../../../server/db/embedded/text';

const WORDS = ['printer', 'driver', 'offline', 'spooler', 'network', 'update', 'error', 'queue', 'paper', 'toner', 'scan', 'wifi'];
const SPEC: IndexSpec = { key: { title: 'text', body: 'text' }, name: 'search', weights: { title: 10, body: 1 }, v: 2 } as IndexSpec;

function corpus(n: number): Document[] {
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const word = () => WORDS[Math.floor(WORDS.length * rnd() * rnd())];
  return Array.from({ length: n }, (_, i) => ({
    _id: i,
    title: Array.from({ length: 1 + (i % 6) }, word).join(' '),
    body: Array.from({ length: 3 + (i % 50) }, word).join(' '),
  }));
}

function setup(n: number) {
  const docs = corpus(n);
  const e = openEngine({ dataDir: null });
  e.insert('db', 'c', docs);
  e.createIndexes('db', 'c', [SPEC]);
  const ref = new TextIndex(textIndexOptionsFromSpec(SPEC));
  for (const d of docs) ref.add(String(d._id), d);
  const byId = new Map(docs.map((d) => [String(d._id), d]));
  const reference = (q: string) => ref.search({ $search: q }, (k) => byId.get(k));
  const top = (q: string, limit: number, extra: Document = {}) =>
    e.find('db', 'c', {
      filter: { $text: { $search: q }, ...extra },
      projection: { _id: 1, score: { $meta: 'textScore' } },
      sort: { score: { $meta: 'textScore' } },
      limit,
    });
  return { reference, top };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe('embedded engine: top k by text score from score levels', () => {
  const QUERIES = ['printer', 'driver', 'wifi', 'printer driver', 'toner scan', 'printer driver offline', 'error update queue paper'];

  it('is the reference top k, with exact scores, when the bounds prove it', () => {
    const { reference, top } = setup(600);
    for (const q of QUERIES) {
      const all = [...reference(q)].sort((x, y) => y[1] - x[1]);
      for (const k of [1, 10, 50]) {
        const got = top(q, k);
        assert.equal(got.length, Math.min(k, all.length), q);
        got.forEach((d, i) => {
          assert.ok(close(d.score, all[i][1]), `${q} k=${k} #${i}: ${d.score} vs ${all[i][1]}`);
          assert.ok(close(reference(q).get(String(d._id))!, d.score), `${q}: exact score of ${d._id}`);
        });
      }
    }
  });

  it('agrees with the exact threshold algorithm (which a rest of the filter selects)', () => {
    const { top } = setup(600);
    for (const q of QUERIES) {
      const bounded = top(q, 25);
      const exact = top(q, 25, { _id: { $gte: 0 } });
      assert.deepEqual(
        bounded.map((d) => d.score),
        exact.map((d) => d.score),
        q,
      );
    }
  });

  it('past the postings budget still returns exact scores, best first', () => {
    const { reference, top } = setup(6000);
    for (const q of ['printer driver', 'printer driver offline']) {
      const ref = reference(q);
      const got = top(q, 10);
      assert.equal(got.length, 10);
      for (let i = 0; i < got.length; i++) {
        assert.ok(close(ref.get(String(got[i]._id))!, got[i].score), `${q}: exact score of ${got[i]._id}`);
        if (i) assert.ok(got[i - 1].score >= got[i].score);
      }
      // the approximation keeps the very best: the reference's best document is found
      const best = Math.max(...ref.values());
      assert.ok(close(got[0].score, best), `${q}: ${got[0].score} vs ${best}`);
    }
  });
});
