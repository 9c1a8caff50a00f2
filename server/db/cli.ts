/**
 * `npm run db -- [--port 27017] [--dbpath ./data] [--host 127.0.0.1] [--maxConns 1000]`: runs
 * the embedded database server alone (for mongosh, Compass or several forum processes),
 * prints its address and stops cleanly on SIGINT/SIGTERM. `--maxConns` is mongod's flag
 * for the most connections served at once.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createLogger } from '../kernel/logger';
import { startEmbeddedServer } from './embedded';

const USAGE = 'usage: npm run db -- [--port <n>] [--dbpath <dir>] [--host <address>] [--maxConns <n>]';

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '27017' },
        dbpath: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        maxConns: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid --port '${values.port}'\n${USAGE}`);
    process.exit(2);
  }
  const maxConnections = values.maxConns === undefined ? undefined : Number(values.maxConns);
  if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections < 1)) {
    console.error(`invalid --maxConns '${values.maxConns}'\n${USAGE}`);
    process.exit(2);
  }
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const host = values.host;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    logger.warn({ host }, 'the embedded server has no authentication: anyone who can reach this address can read and write every database');
  }
  const server = await startEmbeddedServer({
    host,
    port,
    dataDir: values.dbpath ?? config.dataDir,
    cacheMB: config.EMBEDDED_CACHE_MB,
    logger,
    maxConnections,
  });
  console.log(server.uri);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
