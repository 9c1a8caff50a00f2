/**
 * Writes a data directory in the engine's format 1 (before storage format 2: the tables
 * `collections`, `indexes` and `documents`, indexes rebuilt in memory at every start), as
 * that engine wrote it, for the migration tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Document } from 'bson';
import { serializeDoc } from '../../../../server/db/embedded/engine/codec';

export interface Format1Collection {
  ns: string;
  options?: Document;
  indexes?: Document[];
  docs: Document[];
}

export function writeFormat1(dir: string, collections: Format1Collection[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const db = new Database(path.join(dir, 'embedded.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE collections (ns TEXT PRIMARY KEY, options BLOB NOT NULL);
    CREATE TABLE indexes (ns TEXT NOT NULL, name TEXT NOT NULL, spec BLOB NOT NULL, PRIMARY KEY (ns, name));
    CREATE TABLE documents (ns TEXT NOT NULL, id_key TEXT NOT NULL, doc BLOB NOT NULL, PRIMARY KEY (ns, id_key));
  `);
  const coll = db.prepare('INSERT INTO collections (ns, options) VALUES (?, ?)');
  const ix = db.prepare('INSERT INTO indexes (ns, name, spec) VALUES (?, ?, ?)');
  const doc = db.prepare('INSERT INTO documents (ns, id_key, doc) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const c of collections) {
      coll.run(c.ns, serializeDoc(c.options ?? {}));
      for (const spec of c.indexes ?? []) ix.run(c.ns, spec.name, serializeDoc(spec));
    }
    // documents of several collections interleaved, as writes arrive
    const rows = collections.flatMap((c) => c.docs.map((d, i) => ({ ns: c.ns, d, i })));
    rows.sort((a, b) => a.i - b.i);
    for (const r of rows) doc.run(r.ns, `k${JSON.stringify(r.d._id)}`, serializeDoc(r.d));
  })();
  db.close();
}
