/**
 * Entry of the embedded server's worker thread (started by server/db/embedded/thread.ts,
 * whose docstring lists the messages). It starts the server, reports its address, and on
 * `close` stops it and lets the thread end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../kernel/logger';
import { DataDirInUseError } from './datadir-lock';
import { startEmbeddedServer, type StartEmbeddedServerOptions } from './server';
import type { WorkerReport } from './thread';

const port = parentPort!;
const { serverOptions, logLevel } = workerData as { serverOptions: StartEmbeddedServerOptions; logLevel: string };
const send = (report: WorkerReport) => port.postMessage(report);

try {
  const server = await startEmbeddedServer({ ...serverOptions, logger: createLogger(logLevel) });
  port.on('message', (msg: { type: string }) => {
    if (msg.type !== 'close') return;
    void server.close().finally(() => {
      send({ type: 'closed' });
      port.close();
    });
  });
  send({ type: 'ready', uri: server.uri, host: server.host, port: server.port, dataDir: server.dataDir });
} catch (err) {
  const e = err as Error;
  send({
    type: 'failed',
    error:
      e instanceof DataDirInUseError
        ? { name: e.name, message: e.message, dataDir: e.dataDir, pid: e.pid, uri: e.uri }
        : { name: e.name, message: e.message },
  });
  port.close();
}
