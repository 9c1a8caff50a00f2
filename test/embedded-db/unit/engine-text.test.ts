/** `$text` through the engine API: the text index plugged into find, count and aggregate. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Document } from 'bson';
import { MongoCommandError, type Engine } from '../../../server/db/embedded/engine-api';
import { openEngine } from '../../../server/db/embedded/engine';

const DB = 'forum';
const C = 'threads';

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MongoCommandError, `expected MongoCommandError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected an error');
}

const DOCS: Document[] = [
  { _id: 1, title: 'Account locked after password reset', body: 'I cannot sign in since yesterday.', status: 'answered', n: 1 },
  { _id: 2, title: 'Printer offline', body: 'Shows a lock icon.', status: 'open', n: 2 },
  {
    _id: 3,
    title: 'Router firmware update failed',
    body: 'The update stopped at 80 percent; the router is now locked.',
    status: 'open',
    n: 3,
  },
  { _id: 4, title: 'Café menu app crashes', body: 'The résumé screen crashes on start.', status: 'locked', n: 4 },
  { _id: 5, title: 'Firmware update question', body: 'Where can I download the firmware update file?', status: 'answered', n: 5 },
];

const TEXT_SPEC = { key: { title: 'text', body: 'text' }, name: 'search', weights: { title: 10, body: 2 }, default_language: 'english' };

const ids = (docs: Document[]) => docs.map((d) => d._id as number);
const sortedIds = (docs: Document[]) => ids(docs).sort((a, b) => a - b);

describe('embedded engine: $text', () => {
  let e: Engine;
  beforeEach(() => {
    e = openEngine({});
    e.insert(
      DB,
      C,
      DOCS.map((d) => ({ ...d })),
    );
    e.createIndexes(DB, C, [TEXT_SPEC]);
  });
  afterEach(() => e.close());

  const search = (s: string, extra: Document = {}) => e.find(DB, C, { filter: { $text: { $search: s }, ...extra } });

  it('builds the index over existing documents and allows one text index per collection', () => {
    assert.deepEqual(sortedIds(search('printer')), [2]);
    assert.equal(
      code(() => e.createIndexes(DB, C, [{ key: { other: 'text' }, name: 'other_text' }])),
      85,
    );
    assert.ok(e.listIndexes(DB, C).some((s) => s.name === 'search' && (s.weights as Document).title === 10));
  });

  it('stems ("locked" finds "lock"), ignores case and stop words', () => {
    assert.deepEqual(sortedIds(search('locked')), [1, 2, 3]);
    assert.deepEqual(sortedIds(search('LOCKING')), [1, 2, 3]);
    assert.deepEqual(search('the and of').length, 0, 'only stop words match nothing');
    assert.deepEqual(sortedIds(search('the printer')), [2]);
  });

  it('matches phrases and honours negation', () => {
    assert.deepEqual(sortedIds(search('"firmware update"')), [3, 5]);
    assert.deepEqual(sortedIds(search('"update failed"')), [3]);
    assert.deepEqual(sortedIds(search('firmware -router')), [5]);
    assert.deepEqual(sortedIds(search('update -"router firmware"')), [5]);
    assert.deepEqual(search('-printer').length, 0, 'only negations match nothing');
  });

  it('folds diacritics both ways', () => {
    assert.deepEqual(sortedIds(search('cafe')), [4]);
    assert.deepEqual(sortedIds(search('résumé')), [4]);
    assert.deepEqual(sortedIds(search('RESUME')), [4]);
  });

  it('returns the score with $meta and sorts by it (title weight beats body)', () => {
    const docs = e.find(DB, C, {
      filter: { $text: { $search: 'lock' } },
      projection: { title: 1, score: { $meta: 'textScore' } },
      sort: { score: { $meta: 'textScore' } },
    });
    assert.deepEqual(ids(docs), [1, 2, 3]);
    assert.deepEqual(Object.keys(docs[0]), ['_id', 'title', 'score']);
    assert.ok(docs[0].score > docs[1].score && docs[1].score > docs[2].score);
    // score only: every field plus the score
    const all = e.find(DB, C, { filter: { $text: { $search: 'printer' } }, projection: { s: { $meta: 'textScore' } } });
    assert.equal(all[0].body, DOCS[1].body);
    assert.equal(typeof all[0].s, 'number');
    // exclusion plus score
    const ex = e.find(DB, C, { filter: { $text: { $search: 'printer' } }, projection: { body: 0, s: { $meta: 'textScore' } } });
    assert.equal(ex[0].body, undefined);
    assert.equal(typeof ex[0].s, 'number');
    assert.equal(ex[0].title, 'Printer offline');
  });

  it('combines the score sort with other keys, skip and limit', () => {
    const byStatus = e.find(DB, C, { filter: { $text: { $search: 'lock update' } }, sort: { status: 1, score: { $meta: 'textScore' } } });
    assert.deepEqual(ids(byStatus), [5, 1, 3, 2]);
    const page = e.find(DB, C, {
      filter: { $text: { $search: 'lock update' } },
      sort: { score: { $meta: 'textScore' }, _id: 1 },
      skip: 1,
      limit: 2,
    });
    assert.equal(page.length, 2);
    const all = e.find(DB, C, { filter: { $text: { $search: 'lock update' } }, sort: { score: { $meta: 'textScore' }, _id: 1 } });
    assert.deepEqual(ids(page), ids(all).slice(1, 3));
  });

  it('applies the rest of the filter, also inside a top-level $and', () => {
    assert.deepEqual(sortedIds(search('lock', { status: 'open' })), [2, 3]);
    assert.deepEqual(sortedIds(search('lock', { n: { $gte: 3 } })), [3]);
    const and = e.find(DB, C, { filter: { $and: [{ status: 'answered' }, { $text: { $search: 'update' } }] } });
    assert.deepEqual(sortedIds(and), [5]);
    assert.equal(e.count(DB, C, { query: { $text: { $search: 'lock' }, status: 'open' } }), 2);
    assert.deepEqual(e.distinct(DB, C, 'status', { $text: { $search: 'lock' } }), ['answered', 'open']);
  });

  it('keeps the index current on insert, update, replace and delete', () => {
    e.insert(DB, C, [{ _id: 6, title: 'Scanner jams', body: 'paper jam' }]);
    assert.deepEqual(sortedIds(search('scanner')), [6]);
    e.update(DB, C, [{ q: { _id: 6 }, u: { $set: { title: 'Copier jams' } } }]);
    assert.deepEqual(search('scanner').length, 0);
    assert.deepEqual(sortedIds(search('copier')), [6]);
    e.update(DB, C, [{ q: { _id: 6 }, u: { title: 'Fax broken', body: '' } }]);
    assert.deepEqual(sortedIds(search('fax')), [6]);
    assert.equal(search('copier').length, 0);
    e.findAndModify(DB, C, { query: { _id: 6 }, update: { $set: { body: 'toner empty' } } });
    assert.deepEqual(sortedIds(search('toner')), [6]);
    e.delete(DB, C, [{ q: { _id: 6 }, limit: 1 }]);
    assert.equal(search('fax').length, 0);
    e.delete(DB, C, [{ q: { $text: { $search: 'printer' } }, limit: 0 }]);
    assert.equal(search('printer').length, 0);
    assert.equal(e.count(DB, C, {}), 4);
  });

  it('rolls the index back with a failed write', () => {
    e.createIndexes(DB, C, [{ key: { n: 1 }, name: 'n_1', unique: true }]);
    const r = e.insert(DB, C, [
      { _id: 7, title: 'Keyboard sticky', n: 70 },
      { _id: 8, title: 'Keyboard dead', n: 1 },
    ]);
    assert.equal(r.writeErrors[0]?.code, 11000);
    assert.deepEqual(sortedIds(search('keyboard')), [7], 'ordered insert keeps the first');
    const u = e.update(DB, C, [{ q: {}, u: { $set: { n: 9, title: 'zebra' } }, multi: true }]);
    assert.equal(u.writeErrors[0]?.code, 11000);
    assert.equal(search('zebra').length, 0, 'a failed multi-update leaves no trace in the index');
    assert.deepEqual(sortedIds(search('keyboard')), [7]);
    // a document the index refuses (unknown language) changes nothing
    const bad = e.insert(DB, C, [{ _id: 9, title: 'Monitor flickers', language: 'klingon' }]);
    assert.equal(bad.writeErrors[0]?.code, 17262);
    assert.equal(search('monitor').length, 0);
    assert.equal(e.find(DB, C, { filter: { _id: 9 } }).length, 0);
  });

  it('answers $text in aggregation: first-stage $match, $meta in later stages, countDocuments', () => {
    const out = e.aggregate(DB, C, [
      { $match: { $text: { $search: 'lock' }, status: { $ne: 'answered' } } },
      { $addFields: { score: { $meta: 'textScore' } } },
      { $sort: { score: -1 } },
      { $project: { title: 1, score: 1 } },
    ]);
    assert.deepEqual(ids(out), [2, 3]);
    assert.equal(typeof out[0].score, 'number');
    assert.ok(
      out.every((d) => !('__textScore' in d)),
      'the hidden score field never leaves',
    );
    const sorted = e.aggregate(DB, C, [
      { $match: { $text: { $search: 'lock' } } },
      { $sort: { s: { $meta: 'textScore' } } },
      { $limit: 1 },
    ]);
    assert.deepEqual(ids(sorted), [1]);
    assert.ok(!('__textScore' in sorted[0]));
    assert.deepEqual(sorted[0], DOCS[0]);
    const count = e.aggregate(DB, C, [{ $match: { $text: { $search: 'lock' } } }, { $group: { _id: 1, n: { $sum: 1 } } }]);
    assert.deepEqual(count, [{ _id: 1, n: 3 }]);
    const plain = e.aggregate(DB, C, [{ $match: { $text: { $search: 'printer' } } }]);
    assert.deepEqual(plain, [DOCS[1]]);
    assert.equal(
      code(() => e.aggregate(DB, C, [{ $match: { status: 'open' } }, { $match: { $text: { $search: 'lock' } } }])),
      2,
    );
    assert.equal(
      code(() => e.aggregate(DB, C, [{ $project: { s: { $meta: 'textScore' } } }])),
      2,
    );
    assert.equal(
      code(() => e.aggregate(DB, C, [{ $match: { status: 'open' } }, { $sort: { s: { $meta: 'textScore' } } }])),
      2,
    );
  });

  it('never changes the stored documents', () => {
    e.find(DB, C, { filter: { $text: { $search: 'lock' } }, projection: { score: { $meta: 'textScore' } } });
    e.aggregate(DB, C, [{ $match: { $text: { $search: 'lock' } } }, { $addFields: { score: { $meta: 'textScore' } } }]);
    assert.deepEqual(e.find(DB, C, { filter: { _id: 1 } })[0], DOCS[0]);
  });

  it('refuses misplaced $text and $meta without $text (2), and $text without an index (27)', () => {
    assert.equal(
      code(() => e.find(DB, C, { filter: { $or: [{ $text: { $search: 'lock' } }, { n: 1 }] } })),
      2,
    );
    assert.equal(
      code(() => e.find(DB, C, { filter: { $nor: [{ $text: { $search: 'lock' } }] } })),
      2,
    );
    assert.equal(
      code(() => e.find(DB, C, { filter: { sub: { $elemMatch: { $text: { $search: 'lock' } } } } })),
      2,
    );
    assert.equal(
      code(() => e.find(DB, C, { filter: { $and: [{ $text: { $search: 'a' } }, { $text: { $search: 'b' } }] } })),
      2,
    );
    assert.equal(
      code(() => e.find(DB, C, { filter: { $text: { $search: 5 } } })),
      2,
    );
    assert.equal(
      code(() => e.find(DB, C, { filter: { $text: { $search: 'x', $caseSensitive: true } } })),
      2,
    );
    assert.equal(
      code(() => e.find(DB, C, { filter: {}, sort: { s: { $meta: 'textScore' } } })),
      2,
    );
    assert.equal(
      code(() => e.find(DB, C, { filter: { n: 1 }, projection: { s: { $meta: 'textScore' } } })),
      2,
    );
    e.insert(DB, 'other', [{ body: 'lock' }]);
    assert.equal(
      code(() => e.find(DB, 'other', { filter: { $text: { $search: 'lock' } } })),
      27,
    );
    assert.equal(
      code(() => e.count(DB, 'other', { query: { $text: { $search: 'lock' } } })),
      27,
    );
  });

  it('drops with dropIndexes', () => {
    e.dropIndexes(DB, C, 'search');
    assert.equal(
      code(() => search('lock')),
      27,
    );
  });
});

describe('embedded engine: $text survives a restart', () => {
  let dir: string;
  let e: Engine | null = null;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-text-'));
  });
  afterEach(() => {
    e?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rebuilds the text index from SQLite at load', () => {
    e = openEngine({ dataDir: dir });
    e.insert(
      DB,
      C,
      DOCS.map((d) => ({ ...d })),
    );
    e.createIndexes(DB, C, [TEXT_SPEC]);
    e.update(DB, C, [{ q: { _id: 2 }, u: { $set: { title: 'Scanner offline' } } }]);
    const before = e.find(DB, C, {
      filter: { $text: { $search: 'lock scanner' } },
      projection: { s: { $meta: 'textScore' } },
      sort: { s: { $meta: 'textScore' } },
    });
    e.close();
    e = openEngine({ dataDir: dir });
    const after = e.find(DB, C, {
      filter: { $text: { $search: 'lock scanner' } },
      projection: { s: { $meta: 'textScore' } },
      sort: { s: { $meta: 'textScore' } },
    });
    assert.deepEqual(after, before);
    assert.equal(e.find(DB, C, { filter: { $text: { $search: 'printer' } } }).length, 0);
  });
});
