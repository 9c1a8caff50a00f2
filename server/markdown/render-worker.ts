import { parentPort } from 'node:worker_threads';
import { renderMarkdown } from './render';

/**
 * Worker side of server/markdown/bounded-renderer.ts: renders one source at a time.
 * Messages in: { id, source }. Messages out: { ready: true } once loaded, then
 * { id, html } or { id, error: { name, message } }.
 */
const port = parentPort;
if (!port) throw new Error('render-worker.ts must run in a worker thread');
port.on('message', ({ id, source }: { id: number; source: string }) => {
  try {
    port.postMessage({ id, html: renderMarkdown(source) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ id, error: { name: e.name, message: e.message } });
  }
});
port.postMessage({ ready: true });
