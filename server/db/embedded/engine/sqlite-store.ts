/**
 * Write-through persistence in SQLite (better-sqlite3, WAL, synchronous=NORMAL). Each write
 * command commits its ops in one transaction; `durable` commits with synchronous=FULL.
 *
 * Documents are stored as BSON and read back with `promoteLongs: false` (an int64 stays a
 * Long; int32 and double become JS numbers, as the wire layer hands them in), Binary keeps
 * its subtype, RegExp flags round-trip as far as BSON regex options allow.
 */
import { deserializeStored } from './codec';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BSON, type Document } from 'bson';
import { sqlIdKey } from './bson-order';
import { plainDbRefsInPlace } from './doc-utils';
import type { StoreOp } from './write-txn';

/** the `$ref` element name as it appears in BSON: only such documents can hold a DBRef */
const REF_MARK = Buffer.from('$ref\0', 'latin1');

export interface LoadedCollection {
  ns: string;
  options: Document;
  indexes: Document[];
  docs: Document[];
  sizes: number[];
}

export class SqliteStore {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly commitTx: (ops: StoreOp[]) => void;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, 'embedded.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS collections (ns TEXT PRIMARY KEY, options BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS indexes (ns TEXT NOT NULL, name TEXT NOT NULL, spec BLOB NOT NULL, PRIMARY KEY (ns, name));
      CREATE TABLE IF NOT EXISTS documents (ns TEXT NOT NULL, id_key TEXT NOT NULL, doc BLOB NOT NULL, PRIMARY KEY (ns, id_key));
    `);
    this.stmts = {
      put: this.db.prepare(
        'INSERT INTO documents (ns, id_key, doc) VALUES (?, ?, ?) ON CONFLICT (ns, id_key) DO UPDATE SET doc = excluded.doc',
      ),
      del: this.db.prepare('DELETE FROM documents WHERE ns = ? AND id_key = ?'),
      createColl: this.db.prepare('INSERT OR REPLACE INTO collections (ns, options) VALUES (?, ?)'),
      dropColl: this.db.prepare('DELETE FROM collections WHERE ns = ?'),
      dropCollDocs: this.db.prepare('DELETE FROM documents WHERE ns = ?'),
      dropCollIndexes: this.db.prepare('DELETE FROM indexes WHERE ns = ?'),
      putIndex: this.db.prepare('INSERT OR REPLACE INTO indexes (ns, name, spec) VALUES (?, ?, ?)'),
      dropIndex: this.db.prepare('DELETE FROM indexes WHERE ns = ? AND name = ?'),
    };
    const s = this.stmts;
    this.commitTx = this.db.transaction((ops: StoreOp[]) => {
      for (const op of ops) {
        switch (op.kind) {
          case 'put':
            s.put.run(op.ns, sqlIdKey(op.idKey), op.bytes);
            break;
          case 'del':
            s.del.run(op.ns, sqlIdKey(op.idKey));
            break;
          case 'createColl':
            s.createColl.run(op.ns, BSON.serialize(op.options));
            break;
          case 'dropColl':
            s.dropColl.run(op.ns);
            s.dropCollDocs.run(op.ns);
            s.dropCollIndexes.run(op.ns);
            break;
          case 'putIndex':
            s.putIndex.run(op.ns, op.name, BSON.serialize(op.spec));
            break;
          case 'dropIndex':
            s.dropIndex.run(op.ns, op.name);
            break;
        }
      }
    });
  }

  commit(ops: StoreOp[], durable: boolean): void {
    if (ops.length === 0) return;
    if (!durable) {
      this.commitTx(ops);
      return;
    }
    this.db.pragma('synchronous = FULL');
    try {
      this.commitTx(ops);
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  /** Everything on disk, collection by collection, documents in write order. */
  load(): LoadedCollection[] {
    const byNs = new Map<string, LoadedCollection>();
    const get = (ns: string) => {
      let c = byNs.get(ns);
      if (!c) {
        c = { ns, options: {}, indexes: [], docs: [], sizes: [] };
        byNs.set(ns, c);
      }
      return c;
    };
    for (const row of this.db.prepare('SELECT ns, options FROM collections').raw().iterate() as Iterable<[string, Buffer]>) {
      get(row[0]).options = deserializeStored(row[1]);
    }
    for (const row of this.db.prepare('SELECT ns, spec FROM indexes ORDER BY rowid').raw().iterate() as Iterable<[string, Buffer]>) {
      get(row[0]).indexes.push(deserializeStored(row[1]));
    }
    // streamed row by row so start-up memory stays bounded by the documents themselves
    let last: LoadedCollection | null = null;
    for (const [ns, blob] of this.db.prepare('SELECT ns, doc FROM documents ORDER BY rowid').raw().iterate() as Iterable<
      [string, Buffer]
    >) {
      if (last?.ns !== ns) last = get(ns);
      const doc = deserializeStored(blob);
      last.docs.push(blob.indexOf(REF_MARK) === -1 ? doc : (plainDbRefsInPlace(doc) as Document));
      last.sizes.push(blob.length);
    }
    return [...byNs.values()];
  }

  fileSize(): number {
    try {
      const row = this.db.prepare('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()').get() as { n: number };
      return row.n;
    } catch {
      return 0;
    }
  }

  close(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      /* closing anyway */
    }
    this.db.close();
  }
}
