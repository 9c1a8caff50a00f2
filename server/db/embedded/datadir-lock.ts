import fs from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'mongod.lock';
export const ADDRESS_FILE = 'embedded.address';

/** Another live process owns the data directory. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly uri: string | undefined,
  ) {
    super(
      `The data directory ${dataDir} is already in use by another embedded database server ` +
        `(pid ${pid}${uri ? `, listening at ${uri}` : ''}). Stop that process, ` +
        `connect to it${uri ? ` with MONGODB_URI=${uri}/forum` : ''}, or choose another data directory.`,
    );
    this.name = 'DataDirInUseError';
  }
}

export interface EmbeddedAddress {
  uri: string;
  pid: number;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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

function readLockPid(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isInteger(pid) ? pid : null;
  } catch {
    return null;
  }
}

export interface DataDirLock {
  /** Publishes the server's address for other processes (embedded.address). */
  publish(uri: string): void;
  /** Removes the lock and address files, if they are still ours. */
  release(): void;
}

/**
 * Takes ownership of `dataDir` for this process. The lock file appears atomically with the
 * pid already inside (written to a private file, then hard-linked into place, which fails
 * if the lock exists). A lock left by a dead process is removed and taken over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_FILE);
  const addressPath = path.join(dataDir, ADDRESS_FILE);
  const pid = process.pid;
  const tmp = `${lockPath}.${pid}.${Date.now()}`;
  fs.writeFileSync(tmp, `${pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(tmp, lockPath);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
      }
      const owner = readLockPid(lockPath);
      if (owner !== null && processAlive(owner)) {
        const address = readAddressFile(dataDir);
        throw new DataDirInUseError(dataDir, owner, address?.pid === owner ? address.uri : undefined);
      }
      // Stale lock (the owner crashed or was killed): take it over.
      fs.rmSync(lockPath, { force: true });
      fs.rmSync(addressPath, { force: true });
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }

  return {
    publish(uri) {
      const tmpAddress = `${addressPath}.${pid}`;
      fs.writeFileSync(tmpAddress, JSON.stringify({ uri, pid } satisfies EmbeddedAddress));
      fs.renameSync(tmpAddress, addressPath);
    },
    release() {
      if (readAddressFile(dataDir)?.pid === pid) fs.rmSync(addressPath, { force: true });
      if (readLockPid(lockPath) === pid) fs.rmSync(lockPath, { force: true });
    },
  };
}
