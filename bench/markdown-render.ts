import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { renderMarkdown } from '../server/markdown/render';
import { SANITIZE_OPTIONS } from '../server/markdown/sanitize-policy';
import { SHAPES } from './markdown/shapes';

/**
 * Rendering cost per input shape (issue 18 item 3), before and after, in the same process.
 * "before" is renderer version 1 rebuilt here (marked with breaks: true, then the same
 * sanitizer); "after" is renderMarkdown. Each shape is rendered at 10,000 and 20,000 characters
 * (BODY_MAX); "x2" is time(20k) / time(10k): about 2 is linear, about 4 quadratic. Times are
 * the best of 3 runs. Prints numbers, asserts nothing.
 *
 *   npx tsx bench/markdown-render.ts [shape...]
 */
const v1 = new Marked({ gfm: true, breaks: true, async: false });
const before = (source: string) => sanitizeHtml(v1.parse(source, { async: false }), SANITIZE_OPTIONS).trim();

function best(render: (s: string) => string, source: string): number | string {
  let min = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    try {
      render(source);
    } catch (err) {
      return err instanceof RangeError ? 'stack overflow' : `error: ${(err as Error).message.slice(0, 30)}`;
    }
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const fmt = (t: number | string) => (typeof t === 'number' ? `${t.toFixed(1)} ms` : t).padStart(15);
const ratio = (a: number | string, b: number | string) =>
  (typeof a === 'number' && typeof b === 'number' && a > 0.5 ? (b / a).toFixed(1) : '-').padStart(5);

const only = process.argv.slice(2);
const rows: { name: string; before: number | string; after: number | string }[] = [];
console.log(
  `${'shape'.padEnd(24)} ${'before 10k'.padStart(15)} ${'before 20k'.padStart(15)}    x2 ${'after 10k'.padStart(15)} ${'after 20k'.padStart(15)}    x2`,
);
for (const [name, make] of Object.entries(SHAPES)) {
  if (only.length && !only.includes(name)) continue;
  const small = make(10_000);
  const large = make(20_000);
  const b10 = best(before, small);
  const b20 = best(before, large);
  const a10 = best(renderMarkdown, small);
  const a20 = best(renderMarkdown, large);
  rows.push({ name, before: b20, after: a20 });
  console.log(`${name.padEnd(24)} ${fmt(b10)} ${fmt(b20)} ${ratio(b10, b20)} ${fmt(a10)} ${fmt(a20)} ${ratio(a10, a20)}`);
}
const worst = (key: 'before' | 'after') =>
  [...rows]
    .sort(
      (x, y) => (typeof y[key] === 'string' ? Infinity : (y[key] as number)) - (typeof x[key] === 'string' ? Infinity : (x[key] as number)),
    )
    .slice(0, 5);
for (const key of ['before', 'after'] as const) {
  console.log(
    `\nworst 5 ${key} (20k): ${worst(key)
      .map((r) => `${r.name} ${fmt(r[key]).trim()}`)
      .join(', ')}`,
  );
}
