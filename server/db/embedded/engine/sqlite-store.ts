/**
 * The SQLite database behind the engine (better-sqlite3; see STORAGE.md): opening it (WAL,
 * synchronous=NORMAL, a bounded page cache, owner-only file modes), the catalog tables, a
 * cache of prepared statements per table, and transaction control (one open transaction
 * that a group of write commands shares, savepoints per command and statement).
 *
 * `dataDir` null opens a private in-memory database (tests, `dataDir: null`).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * The on-disk format this engine writes (meta.format). Format 1 (no meta table) is migrated;
 * format 3 is format 2 plus split records (split-records.ts), so a format-2 file is marked 3
 * when opened. A file of a higher format than this is refused (catalog.ts open).
 */
export const STORAGE_FORMAT = 3;

export const DB_FILE = 'embedded.sqlite';

/** SQLite's own page cache, outside the document cache (KiB; negative = KiB for cache_size). */
const PAGE_CACHE_KIB = 32 * 1024;

export interface CollectionRow {
  id: number;
  ns: string;
  options: Buffer;
  uuid: Buffer;
  doc_count: number;
  data_bytes: number;
}

export interface IndexRow {
  id: number;
  coll_id: number;
  name: string;
  spec: Buffer;
  multikey: number;
  /** Bit mask of the key fields that met arrays (index-keys.ts MultikeyFlag); -1: not known. */
  multikey_paths: number;
}

type Statement = Database.Statement<unknown[], unknown>;

export class SqliteStore {
  readonly db: Database.Database;
  readonly file: string | null;
  /** Documents read from their tables since the store opened (tests, stats). */
  docsRead = 0;
  private readonly statements = new Map<string, Statement>();
  private readonly control;

  constructor(dataDir: string | null) {
    if (dataDir) {
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      this.file = path.join(dataDir, DB_FILE);
      // Created owner-only before SQLite opens it; SQLite gives the -wal and -shm files the
      // same mode as the database file. An existing file is tightened too: it holds
      // password hashes, e-mail addresses and sessions.
      fs.closeSync(fs.openSync(this.file, 'a', 0o600));
      fs.chmodSync(this.file, 0o600);
      this.db = new Database(this.file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    } else {
      this.file = null;
      this.db = new Database(':memory:');
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) ;
      CREATE TABLE IF NOT EXISTS catalog_collections (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ns TEXT NOT NULL UNIQUE, options BLOB NOT NULL, uuid BLOB NOT NULL,
        doc_count INTEGER NOT NULL DEFAULT 0, data_bytes INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS catalog_indexes (
        id INTEGER PRIMARY KEY AUTOINCREMENT, coll_id INTEGER NOT NULL, name TEXT NOT NULL, spec BLOB NOT NULL,
        multikey INTEGER NOT NULL DEFAULT 0, UNIQUE (coll_id, name));
    `);
    // Added after the first release: indexes marked multikey before it keep -1 (paths not known).
    const columns = this.db.prepare('PRAGMA table_info(catalog_indexes)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'multikey_paths'))
      this.db.exec('ALTER TABLE catalog_indexes ADD COLUMN multikey_paths INTEGER NOT NULL DEFAULT -1');
    const p = (sql: string) => this.db.prepare(sql);
    this.control = {
      begin: p('BEGIN'),
      commit: p('COMMIT'),
      rollback: p('ROLLBACK'),
      savepoint: p('SAVEPOINT sp'),
      release: p('RELEASE sp'),
      rollbackTo: p('ROLLBACK TO sp'),
    };
  }

  get inMemory(): boolean {
    return this.file === null;
  }

  /**
   * A prepared statement, cached under `key` (by convention `<table>:<purpose>`); `sql` is
   * only built on a miss. `mode` 'pluck' returns the first column, 'raw' rows as arrays.
   */
  stmt(key: string, sql: string | (() => string), mode?: 'pluck' | 'raw'): Statement {
    let s = this.statements.get(key);
    if (!s) {
      s = this.db.prepare(typeof sql === 'string' ? sql : sql());
      if (mode === 'pluck') s.pluck();
      else if (mode === 'raw') s.raw();
      this.statements.set(key, s);
    }
    return s;
  }

  /** Forgets the cached statements of a table (after it is dropped). */
  forget(table: string): void {
    const prefix = `${table}:`;
    for (const k of this.statements.keys()) if (k.startsWith(prefix)) this.statements.delete(k);
  }

  getMeta(key: string): unknown {
    const row = this.stmt('meta:get', 'SELECT value FROM meta WHERE key = ?').get(key) as { value: unknown } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: unknown): void {
    this.stmt('meta:set', 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
      key,
      value,
    );
  }

  deleteMeta(key: string): void {
    this.stmt('meta:del', 'DELETE FROM meta WHERE key = ?').run(key);
  }

  tableExists(name: string): boolean {
    return !!this.stmt('schema:table', "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name);
  }

  collections(): CollectionRow[] {
    return this.db.prepare('SELECT * FROM catalog_collections ORDER BY id').all() as CollectionRow[];
  }

  indexes(): IndexRow[] {
    return this.db.prepare('SELECT * FROM catalog_indexes ORDER BY id').all() as IndexRow[];
  }

  // ---- transactions ------------------------------------------------------------------------

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  begin(): void {
    if (!this.db.inTransaction) this.control.begin.run();
  }

  /**
   * Commits the open transaction. `durable` (a write with `j: true`) also flushes the WAL to
   * the disk before returning, as synchronous=FULL would: SQLite does not let that setting
   * change inside a transaction, and a group's transaction is open before anyone knows
   * whether one of its writes asks for it.
   */
  commit(durable: boolean): void {
    if (!this.db.inTransaction) return;
    this.control.commit.run();
    if (durable && this.file) this.syncWal();
  }

  private walFd: number | null = null;

  /** fsync of the WAL file (an fsync on any descriptor flushes the file's pages). */
  private syncWal(): void {
    if (this.walFd === null) {
      const wal = `${this.file}-wal`;
      if (!fs.existsSync(wal)) return; // nothing written through the WAL yet
      this.walFd = fs.openSync(wal, 'r');
      const dir = fs.openSync(path.dirname(wal), 'r');
      try {
        fs.fsyncSync(dir); // the WAL file's directory entry, once
      } finally {
        fs.closeSync(dir);
      }
    }
    fs.fsyncSync(this.walFd);
  }

  /** Rolls the open transaction back (no-op when SQLite already did). */
  rollback(): void {
    if (this.db.inTransaction) this.control.rollback.run();
  }

  savepoint(): void {
    this.control.savepoint.run();
  }

  release(): void {
    this.control.release.run();
  }

  /** Undoes everything since the newest savepoint and removes it. */
  rollbackToSavepoint(): void {
    this.control.rollbackTo.run();
    this.control.release.run();
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
      if (this.db.inTransaction) this.control.rollback.run();
      if (!this.inMemory) this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      /* closing anyway */
    }
    this.statements.clear();
    if (this.walFd !== null) fs.closeSync(this.walFd);
    this.walFd = null;
    this.db.close();
  }
}
