/**
 * Entry point: config -> database -> services (server/compose.ts) -> listen -> jobs. The only
 * file with side effects at import time. `npm start` runs its compiled form with plain node
 * (build/server/main.js, scripts/build.mjs), so this process receives signals itself.
 *
 * Start-up order matters: the port is bound before any job runs, and a port that cannot be
 * bound (in use, not permitted) stops the process with exit code 1 and a message saying so.
 * "forum listening" is logged, and /readyz turns ready, only once everything runs.
 *
 * Graceful shutdown on SIGTERM or SIGINT, whoever sends it (systemd, docker's init, npm
 * forwarding it): /readyz answers "draining" for SHUTDOWN_DRAIN_MS, the listener closes,
 * in-flight requests and running jobs finish, buffered counters are written, the database
 * closes (an embedded server releases its data directory). A second signal, or 15 s more than
 * the drain, ends the process at once with exit code 1.
 */
import type { Server } from 'node:http';
import { loadConfig, type Config } from './config';
import { createLogger, type Logger } from './kernel/logger';
import { systemClock } from './kernel/clock';
import { connectDatabase, type DatabaseConnection } from './db/connect';
import { createServices, type Services } from './compose';
import { createApp } from './app';
import { Readiness } from './http/health';

/** Exit codes: 0 stopped cleanly; 1 could not start, or stopped by a fault. */
const EXIT_FAILURE = 1;
/** A repeat of a stop signal within this long (ms) is the same signal delivered twice (see stop). */
const DUPLICATE_SIGNAL_MS = 1000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(EXIT_FAILURE);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const readiness = new Readiness('starting');
  let server: Server | null = null;
  let db: DatabaseConnection | null = null;
  let services: Services | null = null;
  let stopping: Promise<void> | null = null;

  let failing = false;
  /** Start-up failed: say why (log line and stderr), let go of the database, exit 1. */
  const fail = async (message: string, extra: Record<string, unknown> = {}): Promise<never> => {
    failing = true;
    logger.fatal(extra, message);
    console.error(message);
    await services?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    process.exit(EXIT_FAILURE);
  };

  let firstSignalAt = 0;
  const stop = (reason: string, code = 0): Promise<void> => {
    const signal = reason === 'SIGTERM' || reason === 'SIGINT';
    if (stopping) {
      // A second signal: the operator does not want to wait. The same signal within
      // DUPLICATE_SIGNAL_MS is one signal delivered twice: Ctrl-C (or a signal to the process
      // group, as systemd sends) reaches this process directly and again through npm, which
      // forwards what it receives to `npm start`'s child.
      if (signal && Date.now() - firstSignalAt > DUPLICATE_SIGNAL_MS) process.exit(EXIT_FAILURE);
      return stopping;
    }
    if (signal) firstSignalAt = Date.now();
    stopping = (async () => {
      logger.info({ signal: reason, drainMs: config.SHUTDOWN_DRAIN_MS }, 'shutting down');
      // /readyz now answers 503 and responses carry "Connection: close".
      readiness.markDraining();
      const force = setTimeout(() => {
        logger.error('graceful shutdown took too long; exiting');
        process.exit(EXIT_FAILURE);
      }, 15_000 + config.SHUTDOWN_DRAIN_MS);
      force.unref();
      if (server && config.SHUTDOWN_DRAIN_MS) await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DRAIN_MS));
      if (server?.listening) {
        // Stop accepting connections; in-flight requests finish, idle keep-alive sockets close.
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
      }
      await services?.stop();
      await db?.close();
      logger.info('stopped');
      process.exit(code);
    })();
    return stopping;
  };
  // Installed before anything starts, so a signal during start-up also stops cleanly.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // A bug nobody awaited: logged as a structured line, then the process ends (Node's default).
  process.on('unhandledRejection', (err) => {
    // Work cut short by closing the database on the way out is expected then.
    if (failing || stopping) return void logger.debug({ err }, 'promise rejected while stopping');
    logger.fatal({ err }, 'unhandled promise rejection');
    process.exit(EXIT_FAILURE);
  });

  try {
    db = await connectDatabase(config, logger, { onLost: (message) => void stop(message, EXIT_FAILURE) });
  } catch (err) {
    return fail(`Cannot start: ${(err as Error).message}`, { err });
  }
  if (stopping) return;
  services = createServices({ config, clock: systemClock, logger, db: db.connection });
  try {
    // A missing or malformed secrets key stops the start here, not on the first secure field.
    await services.messages.checkSecretsKey();
    await services.start({ jobs: false });
  } catch (err) {
    return fail(`Cannot start: ${(err as Error).message}`, { err });
  }
  if (stopping) return;

  const app = createApp(services, { readiness });
  try {
    server = await listen(app, config, logger);
  } catch (err) {
    return fail(listenErrorMessage(err as NodeJS.ErrnoException, config), { err });
  }
  if (stopping) return;
  if (config.JOBS_ENABLED) await services.jobs.start();

  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  // Tests and supervisors read the port from this line (PORT=0 picks a free one).
  logger.info({ url: `http://${config.HOST}:${port}/`, port, pid: process.pid, database: db.kind }, 'forum listening');
  readiness.markReady();
}

/** Binds the port; rejects with the listen error (EADDRINUSE, EACCES...) instead of ignoring it. */
function listen(app: ReturnType<typeof createApp>, config: Config, logger: Logger): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(config.PORT, config.HOST);
    server.keepAliveTimeout = 65_000;
    // Slow clients: the whole request must arrive in time (Node's own limits, tightened).
    server.headersTimeout = 20_000;
    server.requestTimeout = 60_000;
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      server.on('error', (err) => logger.error({ err }, 'http server error'));
      resolve(server);
    });
  });
}

function listenErrorMessage(err: NodeJS.ErrnoException, config: Config): string {
  const where = `${config.HOST}:${config.PORT}`;
  if (err.code === 'EADDRINUSE') return `Cannot start: ${where} is already in use by another program. Stop it, or set PORT to a free port.`;
  if (err.code === 'EACCES')
    return `Cannot start: not permitted to listen on ${where} (ports below 1024 need privileges). Set PORT to 1024 or above.`;
  if (err.code === 'EADDRNOTAVAIL') return `Cannot start: HOST ${config.HOST} is not an address of this machine.`;
  return `Cannot start: listening on ${where} failed: ${err.message}`;
}

main().catch((err) => {
  console.error(err);
  process.exit(EXIT_FAILURE);
});
