/**
 * Entry point: config -> database -> jobs -> listen. The only file with side effects
 * at import time. Graceful shutdown: stop jobs, stop accepting connections, let
 * in-flight requests finish, flush buffered counters, close the database.
 */
import mongoose from 'mongoose';
import type { Server } from 'node:http';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { systemClock } from './clock';
import { connectDatabase } from './db/connect';
import { createApp } from './app';
import { startup, shutdownHooks } from './startup';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const clock = systemClock;
  const db = await connectDatabase(config, logger);
  await Promise.all(mongoose.modelNames().map((name) => mongoose.model(name).init()));
  const jobs = await startup({ config, logger, clock });

  const app = createApp({ config, logger, clock });
  const server: Server = app.listen(config.PORT, config.HOST, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    logger.info({ url: `http://${config.HOST}:${port}/`, database: db.kind }, 'forum listening');
  });
  server.keepAliveTimeout = 65_000;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    jobs.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections?.();
    for (const hook of shutdownHooks) await hook().catch((err) => logger.error({ err }, 'shutdown hook failed'));
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
