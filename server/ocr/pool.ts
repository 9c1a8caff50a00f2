import { availableParallelism } from 'node:os';
import type { Logger } from '../kernel/logger';
import type { OcrEngine, OcrEngineWorker, OcrPage } from './engine';
import { OcrError } from './errors';
import { createTesseractEngine } from './tesseract';

export interface OcrPoolOptions {
  /**
   * Most workers (threads) at once. Default: the cores minus one, at least one, so a
   * burst of screenshots leaves a core to serve pages (bench/ocr.ts measures 1 and 2 on
   * two cores).
   */
  size?: number;
  /**
   * Most jobs waiting while every worker (started or not yet) is busy; one more is refused
   * with ocr_busy. Default 20.
   */
  queueLimit?: number;
  /**
   * Milliseconds one recognition may run on its worker (waiting in the queue not counted).
   * A job over budget is rejected with ocr_timeout and its worker is stopped (a recognition
   * cannot be interrupted otherwise); the next job starts a fresh one. Default 15000.
   */
  jobTimeoutMs?: number;
  /** Milliseconds a worker may take to start (load the model) before it counts as failed. Default 30000. */
  startTimeoutMs?: number;
  /** Default: Tesseract with the installed English model. */
  engine?: OcrEngine;
  logger?: Logger;
}

export interface OcrResult extends OcrPage {
  /** Milliseconds the recognition ran on its worker. */
  ms: number;
}

export interface OcrPoolStats {
  workers: number;
  starting: number;
  running: number;
  queued: number;
  completed: number;
  failed: number;
  timedOut: number;
}

export interface OcrPool {
  /**
   * Recognises the text of an image (PNG, JPEG, WebP or GIF bytes; OCR the stored,
   * normalised image so boxes are in its pixels). Resolves with the words and their boxes;
   * rejects with OcrError ocr_busy, ocr_timeout, ocr_failed, ocr_unavailable or ocr_closed.
   */
  recognize(image: Uint8Array): Promise<OcrResult>;
  stats(): OcrPoolStats;
  /** Rejects waiting and running jobs with ocr_closed and stops every worker. Idempotent. */
  close(): Promise<void>;
}

const START_RETRY_MS = 5_000;

interface Job {
  image: Uint8Array;
  resolve(result: OcrResult): void;
  reject(err: OcrError): void;
}

interface Slot {
  worker: OcrEngineWorker;
  job: Job | null;
  timer?: NodeJS.Timeout;
}

/**
 * A pool of OCR workers, each a worker thread (createTesseractEngine), so recognition never
 * runs on the event loop: the main thread only passes the image bytes and parses the TSV.
 * Concurrency is bounded by `size`, waiting by `queueLimit`, each job by `jobTimeoutMs`.
 *
 * Lazy: no worker starts before the first recognize(), so a process that never OCRs never
 * loads the model (~3 MB of data, tens of MB of memory per worker); workers start on demand
 * up to `size` and then stay, idle, until close(). The owner (the composition root) closes
 * the pool on shutdown; nothing here is module state.
 */
export function createOcrPool(options: OcrPoolOptions = {}): OcrPool {
  const size = Math.max(1, Math.floor(options.size ?? availableParallelism() - 1));
  const queueLimit = Math.max(0, options.queueLimit ?? 20);
  const jobTimeoutMs = options.jobTimeoutMs ?? 15_000;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const logger = options.logger;
  let engine = options.engine;

  const slots = new Set<Slot>();
  const queue: Job[] = [];
  const stopping = new Set<Promise<void>>();
  const starting = new Set<Promise<void>>();
  // After a worker fails to start, no other start is tried for a while (no hot retry loop).
  let retryStartAt = 0;
  let closed = false;
  const counts = { completed: 0, failed: 0, timedOut: 0 };

  function stop(slot: Slot): void {
    slots.delete(slot);
    clearTimeout(slot.timer);
    const done = slot.worker.terminate().catch((err: unknown) => logger?.warn({ err }, 'ocr worker did not stop cleanly'));
    stopping.add(done);
    void done.finally(() => stopping.delete(done));
  }

  function finish(slot: Slot): Job | null {
    const job = slot.job;
    clearTimeout(slot.timer);
    slot.job = null;
    return job;
  }

  function run(slot: Slot, job: Job): void {
    slot.job = job;
    const started = performance.now();
    slot.timer = setTimeout(() => {
      if (slot.job !== job) return;
      finish(slot);
      counts.timedOut++;
      logger?.warn({ jobTimeoutMs }, 'ocr job over its time budget; stopping its worker');
      job.reject(new OcrError('ocr_timeout', 'Reading the text of this image took too long.', { jobTimeoutMs }));
      stop(slot);
      pump();
    }, jobTimeoutMs);
    slot.worker.recognize(job.image).then(
      (page) => {
        if (slot.job !== job) return;
        finish(slot);
        counts.completed++;
        job.resolve({ ...page, ms: performance.now() - started });
        pump();
      },
      (err: unknown) => {
        if (slot.job !== job) return;
        finish(slot);
        counts.failed++;
        logger?.warn({ err }, 'ocr could not read an image');
        job.reject(new OcrError('ocr_failed', 'The text of this image could not be read.'));
        pump();
      },
    );
  }

  async function startWorker(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      engine ??= createTesseractEngine();
      const started = engine.start();
      const budget = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`no worker after ${startTimeoutMs} ms`));
          // Should it arrive after all, nobody would use or stop it.
          started.then((late) => late.terminate()).catch(() => {});
        }, startTimeoutMs);
      });
      const worker = await Promise.race([started, budget]);
      if (closed) {
        await worker.terminate();
        return;
      }
      const slot: Slot = { worker, job: null };
      slots.add(slot);
      worker.onExit(() => {
        if (!slots.has(slot)) return;
        slots.delete(slot);
        const job = finish(slot);
        logger?.error('ocr worker stopped by itself');
        if (job) {
          counts.failed++;
          job.reject(new OcrError('ocr_failed', 'The text of this image could not be read.'));
        }
        pump();
      });
    } catch (err) {
      logger?.error({ err }, 'ocr worker could not start');
      retryStartAt = performance.now() + START_RETRY_MS;
    } finally {
      clearTimeout(timer);
    }
  }

  function spawn(): void {
    const p = startWorker().finally(() => {
      starting.delete(p);
      // A start failed and no worker is left to serve the queue: nobody ever would.
      if (slots.size === 0 && starting.size === 0 && performance.now() < retryStartAt) {
        for (const job of queue.splice(0)) job.reject(new OcrError('ocr_unavailable', 'Text recognition is not available right now.'));
      }
      pump();
    });
    starting.add(p);
  }

  function pump(): void {
    if (closed) return;
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.job) run(slot, queue.shift()!);
    }
    // Queued jobs beyond the workers being started: start more, up to size.
    if (performance.now() < retryStartAt) return;
    const short = Math.min(queue.length - starting.size, size - slots.size - starting.size);
    for (let i = 0; i < short; i++) spawn();
  }

  return {
    recognize(image) {
      if (!(image instanceof Uint8Array) || image.length === 0) {
        return Promise.reject(new OcrError('ocr_failed', 'There is no image to read.'));
      }
      if (closed) return Promise.reject(new OcrError('ocr_closed', 'Text recognition has stopped.'));
      if (slots.size === 0 && starting.size === 0 && performance.now() < retryStartAt) {
        return Promise.reject(new OcrError('ocr_unavailable', 'Text recognition is not available right now.'));
      }
      const running = [...slots].filter((s) => s.job).length;
      if (queue.length >= queueLimit + size - running) {
        return Promise.reject(new OcrError('ocr_busy', 'Too many images are waiting to be read; try again shortly.', { queueLimit }));
      }
      return new Promise<OcrResult>((resolve, reject) => {
        queue.push({ image, resolve, reject });
        pump();
      });
    },

    stats() {
      const running = [...slots].filter((s) => s.job).length;
      return { workers: slots.size, starting: starting.size, running, queued: queue.length, ...counts };
    },

    async close() {
      if (!closed) {
        closed = true;
        const err = () => new OcrError('ocr_closed', 'Text recognition has stopped.');
        for (const job of queue.splice(0)) job.reject(err());
        for (const slot of [...slots]) {
          finish(slot)?.reject(err());
          stop(slot);
        }
      }
      // Workers still starting stop as soon as they are up (startWorker checks `closed`).
      while (starting.size > 0 || stopping.size > 0) await Promise.all([...starting, ...stopping]);
    },
  };
}
