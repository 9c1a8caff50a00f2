/**
 * Entry point: config -> database -> services (server/compose.ts) -> listen. The only file
 * with side effects at import time. Graceful shutdown: stop accepting connections, let
 * in-flight requests and running jobs finish, flush buffered counters, close the database.
 */
import type { Server } from 'node:http';
import { loadConfig } from './config';
import { createLogger } from './kernel/logger';
import { systemClock } from './kernel/clock';
import { connectDatabase } from './db/connect';
import { createServices } from './compose';
import { createApp } from './app';
import { Readiness } from './http/health';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const readiness = new Readiness('starting');
  const db = await connectDatabase(config, logger);
  const services = createServices({ config, clock: systemClock, logger, db: db.connection });
  await services.start();

  const app = createApp(services, { readiness });
  const server: Server = app.listen(config.PORT, config.HOST, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    // Tests and supervisors read the port from this line (PORT=0 picks a free one).
    logger.info({ url: `http://${config.HOST}:${port}/`, port, pid: process.pid, database: db.kind }, 'forum listening');
    readiness.markReady();
  });
  server.keepAliveTimeout = 65_000;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainMs: config.SHUTDOWN_DRAIN_MS }, 'shutting down');
    // /readyz now answers 503 and responses carry "Connection: close".
    readiness.markDraining();
    const force = setTimeout(() => process.exit(1), 15_000 + config.SHUTDOWN_DRAIN_MS);
    force.unref();
    if (config.SHUTDOWN_DRAIN_MS) await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DRAIN_MS));
    // Stop accepting connections; in-flight requests finish, idle keep-alive sockets close.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections?.();
    await closed;
    await services.stop();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
