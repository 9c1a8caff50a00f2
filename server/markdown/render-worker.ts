import { parentPort } from 'node:worker_threads';
import { renderMarkdown } from './render';

/**
 * Worker side of server/markdown/bounded-renderer.ts: renders one source at a time.
 * Messages in: { id, source }. Messages out: { ready: true } once loaded, then
 * { id, html } or { id, error: { name, message } }.
 */
const WARM_UP =
  '# Title\n\nSome **bold**, *em*, `code`, ~~del~~ and a [link](https://example.com) <b>html</b> <title>\n\n' +
  '- one\n- two\n\n1. three\n\n> quote\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n```js\nlet a = 1;\n```\n\nline one\nline two\n';

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
// Warm up before taking work: the first render of a fresh worker compiles marked's and
// sanitize-html's code paths (tens of milliseconds), which must not count against the budget
// of a member's post, least of all right after a worker was replaced.
renderMarkdown(WARM_UP);
port.postMessage({ ready: true });
