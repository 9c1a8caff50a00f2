import assert from 'node:assert/strict';
import { RateLimitedError } from '../../../server/kernel/errors';
import {
  MarkdownTooComplexError,
  createBoundedRenderer,
  inProcessRenderer,
  type MarkdownRenderer,
} from '../../../server/markdown/bounded-renderer';
import { renderMarkdown } from '../../../server/markdown/render';

// Real worker threads; each boots tsx and the renderer (about a second), so the tests share few.
describe('markdown/bounded-renderer: rendering off the request thread, with a time budget (issue 18 item 3)', () => {
  let renderer: MarkdownRenderer | undefined;
  afterEach(async () => {
    await renderer?.close();
    renderer = undefined;
  });

  const post = 'Hello **there**.\n\n- one\n- two\n\n<title> stays\n\n```js\nlet a = 1 < 2;\n```';
  // About 1.4 MB of ordinary Markdown: seconds of work, far past a 500 ms budget.
  const huge = 'Some **text** with a [link](https://x.example).\n\n'.repeat(30000);

  it('renders what renderMarkdown renders, concurrently, without blocking this thread', async () => {
    renderer = createBoundedRenderer({ timeoutMs: 20_000, workers: 2 });
    assert.equal(await renderer.render(post), renderMarkdown(post));
    assert.equal(await inProcessRenderer.render(post), renderMarkdown(post));
    const sources = Array.from({ length: 12 }, (_, i) => `post ${i}: *${'x'.repeat(i)}*`);
    assert.deepEqual(await Promise.all(sources.map((s) => renderer!.render(s))), sources.map(renderMarkdown));

    // While a worker renders a heavy post, this thread keeps running timers.
    let ticks = 0;
    const interval = setInterval(() => ticks++, 1);
    try {
      await renderer.render('a_b_'.repeat(5000) + '\n\n' + 'Some **text** and a [link](https://x.example).\n\n'.repeat(2000));
    } finally {
      clearInterval(interval);
    }
    assert.ok(ticks >= 2, `only ${ticks} timer ticks during the render`);
  });

  it('past the budget: a 400 naming the field; the worker is replaced and serves the queue', async () => {
    renderer = createBoundedRenderer({ timeoutMs: 500 });
    await renderer.render('warm up'); // the budget starts when a worker takes the render, not at boot
    const slow = renderer.render(huge, { field: 'signature', label: 'Signature' });
    const queued = renderer.render('queued behind it');
    await assert.rejects(
      slow,
      (err: unknown) =>
        err instanceof MarkdownTooComplexError &&
        err.status === 400 &&
        /^Signature: this text is too complex/.test(err.fields.signature ?? ''),
    );
    assert.equal(await queued, '<p>queued behind it</p>');
  });

  it('refuses with 429 when too many renders are waiting', async () => {
    renderer = createBoundedRenderer({ timeoutMs: 20_000, maxQueue: 2 });
    const accepted = [renderer.render('a'), renderer.render('b')];
    await assert.rejects(renderer.render('c'), (err: unknown) => err instanceof RateLimitedError && err.status === 429);
    assert.deepEqual(await Promise.all(accepted), ['<p>a</p>', '<p>b</p>']);
  });

  it('after close, renders are refused with 503', async () => {
    renderer = createBoundedRenderer();
    await renderer.close();
    await assert.rejects(renderer.render('x'), (err: unknown) => (err as { status?: number }).status === 503);
  });
});
