import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import type { Config } from '../config';
import { createLogger, type Logger } from '../kernel/logger';
import {
  DataDirInUseError,
  isDataDirLocked,
  readAddressFile,
  startEmbeddedServer,
  startEmbeddedServerThread,
  type EmbeddedServerThread,
} from './embedded';
import { watchDatabase } from './health';

/** The forum's database name on the embedded server. */
export const EMBEDDED_DB_NAME = 'forum';

/** The embedded server's stable address in its data directory (a Unix domain socket). */
export const EMBEDDED_SOCKET_FILE = 'embedded.sock';
/** sun_path holds 108 bytes on Linux, 104 on macOS, with the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 100;

export interface DatabaseConnection {
  uri: string;
  /** `embedded-shared` becomes `embedded` when this process takes the server over (see below). */
  readonly kind: 'external' | 'embedded' | 'embedded-shared';
  /** This process's own mongoose connection (never mongoose's global default one). */
  connection: Connection;
  /** The embedded server this process runs, if any. */
  readonly embedded?: OwnServer;
  close(): Promise<void>;
}

/** Driver settings that make an unreachable database fail fast and a returning one be noticed fast. */
export interface DriverTimings {
  /** How long an operation waits for a usable server before failing (then: 503). */
  serverSelectionTimeoutMS: number;
  /** How often the driver checks the server, and so how soon it notices a returning database. */
  heartbeatFrequencyMS: number;
  connectTimeoutMS: number;
}

export const timingsFrom = (config: Config): DriverTimings => ({
  serverSelectionTimeoutMS: config.DB_SELECTION_TIMEOUT_MS,
  heartbeatFrequencyMS: config.DB_HEARTBEAT_MS,
  connectTimeoutMS: Math.max(config.DB_SELECTION_TIMEOUT_MS, 2000),
});

/**
 * How long the driver waits for the embedded server to answer a connection or a monitoring
 * check (the driver's connectTimeoutMS) before declaring it gone and failing every operation
 * in flight. The embedded server answers one command at a time in its own thread, so a check
 * waits behind the longest command running: building an index over a million documents takes
 * minutes. A server that is really gone closes its socket and is noticed at once; a live one
 * that is slow must not be declared dead (requests meanwhile end at REQUEST_TIMEOUT_MS).
 */
const EMBEDDED_CONNECT_TIMEOUT_MS = 10 * 60_000;

/** The timings for the embedded server (see EMBEDDED_CONNECT_TIMEOUT_MS). */
const embeddedTimings = (config: Config): DriverTimings => ({ ...timingsFrom(config), connectTimeoutMS: EMBEDDED_CONNECT_TIMEOUT_MS });

const TEST_TIMINGS: DriverTimings = { serverSelectionTimeoutMS: 1000, heartbeatFrequencyMS: 1000, connectTimeoutMS: 2000 };

/** A URI fit for a log line: credentials removed. */
function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * A new mongoose connection (mongoose.createConnection: nothing global), open and pinged.
 * Commands are never buffered by mongoose while the database is away (bufferCommands false):
 * they go to the driver, which fails them after the server selection timeout. Command
 * monitoring is on for the metrics (server/kernel/metrics.ts).
 */
async function openConnection(uri: string, timings: DriverTimings): Promise<Connection> {
  const connection = mongoose.createConnection(uri, { ...timings, bufferCommands: false, monitorCommands: true });
  try {
    await connection.asPromise();
    await connection.db!.admin().ping();
    return connection;
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
}

/** Tries until `deadline` (the database may be starting too), then throws a clear error. */
async function openWithRetry(uri: string, timings: DriverTimings, deadline: number, logger: Logger): Promise<Connection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openConnection(uri, timings);
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new Error(
          `Cannot reach the database at ${redactUri(uri)}: ${(err as Error).message}. Check MONGODB_URI and that the database is running.`,
          { cause: err },
        );
      }
      if (attempt === 1) logger.warn({ uri: redactUri(uri), err: (err as Error).message }, 'database unreachable at start-up; retrying');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The embedded server this process runs: in a worker thread of its own, or in this thread. */
type OwnServer = Pick<EmbeddedServerThread, 'uri' | 'close'>;

/**
 * Starts this process's embedded server on `address` and `config.dataDir`: in a worker thread
 * when EMBEDDED_DB_THREAD (the default), else in this thread. Throws DataDirInUseError when
 * another process holds the directory. `onLost` hears of a worker that ended by itself.
 */
function launchEmbedded(
  config: Config,
  logger: Logger,
  address: { socketPath: string } | { host?: string; port: number },
  onLost?: (message: string) => void,
): Promise<OwnServer> {
  const options = { host: '127.0.0.1', ...address, dataDir: config.dataDir, cacheMB: config.EMBEDDED_CACHE_MB };
  if (!config.EMBEDDED_DB_THREAD) return startEmbeddedServer({ ...options, logger });
  return startEmbeddedServerThread({
    ...options,
    logLevel: config.LOG_LEVEL,
    onExit: (reason) => {
      logger.error({ dataDir: config.dataDir }, `database: ${reason}`);
      onLost?.(reason);
    },
  });
}

/** The stable address of the embedded server of `dataDir`: a socket file, or EMBEDDED_DB_PORT. */
function stableAddress(config: Config): { socketPath: string } | { port: number } | null {
  if (config.EMBEDDED_DB_PORT) return { port: config.EMBEDDED_DB_PORT };
  const socketPath = path.join(config.dataDir, EMBEDDED_SOCKET_FILE);
  return Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH_BYTES ? { socketPath } : null;
}

/** The address a connection URI dials, as startEmbeddedServer options (to take it over). */
function addressOf(uri: string): { socketPath: string } | { host: string; port: number } | null {
  const m = /^mongodb:\/\/([^/?]+)/.exec(uri);
  if (!m) return null;
  const host = decodeURIComponent(m[1]!);
  if (host.endsWith('.sock')) return { socketPath: host };
  const hp = /^(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/.exec(host);
  return hp ? { host: hp[1]!.replace(/^\[|\]$/g, ''), port: Number(hp[2]) } : null;
}

export interface ConnectOptions {
  /**
   * Called when this process has lost its shared embedded server for good: the owner came
   * back at another address (no stable address: a long DATA_DIR without EMBEDDED_DB_PORT).
   * main.ts stops so that the supervisor restarts it.
   */
  onLost?: (message: string) => void;
  /** How long start-up waits for the database; default 30 s. */
  startupTimeoutMs?: number;
}

/**
 * Opens this process's database connection. MONGODB_URI wins; otherwise an embedded server
 * already running on the same data directory (another forum process, `npm run db`) is
 * shared; otherwise this process starts its own embedded server on the data directory's
 * stable address: the Unix socket DATA_DIR/embedded.sock (or 127.0.0.1:EMBEDDED_DB_PORT).
 *
 * Because the address is stable, a process sharing another's server keeps the same
 * connection across the owner's restart (the driver reconnects by itself), and when the
 * owner is gone and the directory is free, it takes the server over on that same address
 * (checked every second while the database is down), so its connection comes back too.
 */
export async function connectDatabase(config: Config, logger: Logger, opts: ConnectOptions = {}): Promise<DatabaseConnection> {
  const timings = timingsFrom(config);
  const deadline = Date.now() + (opts.startupTimeoutMs ?? 30_000);
  if (config.MONGODB_URI) {
    const connection = await openWithRetry(config.MONGODB_URI, timings, deadline, logger);
    logger.info({ uri: redactUri(config.MONGODB_URI) }, 'database: external MongoDB');
    return { uri: config.MONGODB_URI, kind: 'external', connection, close: () => connection.close() };
  }

  const embeddedTiming = embeddedTimings(config);
  const address = stableAddress(config);
  if (!address) {
    logger.warn(
      { dataDir: config.dataDir },
      'DATA_DIR is too long for a Unix socket address: set EMBEDDED_DB_PORT so that processes sharing the embedded database survive its restarts',
    );
  }
  for (;;) {
    // The address file is a hint; only the directory's OS lock proves its owner is alive.
    const running = readAddressFile(config.dataDir);
    if (running && running.pid !== process.pid && isDataDirLocked(config.dataDir)) {
      const uri = `${running.uri}/${EMBEDDED_DB_NAME}`;
      const connection = await openConnection(uri, embeddedTiming).catch(() => null);
      if (connection) {
        logger.info({ uri, dataDir: config.dataDir, ownerPid: running.pid }, 'database: shared embedded server of another process');
        return shareEmbedded(config, logger, uri, connection, opts);
      }
    } else {
      try {
        const embedded = await launchEmbedded(config, logger, address ?? { port: 0 }, opts.onLost);
        return await ownEmbedded(config, logger, embedded, embeddedTiming);
      } catch (err) {
        // Another process took the directory between our check and our start: share it.
        if (!(err instanceof DataDirInUseError)) throw err;
      }
    }
    if (Date.now() >= deadline) throw new Error(`The embedded database on ${config.dataDir} did not become reachable.`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function ownEmbedded(config: Config, logger: Logger, embedded: OwnServer, timings: DriverTimings): Promise<DatabaseConnection> {
  const uri = `${embedded.uri}/${EMBEDDED_DB_NAME}`;
  let connection: Connection;
  try {
    connection = await openConnection(uri, timings);
  } catch (err) {
    await embedded.close();
    throw err;
  }
  logger.info({ uri, dataDir: config.dataDir, thread: config.EMBEDDED_DB_THREAD }, 'database: embedded server');
  return {
    uri,
    kind: 'embedded',
    connection,
    embedded,
    async close() {
      await connection.close();
      await embedded.close();
    },
  };
}

/** A connection to another process's embedded server, with the takeover watchdog. */
function shareEmbedded(config: Config, logger: Logger, uri: string, connection: Connection, opts: ConnectOptions): DatabaseConnection {
  const health = watchDatabase(connection);
  let embedded: OwnServer | undefined;
  let starting = false;
  let lost = false;
  const dial = addressOf(uri);
  const check = async () => {
    if (health.up || embedded || starting || lost) return;
    if (isDataDirLocked(config.dataDir)) {
      // The owner is back (or another process took over): the driver reconnects when it
      // serves the address we dial; if it serves another, this connection cannot follow.
      const now = readAddressFile(config.dataDir);
      if (now && `${now.uri}/${EMBEDDED_DB_NAME}` !== uri) {
        lost = true;
        const message = `the shared embedded database moved from ${uri} to ${now.uri}; this process cannot follow it`;
        logger.error({ dataDir: config.dataDir }, message);
        opts.onLost?.(message);
      }
      return;
    }
    if (!dial) return;
    starting = true;
    try {
      embedded = await launchEmbedded(config, logger, dial, opts.onLost);
      logger.warn(
        { uri, dataDir: config.dataDir },
        'database: the owner of the shared embedded server is gone; this process serves it now',
      );
    } catch (err) {
      if (!(err instanceof DataDirInUseError)) logger.error({ err }, 'database: could not take over the embedded server');
    } finally {
      starting = false;
    }
  };
  const timer = setInterval(() => void check(), 1000);
  timer.unref();
  return {
    uri,
    get kind() {
      return embedded ? ('embedded' as const) : ('embedded-shared' as const);
    },
    connection,
    get embedded() {
      return embedded;
    },
    async close() {
      clearInterval(timer);
      await connection.close();
      await embedded?.close();
    },
  };
}

let testDatabases = 0;

/**
 * For tests and benchmarks: a fresh in-memory embedded server and a connection to a database
 * of its own. close() closes the connection and stops the server.
 */
export async function startTestDatabase(): Promise<{ uri: string; connection: Connection; close(): Promise<void> }> {
  const embedded = await startEmbeddedServer({ dataDir: null, logger: createLogger('silent') });
  const uri = `${embedded.uri}/test_${process.pid}_${++testDatabases}`;
  let connection: Connection;
  try {
    connection = await openConnection(uri, TEST_TIMINGS);
  } catch (err) {
    await embedded.close();
    throw err;
  }
  return {
    uri,
    connection,
    async close() {
      await connection.close();
      await embedded.close();
    },
  };
}
