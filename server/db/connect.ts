import mongoose, { type Connection } from 'mongoose';
import type { Config } from '../config';
import { createLogger, type Logger } from '../kernel/logger';
import { isDataDirLocked, readAddressFile } from './embedded';
import { startEmbeddedServer, type EmbeddedServer } from './embedded';

/** The forum's database name on the embedded server. */
export const EMBEDDED_DB_NAME = 'forum';

export interface DatabaseConnection {
  uri: string;
  kind: 'external' | 'embedded' | 'embedded-shared';
  /** This process's own mongoose connection (never mongoose's global default one). */
  connection: Connection;
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

/** A URI fit for a log line: credentials removed. */
function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/** A new mongoose connection (mongoose.createConnection: nothing global), open and pinged. */
async function openConnection(uri: string, timeoutMs?: number): Promise<Connection> {
  const connection = mongoose.createConnection(uri, timeoutMs ? { serverSelectionTimeoutMS: timeoutMs } : {});
  try {
    await connection.asPromise();
    await connection.db!.admin().ping();
    return connection;
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
}

async function tryConnect(uri: string, timeoutMs?: number): Promise<Connection | null> {
  return openConnection(uri, timeoutMs).catch(() => null);
}

/**
 * Opens this process's database connection. MONGODB_URI wins; otherwise an embedded server
 * already running on the same data directory (another forum process, `npm run db`) is
 * shared; otherwise this process starts its own embedded server on loopback.
 */
export async function connectDatabase(config: Config, logger: Logger): Promise<DatabaseConnection> {
  if (config.MONGODB_URI) {
    const connection = await openConnection(config.MONGODB_URI);
    logger.info({ uri: redactUri(config.MONGODB_URI) }, 'database: external MongoDB');
    return { uri: config.MONGODB_URI, kind: 'external', connection, close: () => connection.close() };
  }

  // The address file is a hint; only the directory's OS lock proves its owner is alive.
  const running = readAddressFile(config.dataDir);
  if (running && running.pid !== process.pid && isDataDirLocked(config.dataDir)) {
    const uri = `${running.uri}/${EMBEDDED_DB_NAME}`;
    const connection = await tryConnect(uri, 2000);
    if (connection) {
      logger.info({ uri, dataDir: config.dataDir, ownerPid: running.pid }, 'database: shared embedded server of another process');
      return { uri, kind: 'embedded-shared', connection, close: () => connection.close() };
    }
  }

  const embedded = await startEmbeddedServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: config.dataDir,
    cacheMB: config.EMBEDDED_CACHE_MB,
    logger,
  });
  const uri = `${embedded.uri}/${EMBEDDED_DB_NAME}`;
  let connection: Connection;
  try {
    connection = await openConnection(uri);
  } catch (err) {
    await embedded.close();
    throw err;
  }
  logger.info({ uri, dataDir: config.dataDir }, 'database: embedded server');
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
    connection = await openConnection(uri);
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
