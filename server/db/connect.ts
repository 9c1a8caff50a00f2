import mongoose from 'mongoose';
import type { Config } from '../config';
import { createLogger, type Logger } from '../logger';
import { processAlive, readAddressFile } from './embedded';
import { startEmbeddedServer, type EmbeddedServer } from './embedded';

/** The forum's database name on the embedded server. */
export const EMBEDDED_DB_NAME = 'forum';

export interface DatabaseConnection {
  uri: string;
  kind: 'external' | 'embedded' | 'embedded-shared';
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

/** A URI fit for a log line: credentials removed. */
function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

async function tryConnect(uri: string, timeoutMs?: number): Promise<boolean> {
  try {
    await mongoose.connect(uri, timeoutMs ? { serverSelectionTimeoutMS: timeoutMs } : {});
    await mongoose.connection.db!.admin().ping();
    return true;
  } catch {
    await mongoose.disconnect().catch(() => undefined);
    return false;
  }
}

/**
 * Connects mongoose's default connection. MONGODB_URI wins; otherwise an embedded server
 * already running on the same data directory (another forum process, `npm run db`) is
 * shared; otherwise this process starts its own embedded server on loopback.
 */
export async function connectDatabase(config: Config, logger: Logger): Promise<DatabaseConnection> {
  if (config.MONGODB_URI) {
    await mongoose.connect(config.MONGODB_URI);
    logger.info({ uri: redactUri(config.MONGODB_URI) }, 'database: external MongoDB');
    return { uri: config.MONGODB_URI, kind: 'external', close: () => mongoose.disconnect() };
  }

  const running = readAddressFile(config.dataDir);
  if (running && running.pid !== process.pid && processAlive(running.pid)) {
    const uri = `${running.uri}/${EMBEDDED_DB_NAME}`;
    if (await tryConnect(uri, 2000)) {
      logger.info({ uri, dataDir: config.dataDir, ownerPid: running.pid }, 'database: shared embedded server of another process');
      return { uri, kind: 'embedded-shared', close: () => mongoose.disconnect() };
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
  try {
    await mongoose.connect(uri);
  } catch (err) {
    await embedded.close();
    throw err;
  }
  logger.info({ uri, dataDir: config.dataDir }, 'database: embedded server');
  return {
    uri,
    kind: 'embedded',
    embedded,
    async close() {
      await mongoose.disconnect();
      await embedded.close();
    },
  };
}

let testDatabases = 0;

/**
 * For tests: a fresh in-memory embedded server with mongoose's default connection on a
 * database name of its own. close() disconnects mongoose and stops the server.
 */
export async function startTestDatabase(): Promise<{ uri: string; close(): Promise<void> }> {
  const embedded = await startEmbeddedServer({ dataDir: null, logger: createLogger('silent') });
  const uri = `${embedded.uri}/test_${process.pid}_${++testDatabases}`;
  try {
    await mongoose.connect(uri);
  } catch (err) {
    await embedded.close();
    throw err;
  }
  return {
    uri,
    async close() {
      await mongoose.disconnect();
      await embedded.close();
    },
  };
}
