/**
 * Ownership of a data directory: one live server process per directory, enforced by the
 * operating system. The lock is SQLite's exclusive locking mode on a small lock database
 * (`embedded.lock`): the owner holds an open write transaction, i.e. a POSIX record lock on
 * that file, which the kernel releases when the process ends in any way (exit, crash,
 * SIGKILL). So a crashed owner never blocks a restart, and no pid is ever trusted: a pid that
 * was reused by another process (a restarted container gets the same low pid) or a zombie
 * cannot keep the directory locked, and two live owners are impossible.
 *
 * The owner also publishes its address (`embedded.address`: uri and pid) so that other
 * processes can share its server (server/db/connect.ts); that file is information only.
 *
 * Within the owning process the lock file is only ever opened through SQLite: POSIX record
 * locks belong to the process, and closing any other descriptor of the file would drop them.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const LOCK_FILE = 'embedded.lock';
export const ADDRESS_FILE = 'embedded.address';
/** The lock file of earlier versions (a pid in a text file); removed once the lock is ours. */
const LEGACY_LOCK_FILE = 'mongod.lock';

/** Another live process owns the data directory. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | undefined,
    readonly uri: string | undefined,
  ) {
    super(
      `The data directory ${dataDir} is already in use by another embedded database server` +
        `${pid || uri ? ` (${[pid ? `pid ${pid}` : '', uri ? `listening at ${uri}` : ''].filter(Boolean).join(', ')})` : ''}. ` +
        `Stop that process, connect to it${uri ? ` with MONGODB_URI=${uri}/forum` : ''}, or choose another data directory.`,
    );
    this.name = 'DataDirInUseError';
  }
}

export interface EmbeddedAddress {
  uri: string;
  pid: number;
}

export function readAddressFile(dataDir: string): EmbeddedAddress | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dataDir, ADDRESS_FILE), 'utf8')) as Partial<EmbeddedAddress>;
    if (typeof parsed.uri === 'string' && typeof parsed.pid === 'number') return { uri: parsed.uri, pid: parsed.pid };
  } catch {
    // missing or half-written: nobody to share with
  }
  return null;
}

export interface DataDirLock {
  /** Publishes the server's address for other processes (embedded.address). */
  publish(uri: string): void;
  /** Gives the directory up: removes the address file and releases the OS lock. */
  release(): void;
}

const isBusy = (err: unknown) => /SQLITE_BUSY|SQLITE_LOCKED|database is locked/i.test(String((err as { code?: string })?.code ?? err));

/** Opens the lock database and takes its exclusive lock; null when another process holds it. */
function takeLock(lockPath: string): Database.Database | null {
  if (!fs.existsSync(lockPath)) fs.closeSync(fs.openSync(lockPath, 'a', 0o600));
  const db = new Database(lockPath, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (err) {
    db.close();
    if (isBusy(err)) return null;
    throw err;
  }
}

/**
 * True when a live process holds the lock of `dataDir` (its owner may be this process). A
 * directory without a lock file is not locked.
 */
export function isDataDirLocked(dataDir: string): boolean {
  const lockPath = path.join(dataDir, LOCK_FILE);
  if (!fs.existsSync(lockPath)) return false;
  const db = takeLock(lockPath);
  if (!db) return true;
  db.exec('ROLLBACK');
  db.close();
  return false;
}

/**
 * Takes ownership of `dataDir` (created 0700 when missing) for this process. Throws
 * DataDirInUseError, naming the owner's address when it published one, if another live
 * process (or this one, through another server) holds it.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = path.join(dataDir, LOCK_FILE);
  const addressPath = path.join(dataDir, ADDRESS_FILE);
  const db = takeLock(lockPath);
  if (!db) {
    const address = readAddressFile(dataDir);
    throw new DataDirInUseError(dataDir, address?.pid, address?.uri);
  }
  // Whatever a dead owner left behind is ours to replace.
  fs.rmSync(addressPath, { force: true });
  fs.rmSync(path.join(dataDir, LEGACY_LOCK_FILE), { force: true });
  const pid = process.pid;
  let released = false;
  return {
    publish(uri) {
      const tmpAddress = `${addressPath}.${pid}`;
      fs.writeFileSync(tmpAddress, JSON.stringify({ uri, pid } satisfies EmbeddedAddress), { mode: 0o600 });
      fs.renameSync(tmpAddress, addressPath);
    },
    release() {
      if (released) return;
      released = true;
      if (readAddressFile(dataDir)?.pid === pid) fs.rmSync(addressPath, { force: true });
      try {
        db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
  };
}
