/**
 * The embedded server in a worker thread of its own (node:worker_threads), so that the
 * database's work (SQLite reads and writes, query execution, the wire protocol's encoding)
 * never holds the forum's event loop, and uses the machine's second core while the forum
 * renders pages on the first. The forum still talks to it through the driver, over the
 * same socket address as an in-process server: nothing else changes.
 *
 * The worker runs server/db/embedded/thread-worker.ts. Messages (structured clone):
 *   worker → parent: { type: 'ready', uri, host, port, dataDir }
 *                    { type: 'failed', error: { name, message, dataDir?, pid?, uri? } }
 *                    { type: 'closed' }
 *   parent → worker: { type: 'close' }
 * A DataDirInUseError raised in the worker is raised again as one here, so callers
 * (server/db/connect.ts) handle the directory being taken exactly as in-process.
 */
import { Worker } from 'node:worker_threads';
import { DataDirInUseError } from './datadir-lock';
import type { StartEmbeddedServerOptions } from './server';

/** What the forum needs of an embedded server running in its worker thread. */
export interface EmbeddedServerThread {
  uri: string;
  host: string;
  port: number;
  dataDir: string | null;
  /** Stops the server (closes its connections, flushes writes, releases the data directory's lock) and ends the worker. */
  close(): Promise<void>;
}

/** The worker's options: the in-process server's, less what cannot cross a thread (a logger object, an engine). */
export type EmbeddedServerThreadOptions = Omit<StartEmbeddedServerOptions, 'logger' | 'engine'> & {
  /** pino level of the worker's own logger (the forum's LOG_LEVEL). */
  logLevel: string;
  /**
   * Called once if the worker ends without being asked to (an uncaught error, out of memory):
   * the database is gone and the forum's requests get 503 until something starts it again.
   */
  onExit?: (reason: string) => void;
};

/** Messages the worker sends (see the file's docstring). */
export type WorkerReport =
  | { type: 'ready'; uri: string; host: string; port: number; dataDir: string | null }
  | { type: 'failed'; error: { name: string; message: string; dataDir?: string; pid?: number; uri?: string } }
  | { type: 'closed' };

/**
 * The worker's entry next to this file: thread-worker.js in build/; from the sources (`npm run
 * dev`, the tests) thread-worker-boot.mjs, which loads thread-worker.ts through tsx.
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('./thread-worker-boot.mjs', import.meta.url)
  : new URL('./thread-worker.js', import.meta.url);

function errorFrom(report: Extract<WorkerReport, { type: 'failed' }>['error']): Error {
  if (report.name === 'DataDirInUseError') return new DataDirInUseError(report.dataDir ?? '', report.pid, report.uri);
  const err = new Error(report.message);
  err.name = report.name;
  return err;
}

/**
 * Starts the embedded server in a new worker thread and resolves when it listens.
 * Rejects with the worker's start-up error (DataDirInUseError when another process owns
 * the directory; the engine's errors for a damaged one), after the worker has ended.
 */
export function startEmbeddedServerThread(opts: EmbeddedServerThreadOptions): Promise<EmbeddedServerThread> {
  const { onExit, logLevel, ...serverOptions } = opts;
  const worker = new Worker(WORKER_URL, { workerData: { serverOptions, logLevel } });
  let closing: Promise<void> | undefined;
  let started = false;
  return new Promise((resolve, reject) => {
    const exited = new Promise<number>((done) => worker.once('exit', done));
    worker.once('error', (err) => {
      if (!started) reject(err);
    });
    let failure: Error | undefined;
    void exited.then((code) => {
      if (!started) reject(failure ?? new Error(`the embedded database thread ended before it was ready (exit code ${code})`));
      else if (!closing) onExit?.(`the embedded database thread ended unexpectedly (exit code ${code})`);
    });
    worker.on('message', (report: WorkerReport) => {
      if (report.type === 'failed') {
        failure = errorFrom(report.error); // raised once the thread has ended
      } else if (report.type === 'ready') {
        started = true;
        resolve({
          uri: report.uri,
          host: report.host,
          port: report.port,
          dataDir: report.dataDir,
          close() {
            closing ??= (async () => {
              worker.postMessage({ type: 'close' });
              await exited;
            })();
            return closing;
          },
        });
      }
    });
  });
}
