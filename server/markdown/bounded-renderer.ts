import { Worker } from 'node:worker_threads';
import { AppError, RateLimitedError, ValidationError } from '../kernel/errors';
import { MarkdownRenderError, renderMarkdown } from './render';

/**
 * Markdown rendering with a bounded cost for request paths (issue 18 item 3): posts, edits,
 * previews, messages and signatures. renderMarkdown runs in worker threads, so a slow input
 * never holds the thread that serves every other request, and each render has a time budget:
 * past it the worker is terminated (and replaced) and the caller gets a 400 naming the field.
 *
 * The limits in server/markdown/limits.ts keep the known slow shapes fast (bench/markdown-
 * render.ts: the worst 20,000-character input renders in well under a second); the budget is
 * for the shapes nobody has found yet.
 *
 * Shapes: `render(source, field?)` resolves to the same HTML renderMarkdown returns.
 * Errors: MarkdownTooComplexError (400, `fields[field]`) when the budget runs out or marked
 * fails; RateLimitedError (429, retry after 1 s) when `maxQueue` renders are already waiting.
 * Units: milliseconds. Call `close()` on shutdown (workers are unref'd, so they never hold the
 * process open on their own).
 */
export interface MarkdownRenderer {
  render(source: string, field?: RenderField): Promise<string>;
  close(): Promise<void>;
}

/** Which form field the source came from, for the error message. */
export interface RenderField {
  field: string;
  label: string;
}

export interface BoundedRendererOptions {
  /** Budget for one render, from the moment a worker starts it. Default 1000 ms. */
  timeoutMs?: number;
  /** Worker threads. Default 1: rendering is rare next to reading, and the host has 2 cores. */
  workers?: number;
  /** Renders that may wait for a worker before new ones are refused. Default 32. */
  maxQueue?: number;
}

export class MarkdownTooComplexError extends ValidationError {
  constructor({ field, label }: RenderField = BODY) {
    const message = `${label}: this text is too complex to format. Simplify deeply nested quotes, lists, emphasis or links and try again.`;
    super(message, { [field]: message });
  }
}

const BODY: RenderField = { field: 'body', label: 'Body' };

interface Job {
  source: string;
  field: RenderField;
  resolve: (html: string) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: (Job & { id: number; timer: NodeJS.Timeout }) | null;
}

// From the TypeScript sources: a .mjs entry that loads the worker through tsx (see
// render-worker-boot.mjs). From the compiled build (scripts/build.mjs): the worker's own .js.
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('./render-worker-boot.mjs', import.meta.url)
  : new URL('./render-worker.js', import.meta.url);

export function createBoundedRenderer(options: BoundedRendererOptions = {}): MarkdownRenderer {
  const timeoutMs = options.timeoutMs ?? 1000;
  const size = Math.max(1, options.workers ?? 1);
  const maxQueue = options.maxQueue ?? 32;
  const queue: Job[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    const slot: Slot = { worker, ready: false, job: null };
    worker.on('message', (msg: { ready?: boolean; id?: number; html?: string; error?: { name: string; message: string } }) => {
      if (msg.ready) {
        slot.ready = true;
      } else if (slot.job && msg.id === slot.job.id) {
        const job = slot.job;
        clearTimeout(job.timer);
        slot.job = null;
        if (msg.error) {
          job.reject(
            msg.error.name === MarkdownRenderError.name || msg.error.name === 'ValidationError'
              ? new MarkdownTooComplexError(job.field)
              : new Error(msg.error.message),
          );
        } else {
          job.resolve(msg.html ?? '');
        }
      }
      pump();
    });
    worker.on('error', (err) => replace(slot, err));
    worker.on('exit', () => {
      if (!closed && slots.includes(slot)) replace(slot, new Error('markdown worker exited'));
    });
    return slot;
  }

  function replace(slot: Slot, err: Error): void {
    const i = slots.indexOf(slot);
    if (i === -1) return;
    slots.splice(i, 1);
    if (slot.job) {
      clearTimeout(slot.job.timer);
      slot.job.reject(err);
      slot.job = null;
    }
    void slot.worker.terminate();
    if (!closed) slots.push(spawn());
    pump();
  }

  function pump(): void {
    for (const slot of slots) {
      if (!slot.ready || slot.job || queue.length === 0) continue;
      const job = queue.shift()!;
      const id = nextId++;
      const timer = setTimeout(() => replace(slot, new MarkdownTooComplexError(job.field)), timeoutMs);
      slot.job = { ...job, id, timer };
      slot.worker.postMessage({ id, source: job.source });
    }
  }

  return {
    render(source, field = BODY) {
      if (closed) return Promise.reject(new AppError(503, 'unavailable', 'The server is shutting down.'));
      if (slots.length === 0) for (let i = 0; i < size; i++) slots.push(spawn());
      if (queue.length >= maxQueue) {
        return Promise.reject(new RateLimitedError(1, 'The server is busy formatting other posts. Please try again in a moment.'));
      }
      return new Promise<string>((resolve, reject) => {
        queue.push({ source, field, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new AppError(503, 'unavailable', 'The server is shutting down.'));
      await Promise.all(
        slots.splice(0).map((slot) => {
          if (slot.job) {
            clearTimeout(slot.job.timer);
            slot.job.reject(new AppError(503, 'unavailable', 'The server is shutting down.'));
          }
          return slot.worker.terminate();
        }),
      );
    },
  };
}

/**
 * The same interface without a worker or a budget (MARKDOWN_WORKERS=0, tests, scripts): the
 * render runs in the caller's thread. Errors are the bounded renderer's: marked failing on an
 * input is a MarkdownTooComplexError naming the field.
 */
export const inProcessRenderer: MarkdownRenderer = {
  async render(source, field = BODY) {
    try {
      return renderMarkdown(source);
    } catch (err) {
      if (err instanceof MarkdownRenderError) throw new MarkdownTooComplexError(field);
      throw err;
    }
  },
  async close() {},
};

/**
 * The renderer for one app (server/compose.ts): `workers` worker threads with a `timeoutMs`
 * budget per render, or, with `workers: 0`, the in-process renderer (no budget).
 */
export function createRenderer(options: { workers: number; timeoutMs: number }): MarkdownRenderer {
  return options.workers > 0 ? createBoundedRenderer(options) : inProcessRenderer;
}
