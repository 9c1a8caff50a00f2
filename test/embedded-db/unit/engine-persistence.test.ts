import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Binary, Long, ObjectId, Timestamp, type Document } from 'bson';
import { MongoCommandError, type Engine } from '../../../server/db/embedded/engine-api';
import { openEngine } from '../../../server/db/embedded/engine';
import type { EmbeddedEngine } from '../../../server/db/embedded/engine/engine';

const DB = 'forum';

describe('embedded engine: persistence (SQLite)', () => {
  let dir: string;
  let e: Engine | null = null;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-test-'));
  });
  afterEach(() => {
    e?.close();
    e = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const reopen = () => {
    e?.close();
    e = openEngine({ dataDir: dir });
    return e;
  };

  it('round-trips documents with their BSON types, indexes and options', () => {
    const eng = reopen();
    const oid = new ObjectId();
    const doc: Document = {
      _id: oid,
      s: 'text',
      i: 42,
      d: 1.5,
      big: Long.fromString('9007199254740993'),
      when: new Date('2024-05-01T10:00:00Z'),
      bin: new Binary(Buffer.from([1, 2, 3]), 4),
      ts: new Timestamp({ t: 5, i: 6 }),
      nil: null,
      nested: { a: [1, { b: 'c' }], e: {} },
      re: /ab+c/i,
      ref: { $ref: 'users', $id: 7 },
    };
    eng.insert(DB, 'posts', [doc, { _id: 'second', n: 1 }]);
    eng.createIndexes(DB, 'posts', [
      { key: { s: 1, when: -1 }, name: 's_when' },
      { key: { n: 1 }, name: 'n_1', unique: true, sparse: true },
    ]);
    eng.createIndexes(DB, 'posts', [{ key: { s: 'text' }, name: 's_text', weights: { s: 2 } }]);
    eng.createCollection(DB, 'empty');
    eng.update(DB, 'posts', [{ q: { _id: 'second' }, u: { $set: { n: 2 } } }]);
    eng.insert(DB, 'gone', [{ x: 1 }]);
    eng.dropCollection(DB, 'gone');
    eng.insert(DB, 'posts', [{ _id: 'third' }]);
    eng.delete(DB, 'posts', [{ q: { _id: 'third' }, limit: 1 }]);

    const again = reopen();
    const [back] = again.find(DB, 'posts', { filter: { _id: oid } });
    assert.deepEqual(back, doc);
    assert.ok(back._id instanceof ObjectId);
    assert.ok(back.big instanceof Long);
    assert.equal(back.big.toString(), '9007199254740993');
    assert.ok(back.bin instanceof Binary);
    assert.equal(back.bin.sub_type, 4);
    assert.ok(back.when instanceof Date);
    assert.ok(back.ts instanceof Timestamp);
    assert.equal(back.i, 42);
    assert.equal(back.d, 1.5);
    assert.deepEqual(
      again.find(DB, 'posts', { filter: { 'ref.$id': 7 } }).map((d) => d._id),
      [oid],
      'DBRef stays a plain document',
    );
    assert.deepEqual(again.find(DB, 'posts', { filter: { _id: 'second' } }), [{ _id: 'second', n: 2 }]);
    assert.equal(again.count(DB, 'posts', {}), 2);
    assert.deepEqual(
      again.listCollections(DB).map((c) => c.name),
      ['empty', 'posts'],
    );
    assert.deepEqual(again.listIndexes(DB, 'posts'), [
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { s: 1, when: -1 }, name: 's_when' },
      { v: 2, key: { n: 1 }, name: 'n_1', unique: true, sparse: true },
      { v: 2, key: { s: 'text' }, name: 's_text', weights: { s: 2 } },
    ]);
    // indexes were rebuilt: they are used and unique still holds
    const x = again.explainFind!(DB, 'posts', { filter: { s: 'text' } });
    assert.equal(((x.queryPlanner as Document).winningPlan as Document).indexName, 's_when');
    assert.equal(again.insert(DB, 'posts', [{ n: 2 }]).writeErrors[0].code, 11000);
  });

  it('findAndModify, upserts, TTL deletes and durable writes persist', () => {
    const eng = reopen();
    eng.createIndexes(DB, 's', [{ key: { exp: 1 }, name: 'exp_1', expireAfterSeconds: 0 }]);
    eng.insert(
      DB,
      's',
      [
        { _id: 1, exp: new Date(0) },
        { _id: 2, exp: new Date(8e15) },
      ],
      { durable: true },
    );
    eng.findAndModify(DB, 's', { query: { _id: 2 }, update: { $set: { v: 1 } } });
    eng.update(DB, 's', [{ q: { _id: 3 }, u: { $set: { v: 3 } }, upsert: true }], { durable: true });
    assert.equal(eng.expireTtl(new Date()), 1);
    const again = reopen();
    assert.deepEqual(again.find(DB, 's', { sort: { _id: 1 } }), [
      { _id: 2, exp: new Date(8e15), v: 1 },
      { _id: 3, v: 3 },
    ]);
  });

  it('a storage failure halfway through a write leaves nothing of it, in SQLite or in the cache, and reports code 1', () => {
    const eng = reopen() as EmbeddedEngine;
    eng.createIndexes(DB, 'c', [{ key: { a: 1 }, name: 'a_1', unique: true }]);
    eng.insert(DB, 'c', [{ _id: 1, a: 1 }]);
    // make the a_1 index table refuse new entries behind the engine's back: the document row
    // and the _id entry are written before it fails
    const side = new Database(path.join(dir, 'embedded.sqlite'));
    const ix = side.prepare("SELECT id FROM catalog_indexes WHERE name = 'a_1'").pluck().get() as number;
    side.exec(`CREATE TRIGGER no_writes BEFORE INSERT ON x${ix} BEGIN SELECT RAISE(ABORT, 'disk says no'); END;`);
    side.close();
    assert.throws(
      () => eng.insert(DB, 'c', [{ _id: 2, a: 2 }]),
      (err: unknown) => err instanceof MongoCommandError && err.code === 1 && /disk says no/.test(err.message),
    );
    assert.throws(() => eng.update(DB, 'c', [{ q: { _id: 1 }, u: { $set: { a: 5 } } }]), MongoCommandError);
    assert.deepEqual(eng.find(DB, 'c', {}), [{ _id: 1, a: 1 }]);
    assert.deepEqual(eng.find(DB, 'c', { filter: { a: 5 } }), [], 'index undone too');
    assert.deepEqual(eng.find(DB, 'c', { filter: { a: 1 } }).length, 1);
    assert.equal(eng.count(DB, 'c', {}), 1);
  });

  it('refuses documents over 16 MiB with 10334', () => {
    const eng = reopen();
    const r = eng.insert(DB, 'c', [{ big: 'x'.repeat(17 * 1024 * 1024) }]);
    assert.equal(r.writeErrors[0].code, 10334);
    assert.equal(eng.count(DB, 'c', {}), 0);
  });
});
