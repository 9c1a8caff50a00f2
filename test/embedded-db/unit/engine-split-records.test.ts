/**
 * Split records (server/db/embedded/engine/split-records.ts): a large document's large
 * top-level fields live in a second table, so an update that leaves them alone writes only
 * the small rest. What users see must not change: the same documents, field order and BSON
 * types, through reopen, indexes, text search, refused writes and rows stored before split
 * records existed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BSON, Double, Long, type Document } from 'bson';
import { openEngine } from '../../../server/db/embedded/engine';
import type { EmbeddedEngine } from '../../../server/db/embedded/engine/engine';
import { SPLIT_DOC_MIN, SPLIT_FIELD_MIN, parseHead } from '../../../server/db/embedded/engine/split-records';

const DB = 'forum';
const words = 'printer driver update error install restart screen account password settings'.split(' ');
const text = (n: number, shift = 0) => Array.from({ length: n }, (_, i) => words[(i * 7 + shift) % words.length]).join(' ');

describe('embedded engine: split records', function () {
  this.timeout(60_000);
  let dir: string;
  let e: EmbeddedEngine | null = null;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-split-'));
  });
  afterEach(() => {
    e?.close();
    e = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const reopen = (): EmbeddedEngine => {
    e?.close();
    e = openEngine({ dataDir: dir }) as EmbeddedEngine;
    return e;
  };
  /** Reads from SQLite, not from the document cache. */
  const fresh = (eng: EmbeddedEngine, filter: Document = {}) => {
    eng.cache.clear();
    return eng.find(DB, 't', { filter, sort: { _id: 1 } });
  };
  const tableRows = (eng: EmbeddedEngine, suffix: 't' | '') => {
    const tables = eng.store.db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'c[0-9]*${suffix}'`)
      .pluck()
      .all() as string[];
    return tables
      .filter((t) => (suffix ? t.endsWith('t') : /^c\d+$/.test(t)))
      .reduce((n, t) => n + (eng.store.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number), 0);
  };
  /** WAL frames (pages) written since the last call (each call checkpoints; the next write starts the WAL over). */
  const walPages = (eng: EmbeddedEngine) => {
    const [r] = eng.store.db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    return r.log;
  };

  const bigDoc = (): Document => ({
    _id: 1,
    title: 'Printer offline',
    views: 0,
    searchText: text(9000),
    ratio: new Double(2),
    n64: Long.fromNumber(2 ** 40),
    replies: Array.from({ length: 60 }, (_, i) => ({ by: `user${i}`, body: text(20, i) })),
    tags: ['printer', 'network'],
    last: true,
  });

  it('reads back the same document, field order and BSON types included, after a reopen', () => {
    const doc = bigDoc();
    assert.ok(BSON.calculateObjectSize(doc) >= SPLIT_DOC_MIN, 'the test document is large enough to split');
    reopen().insert(DB, 't', [doc, { _id: 2, title: 'small', views: 0 }]);
    assert.equal(tableRows(e!, 't'), 1, 'one document has out-of-line fields');
    const [back, small] = fresh(reopen());
    assert.deepEqual(Object.keys(back), Object.keys(doc));
    assert.deepEqual(BSON.serialize(back), BSON.serialize(doc), 'byte for byte the same BSON');
    assert.deepEqual(small, { _id: 2, title: 'small', views: 0 });
    const stats = e!.collStats(DB, 't');
    assert.equal(stats.size, BSON.calculateObjectSize(doc) + BSON.calculateObjectSize(small), 'sizes count whole documents');
  });

  it('an update that leaves the large fields alone writes a few pages, not the document', () => {
    const eng = reopen();
    eng.insert(DB, 't', [{ _id: 1, views: 0, searchText: text(40_000) }]); // ~200 KB: 50 pages
    walPages(eng);
    for (let i = 0; i < 20; i++) eng.update(DB, 't', [{ q: { _id: 1 }, u: { $inc: { views: 1 } } }]);
    const pages = walPages(eng);
    assert.ok(pages < 20 * 8, `20 increments wrote ${pages} pages (the whole document is 50)`);
    eng.update(DB, 't', [{ q: { _id: 1 }, u: { $set: { searchText: text(40_000, 1) } } }]);
    assert.ok(walPages(eng) >= 45, 'changing the large field writes it');
    const [back] = fresh(reopen());
    assert.equal(back.views, 20);
    assert.equal(back.searchText, text(40_000, 1));
  });

  it('a document that shrinks is stored whole again, and a delete leaves no out-of-line row', () => {
    const eng = reopen();
    eng.insert(DB, 't', [bigDoc(), { ...bigDoc(), _id: 2 }]);
    assert.equal(tableRows(eng, 't'), 2);
    eng.update(DB, 't', [{ q: { _id: 1 }, u: { $set: { searchText: 'short' }, $unset: { replies: 1 } } }]);
    assert.equal(tableRows(eng, 't'), 1);
    eng.delete(DB, 't', [{ q: { _id: 2 }, limit: 1 }]);
    assert.equal(tableRows(eng, 't'), 0);
    const docs = fresh(reopen());
    assert.deepEqual(
      docs.map((d) => [d._id, d.searchText, d.replies]),
      [[1, 'short', undefined]],
    );
    assert.equal(tableRows(e!, ''), 1);
  });

  it('a refused write leaves the stored document and its large fields as they were', () => {
    const eng = reopen();
    eng.createIndexes(DB, 't', [{ key: { k: 1 }, name: 'k_1', unique: true }]);
    eng.insert(DB, 't', [
      { ...bigDoc(), k: 1 },
      { _id: 2, k: 2 },
    ]);
    const res = eng.update(DB, 't', [{ q: { _id: 1 }, u: { $set: { searchText: 'replaced', k: 2 } } }]);
    assert.deepEqual(
      res.writeErrors.map((w) => w.code),
      [11000],
    );
    const [back] = fresh(eng, { _id: 1 });
    assert.equal(back.searchText, text(9000));
    assert.equal(back.k, 1);
  });

  it('indexes and the text index see the large fields', () => {
    const eng = reopen();
    eng.createIndexes(DB, 't', [
      { key: { tags: 1 }, name: 'tags_1' },
      { key: { title: 'text', searchText: 'text' }, name: 'search' },
    ]);
    const big = { ...bigDoc(), searchText: `${text(9000)} zebra`, tags: Array.from({ length: 900 }, (_, i) => `tag${i}`) };
    eng.insert(DB, 't', [big, { _id: 2, title: 'other', searchText: 'nothing here', tags: ['x'] }]);
    const r = reopen();
    r.cache.clear();
    assert.deepEqual(r.find(DB, 't', { filter: { tags: 'tag899' }, projection: { _id: 1 } }), [{ _id: 1 }]);
    assert.deepEqual(r.find(DB, 't', { filter: { $text: { $search: 'zebra' } }, projection: { _id: 1 } }), [{ _id: 1 }]);
    r.update(DB, 't', [{ q: { _id: 1 }, u: { $inc: { views: 1 } } }]);
    r.cache.clear();
    assert.deepEqual(r.find(DB, 't', { filter: { $text: { $search: 'zebra' } }, projection: { views: 1 } }), [{ _id: 1, views: 1 }]);
  });

  it('rows stored whole before split records existed are read, and split on their next write', () => {
    const eng = reopen();
    eng.insert(DB, 't', [bigDoc()]);
    // Store it the old way: the whole BSON in the row, no out-of-line row.
    const table = eng.store.db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'c[0-9]*' AND name NOT GLOB '*t'`)
      .pluck()
      .all() as string[];
    const docs = table.filter((t) => (eng.store.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number) > 0);
    assert.equal(docs.length, 1);
    eng.store.db.prepare(`UPDATE ${docs[0]} SET doc = ?`).run(Buffer.from(BSON.serialize(bigDoc())));
    eng.store.db.prepare(`DELETE FROM ${docs[0]}t`).run();
    const [before] = fresh(eng);
    assert.deepEqual(BSON.serialize(before), BSON.serialize(bigDoc()));
    eng.update(DB, 't', [{ q: { _id: 1 }, u: { $inc: { views: 5 } } }]);
    assert.equal(tableRows(eng, 't'), 1, 'split on its next write');
    const [after] = fresh(reopen());
    assert.deepEqual(BSON.serialize(after), BSON.serialize({ ...bigDoc(), views: 5 }));
  });

  /** The names of the fields stored out of line for each split row (from the rows' heads). */
  const splitNames = (eng: EmbeddedEngine) => {
    const tables = eng.store.db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'c[0-9]*' AND name NOT GLOB '*t'`)
      .pluck()
      .all() as string[];
    return tables.flatMap((t) =>
      (eng.store.db.prepare(`SELECT doc FROM ${t}`).pluck().all() as Buffer[])
        .map((b) => parseHead(b)?.names ?? null)
        .filter((n) => n !== null),
    );
  };

  it('a field named "" can be moved out of line, updated and counted', () => {
    const eng = reopen();
    eng.insert(DB, 't', [{ _id: 1, '': text(4000), views: 0 }]);
    assert.deepEqual(splitNames(eng), [['']]);
    eng.update(DB, 't', [{ q: { _id: 1 }, u: { $inc: { views: 1 } } }]);
    const [kept] = fresh(eng);
    assert.deepEqual(kept, { _id: 1, '': text(4000), views: 1 });
    assert.equal(eng.collStats(DB, 't').size, BSON.calculateObjectSize(kept), 'the size counts the moved field once');
    // ($set cannot name "": MongoDB refuses an empty update path; a replacement can.)
    const res = eng.update(DB, 't', [{ q: { _id: 1 }, u: { '': 'new text', views: 1 } }]);
    assert.deepEqual(res.writeErrors, []);
    const [back] = fresh(reopen());
    assert.deepEqual(back, { _id: 1, '': 'new text', views: 1 });
    assert.equal(e!.collStats(DB, 't').size, BSON.calculateObjectSize(back));
    assert.equal(tableRows(e!, 't'), 0);
  });

  it('a split document that shrinks under the threshold through its head is stored whole: no out-of-line row is left behind', () => {
    const eng = reopen();
    const head = { a: 'a'.repeat(3500), b: 'b'.repeat(3500), c: 'c'.repeat(3500), d: 'd'.repeat(3500) };
    eng.insert(DB, 't', [{ _id: 1, body: text(800), ...head }]);
    assert.deepEqual(splitNames(eng), [['body']]);
    eng.update(DB, 't', [{ q: { _id: 1 }, u: { $unset: { a: 1, b: 1, c: 1, d: 1 } } }]);
    assert.equal(tableRows(eng, 't'), 0, 'stored whole again');
    eng.delete(DB, 't', [{ q: { _id: 1 }, limit: 1 }]);
    assert.equal(tableRows(eng, 't') + tableRows(eng, ''), 0);
  });

  it('a field that grows large in the head of a split document is moved out on that write', () => {
    const eng = reopen();
    eng.insert(DB, 't', [{ _id: 1, searchText: text(4000), notes: 'short', views: 0 }]);
    assert.deepEqual(splitNames(eng), [['searchText']]);
    eng.update(DB, 't', [{ q: { _id: 1 }, u: { $set: { notes: text(1000) } } }]);
    assert.deepEqual(splitNames(eng), [['searchText', 'notes']]);
    const [back] = fresh(reopen());
    assert.deepEqual(Object.keys(back), ['_id', 'searchText', 'notes', 'views']);
    assert.equal(back.notes, text(1000));
  });

  it('a head-only update past 16 MiB is refused and changes nothing', () => {
    const eng = reopen();
    eng.insert(DB, 't', [{ _id: 1, big: 'x'.repeat(10 * 1024 * 1024), n: 0 }]);
    // 2,300 fields of 3,000 bytes: each stays in the head, so only the head-only path sees the size.
    const fields = Object.fromEntries(Array.from({ length: 2300 }, (_, i) => [`f${i}`, 'y'.repeat(3000)]));
    const res = eng.update(DB, 't', [{ q: { _id: 1 }, u: { $set: { n: 1, ...fields } } }]);
    assert.deepEqual(
      res.writeErrors.map((w) => w.code),
      [10334],
    );
    const [back] = fresh(eng);
    assert.equal(back.n, 0);
    assert.equal(back.f0, undefined);
  });

  it('refuses a data directory written by a newer storage format, with what to do', () => {
    reopen().insert(DB, 't', [{ _id: 1 }]);
    e!.store.setMeta('format', 99);
    e!.close();
    e = null;
    assert.throws(() => reopen(), /storage format 99, written by a newer version; this version reads formats up to 3/);
  });

  it('random writes to large and small documents read back as a model of them says (property)', () => {
    const eng = reopen();
    let seed = 7; // mulberry32
    const rnd = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const model = new Map<number, Document>();
    const value = () => {
      switch (rnd(4)) {
        case 0:
          return rnd(1000);
        case 1:
          return text(rnd(2) ? 10 : Math.ceil(SPLIT_FIELD_MIN / 6) + rnd(4000), rnd(10));
        case 2:
          return Array.from({ length: rnd(2) ? 3 : 900 }, (_, i) => i);
        default:
          return { nested: text(rnd(2) ? 5 : 3000) };
      }
    };
    const fields = ['a', 'b', 'c', 'd', 'e'];
    for (let step = 0; step < 300; step++) {
      const id = rnd(12);
      const op = rnd(4);
      if (!model.has(id) || op === 0) {
        const doc: Document = { _id: id };
        for (const f of fields) if (rnd(3)) doc[f] = value();
        if (model.has(id)) eng.delete(DB, 't', [{ q: { _id: id }, limit: 1 }]);
        eng.insert(DB, 't', [doc]);
        model.set(id, structuredClone(doc));
      } else if (op === 1) {
        const f = fields[rnd(fields.length)];
        const v = value();
        eng.update(DB, 't', [{ q: { _id: id }, u: { $set: { [f]: v } } }]);
        model.get(id)![f] = structuredClone(v);
      } else if (op === 2) {
        const f = fields[rnd(fields.length)];
        eng.update(DB, 't', [{ q: { _id: id }, u: { $unset: { [f]: 1 } } }]);
        delete model.get(id)![f];
      } else {
        eng.update(DB, 't', [{ q: { _id: id }, u: { $inc: { n: 1 } } }]);
        const m = model.get(id)!;
        m.n = ((m.n as number | undefined) ?? 0) + 1;
      }
      if (step % 50 === 49) {
        const stored = fresh(eng);
        const expected = [...model.values()].sort((x, y) => (x._id as number) - (y._id as number));
        assert.deepEqual(stored, expected, `after step ${step}`);
      }
    }
    const stored = fresh(reopen());
    assert.equal(stored.length, model.size);
    assert.ok(tableRows(e!, 't') > 0, 'some documents were split');
  });
});
