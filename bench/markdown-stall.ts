import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { createBoundedRenderer } from '../server/markdown/bounded-renderer';
import { renderMarkdown } from '../server/markdown/render';
import { SANITIZE_OPTIONS } from '../server/markdown/sanitize-policy';
import { SHAPES } from './markdown/shapes';

/**
 * How long the request thread stalls while ten previews of a slow input render at once
 * (issue 18 item 3: "ten at once stall every page for seconds"). A 1 ms interval timer stands
 * for the other requests; the longest gap between its ticks is the stall they would see.
 * Rows: renderer v1 in-process (before), renderMarkdown v2 in-process, v2 in the bounded
 * worker renderer (after). Prints numbers, asserts nothing.
 *
 *   npx tsx bench/markdown-stall.ts [shape]   (default: spaces, 'a' + 19,998 spaces + 'b')
 */
const v1 = new Marked({ gfm: true, breaks: true, async: false });
const before = (source: string) => sanitizeHtml(v1.parse(source, { async: false }), SANITIZE_OPTIONS);
const shape = process.argv[2] ?? 'spaces';
const source = SHAPES[shape]!(20_000);

async function measure(label: string, renderTen: () => Promise<unknown>): Promise<void> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  await renderTen();
  const total = performance.now() - t0;
  clearInterval(timer);
  console.log(`${label.padEnd(34)} 10 renders in ${total.toFixed(0).padStart(6)} ms, longest stall ${worst.toFixed(0).padStart(6)} ms`);
}

const inProcess = (render: (s: string) => string) => async () => {
  for (let i = 0; i < 10; i++) {
    render(source);
    await new Promise((r) => setImmediate(r)); // let the timer run between requests
  }
};

console.log(`shape ${shape}, ${source.length} characters`);
await measure('v1 in-process (before)', inProcess(before));
await measure('v2 in-process', inProcess(renderMarkdown));
const bounded = createBoundedRenderer({ timeoutMs: 5000 });
await bounded.render('warm up');
await measure('v2 bounded worker (after)', () => Promise.all(Array.from({ length: 10 }, () => bounded.render(source))));
await bounded.close();
