/**
 * What the storage engine promises about resources: results stream (a first batch reads
 * about what it returns), the document cache stays within its budget, maxTimeMS counts the
 * time spent producing batches, a sort no index serves refuses to hold more than 100 MB
 * when allowDiskUse is false, and the text index answers top-k and capped counts without
 * walking every match, leaving the index alone when an update does not change its text.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Document } from 'bson';
import { MongoCommandError } from '../../../server/db/embedded/engine-api';
import { openEngine } from '../../../server/db/embedded/engine';
import type { EmbeddedEngine } from '../../../server/db/embedded/engine/engine';

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

const open = (cacheMB?: number) => openEngine({ cacheMB }) as EmbeddedEngine;

describe('embedded engine: streaming, cache, time and memory limits', function () {
  this.timeout(60_000);
  let e: EmbeddedEngine;
  afterEach(() => e.close());

  it('a cursor reads about what its batches return: index scans, collection scans, pipelines', () => {
    e = open();
    e.createIndexes(DB, 'c', [{ key: { n: 1 }, name: 'n_1' }]);
    e.insert(
      DB,
      'c',
      Array.from({ length: 20000 }, (_, i) => ({ _id: i, n: 20000 - i, pad: 'p'.repeat(100) })),
    );
    e.cache.clear();
    const read = () => e.store.docsRead;

    let before = read();
    const byIndex = e.findCursor(DB, 'c', { filter: { n: { $gt: 0 } }, sort: { n: 1 } });
    assert.deepEqual(
      byIndex.next(101).map((d) => d.n),
      Array.from({ length: 101 }, (_, i) => i + 1),
    );
    assert.ok(read() - before <= 102, `index scan read ${read() - before} documents for 101`);
    assert.deepEqual(
      byIndex.next(3).map((d) => d.n),
      [102, 103, 104],
    );
    assert.equal(byIndex.exhausted, false);
    byIndex.close();

    before = read();
    const scan = e.findCursor(DB, 'c', { filter: {}, projection: { n: 1 } });
    assert.equal(scan.next(101).length, 101);
    assert.ok(read() - before < 500, `collection scan read ${read() - before} documents for 101`);
    scan.close();

    before = read();
    const pipeline = e.aggregateCursor(DB, 'c', [{ $match: { pad: { $exists: true } } }, { $project: { n: 1 } }, { $skip: 5 }]);
    assert.deepEqual(pipeline.next(2), [
      { _id: 5, n: 19995 },
      { _id: 6, n: 19994 },
    ]);
    assert.ok(read() - before < 500, `pipeline read ${read() - before} documents for 2`);
    pipeline.close();

    // whole results are still whole
    assert.equal(e.find(DB, 'c', { filter: { n: { $lte: 5000 } }, sort: { n: -1 } }).length, 5000);
  });

  it('a cursor whose collection or index is dropped stops with 175 QueryPlanKilled', () => {
    e = open();
    e.createIndexes(DB, 'c', [
      { key: { n: 1 }, name: 'n_1' },
      { key: { t: 'text' }, name: 't_text' },
    ]);
    e.insert(
      DB,
      'c',
      Array.from({ length: 3000 }, (_, i) => ({ _id: i, n: i, t: 'word' })),
    );
    const byIndex = e.findCursor(DB, 'c', { filter: { n: { $gte: 0 } } });
    const byText = e.findCursor(DB, 'c', { filter: { $text: { $search: 'word' } } });
    assert.equal(byIndex.next(10).length, 10);
    assert.equal(byText.next(10).length, 10);
    e.dropIndexes(DB, 'c', 'n_1');
    assert.equal(
      code(() => byIndex.next(5000)),
      175,
    );
    const scan = e.findCursor(DB, 'c', {});
    assert.equal(scan.next(10).length, 10);
    e.dropCollection(DB, 'c');
    assert.equal(
      code(() => scan.next(5000)),
      175,
    );
    assert.equal(
      code(() => byText.next(5000)),
      175,
    );
  });

  it('keeps decoded documents within the cache budget', () => {
    e = open(1); // 1 MiB
    e.insert(
      DB,
      'c',
      Array.from({ length: 3000 }, (_, i) => ({ _id: i, body: `${i} `.padEnd(2000, 'x') })),
    );
    for (let i = 0; i < 3000; i++) assert.equal(e.find(DB, 'c', { filter: { _id: i } })[0].body.length, 2000);
    assert.ok(e.cache.size <= 1024 * 1024, `cache holds ${e.cache.size} bytes`);
    assert.ok(e.cache.count > 100, 'and it is used');
    e.insert(DB, 'c', [{ _id: 'big', body: 'y'.repeat(2 * 1024 * 1024) }]);
    assert.equal(e.find(DB, 'c', { filter: { _id: 'big' } })[0].body.length, 2 * 1024 * 1024);
    assert.ok(e.cache.size <= 1024 * 1024, 'a document larger than the budget is not kept');
  });

  it('maxTimeMS counts the time spent producing batches, across batches, and bounds counts', () => {
    e = open();
    e.insert(
      DB,
      'big',
      Array.from({ length: 100000 }, (_, i) => ({ i, s: `x${i}` })),
    );
    const slow = { $or: [{ i: 0 }, { s: { $regex: 'y$' } }] };
    const cursor = e.findCursor(DB, 'big', { filter: slow, maxTimeMS: 50 });
    assert.equal(cursor.next(1)[0].i, 0, 'the first batch comes at once');
    assert.equal(
      code(() => cursor.next(1)),
      50,
      'the next batch needs the rest of the scan',
    );
    assert.equal(
      code(() => e.count(DB, 'big', { query: { s: { $regex: 'y$' } }, maxTimeMS: 1 })),
      50,
    );
    assert.equal(e.count(DB, 'big', { query: { s: { $regex: 'y$' } } }), 0);
  });

  it('a sort no index serves fails with 292 past its memory limit (MongoDB: 100 MB) when allowDiskUse is false', () => {
    e = openEngine({ sortMemoryLimit: 100 * 1024 }) as EmbeddedEngine;
    const kb = 'z'.repeat(1024);
    e.insert(
      DB,
      'big',
      Array.from({ length: 105 }, (_, i) => ({ _id: i, k: 105 - i, kb })),
    );
    assert.equal(
      code(() => e.find(DB, 'big', { sort: { k: 1 }, projection: { k: 1 }, allowDiskUse: false })),
      292,
    );
    const sorted = e.find(DB, 'big', { sort: { k: 1 }, projection: { k: 1 } });
    assert.deepEqual(
      sorted.slice(0, 3).map((d) => d.k),
      [1, 2, 3],
    );
    assert.equal(sorted.length, 105);
  });
});

describe('embedded engine: text index top-k and capped counts', function () {
  this.timeout(60_000);
  let e: EmbeddedEngine;
  afterEach(() => e.close());

  const TEXT = { key: { title: 'text', body: 'text' }, name: 'search', weights: { title: 10, body: 1 } };
  const corpus = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      _id: i,
      title: i % 150 === 0 ? `Printer ${i} offline` : `Question ${i} about drivers`,
      body: `The printer stopped after update ${i}. ${'Words about other things. '.repeat(1 + (i % 5))}`,
      status: i % 3 ? 'open' : 'answered',
    }));

  it('sort by textScore with a limit reads the best score levels, not every match', () => {
    e = open();
    e.createIndexes(DB, 't', [TEXT]);
    e.insert(DB, 't', corpus(3000));
    const x = e.explainFind!(DB, 't', {
      filter: { $text: { $search: 'printer' } },
      sort: { score: { $meta: 'textScore' } },
      projection: { score: { $meta: 'textScore' } },
      limit: 5,
    });
    const stats = x.executionStats as Document;
    assert.equal(stats.nReturned, 5);
    assert.ok(stats.totalDocsExamined < 300, `examined ${stats.totalDocsExamined} of 3000 matches`);
    const top = e.find(DB, 't', {
      filter: { $text: { $search: 'printer' } },
      sort: { score: { $meta: 'textScore' } },
      projection: { title: 1, score: { $meta: 'textScore' } },
      limit: 5,
    });
    for (const d of top) assert.match(d.title, /^Printer/, 'title hits (weight 10) first');
    // the same order as sorting every match
    const all = e.find(DB, 't', { filter: { $text: { $search: 'printer' } }, projection: { score: { $meta: 'textScore' } } });
    const best = all.map((d) => d.score as number).sort((a, b) => b - a);
    assert.deepEqual(
      top.map((d) => d.score),
      best.slice(0, 5),
    );
  });

  it('counts with a cap stop at the cap without reading documents', () => {
    e = open();
    e.createIndexes(DB, 't', [TEXT]);
    e.insert(DB, 't', corpus(3000));
    e.cache.clear();
    const before = e.store.docsRead;
    assert.equal(e.count(DB, 't', { query: { $text: { $search: 'printer' } }, limit: 200 }), 200);
    assert.equal(e.store.docsRead, before, 'no document read');
    assert.equal(e.count(DB, 't', { query: { $text: { $search: 'printer' } } }), 3000);
    const capped = e.aggregate(DB, 't', [
      { $match: { $text: { $search: 'printer -offline' } } },
      { $limit: 200 },
      { $group: { _id: 1, n: { $sum: 1 } } },
    ]);
    assert.deepEqual(capped, [{ _id: 1, n: 200 }]);
    assert.equal(e.count(DB, 't', { query: { $text: { $search: 'printer' }, status: 'answered' }, limit: 50 }), 50);
  });

  it('top-k by score equals the head of the full sort (property)', () => {
    const words = ['alpha', 'beta', 'gamma', 'delta', 'omega'];
    const text = fc.array(fc.constantFrom(...words), { minLength: 0, maxLength: 8 }).map((w) => w.join(' '));
    const query = fc
      .tuple(fc.subarray(words, { minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom(...words), { nil: undefined }))
      .map(([pos, neg]) => pos.join(' ') + (neg && !pos.includes(neg) ? ` -${neg}` : ''));
    fc.assert(
      fc.property(
        fc.array(fc.record({ title: text, body: text }), { maxLength: 60 }),
        query,
        fc.integer({ min: 1, max: 10 }),
        (docs, q, k) => {
          e = open();
          try {
            e.createIndexes(DB, 'p', [TEXT]);
            if (docs.length)
              e.insert(
                DB,
                'p',
                docs.map((d, i) => ({ _id: i, ...d })),
              );
            const meta = { score: { $meta: 'textScore' } };
            const all = e
              .find(DB, 'p', { filter: { $text: { $search: q } }, projection: meta })
              .map((d) => d.score as number)
              .sort((a, b) => b - a);
            const top = e.find(DB, 'p', { filter: { $text: { $search: q } }, projection: meta, sort: meta, limit: k }).map((d) => d.score);
            assert.deepEqual(top, all.slice(0, k));
          } finally {
            e.close();
          }
        },
      ),
      { numRuns: 150 },
    );
    e = open(); // for afterEach
  });

  it('an update that leaves the indexed text alone does not touch the text index', () => {
    e = open();
    e.createIndexes(DB, 't', [TEXT]);
    e.insert(DB, 't', corpus(10));
    const text = e.catalog.get(DB, 't')!.text!;
    const calls: string[] = [];
    const insert = text.insert.bind(text);
    const remove = text.remove.bind(text);
    text.insert = (rid, doc) => {
      calls.push('insert');
      insert(rid, doc);
    };
    text.remove = (rid) => {
      calls.push('remove');
      remove(rid);
    };
    e.update(DB, 't', [{ q: { _id: 3 }, u: { $inc: { views: 1 } } }]);
    e.update(DB, 't', [{ q: { _id: 3 }, u: { $set: { status: 'locked' } } }]);
    assert.deepEqual(calls, []);
    e.update(DB, 't', [{ q: { _id: 3 }, u: { $set: { title: 'Scanner jammed' } } }]);
    assert.deepEqual(calls, ['remove', 'insert']);
    assert.deepEqual(
      e.find(DB, 't', { filter: { $text: { $search: 'scanner' } } }).map((d) => d._id),
      [3],
    );
  });
});
