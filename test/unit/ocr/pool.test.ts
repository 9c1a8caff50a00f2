import assert from 'node:assert/strict';
import { OcrError, createOcrPool, type OcrEngine, type OcrEngineWorker, type OcrPage } from '../../../server/ocr';

/**
 * The pool's scheduling (limits, budgets, failures, closing) against an engine whose workers
 * answer when the test says so. The real engine is exercised in ocr.test.ts.
 */
class ControlledWorker implements OcrEngineWorker {
  jobs: { image: Uint8Array; resolve(page: OcrPage): void; reject(err: Error): void }[] = [];
  terminated = false;
  exit?: () => void;
  recognize(image: Uint8Array): Promise<OcrPage> {
    return new Promise((resolve, reject) => this.jobs.push({ image, resolve, reject }));
  }
  async terminate(): Promise<void> {
    this.terminated = true;
  }
  onExit(listener: () => void): void {
    this.exit = listener;
  }
  /** Answers the oldest job with a page naming its first byte. */
  answer(): void {
    const job = this.jobs.shift()!;
    job.resolve({
      width: 10,
      height: 10,
      words: [{ text: `image${job.image[0]}`, confidence: 90, box: { x: 0, y: 0, w: 5, h: 5 }, block: 1, paragraph: 1, line: 1 }],
    });
  }
}

class ControlledEngine implements OcrEngine {
  workers: ControlledWorker[] = [];
  failStarts = false;
  async start(): Promise<OcrEngineWorker> {
    if (this.failStarts) throw new Error('no language data');
    const w = new ControlledWorker();
    this.workers.push(w);
    return w;
  }
}

/** Lets pending promise callbacks and the pool's reactions run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));
const image = (n: number) => new Uint8Array([n, 1, 2, 3]);

async function rejection(promise: Promise<unknown>): Promise<OcrError> {
  const err = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof OcrError, String(err));
  return err;
}

describe('ocr/createOcrPool (scheduling)', () => {
  it('starts no worker before the first recognition', async () => {
    const engine = new ControlledEngine();
    const pool = createOcrPool({ engine, size: 2 });
    await settle();
    assert.equal(engine.workers.length, 0);
    assert.equal(pool.stats().workers, 0);
    const job = pool.recognize(image(1));
    await settle();
    assert.equal(engine.workers.length, 1);
    engine.workers[0]!.answer();
    const result = await job;
    assert.equal(result.words[0]!.text, 'image1');
    assert.ok(result.ms >= 0);
    await pool.close();
  });

  it('runs at most `size` recognitions at once and queues the rest in order', async () => {
    const engine = new ControlledEngine();
    const pool = createOcrPool({ engine, size: 2 });
    const jobs = [1, 2, 3, 4, 5].map((n) => pool.recognize(image(n)));
    await settle();
    assert.equal(engine.workers.length, 2);
    assert.deepEqual(pool.stats(), { workers: 2, starting: 0, running: 2, queued: 3, completed: 0, failed: 0, timedOut: 0 });
    for (let done = 0; done < 5; done++) {
      const busy = engine.workers.find((w) => w.jobs.length > 0)!;
      assert.ok(
        engine.workers.every((w) => w.jobs.length <= 1),
        'one job per worker',
      );
      busy.answer();
      await settle();
    }
    const texts = (await Promise.all(jobs)).map((r) => r.words[0]!.text);
    assert.deepEqual(texts, ['image1', 'image2', 'image3', 'image4', 'image5']);
    assert.equal(engine.workers.length, 2, 'workers are reused');
    assert.equal(pool.stats().completed, 5);
    await pool.close();
  });

  it('refuses a job with ocr_busy when queueLimit jobs already wait', async () => {
    const engine = new ControlledEngine();
    const pool = createOcrPool({ engine, size: 1, queueLimit: 2 });
    const accepted = [pool.recognize(image(1)), pool.recognize(image(2)), pool.recognize(image(3))];
    const err = await rejection(pool.recognize(image(4)));
    assert.deepEqual([err.code, err.status, err.details?.queueLimit], ['ocr_busy', 503, 2]);
    await settle();
    for (let i = 0; i < 3; i++) {
      engine.workers[0]!.answer();
      await settle();
    }
    assert.equal((await Promise.all(accepted)).length, 3);
    await pool.close();
  });

  it('rejects a job over its time budget with ocr_timeout and replaces its worker', async () => {
    const engine = new ControlledEngine();
    const pool = createOcrPool({ engine, size: 1, jobTimeoutMs: 20 });
    const slow = pool.recognize(image(1));
    const next = pool.recognize(image(2));
    const err = await rejection(slow);
    assert.deepEqual([err.code, err.status], ['ocr_timeout', 503]);
    assert.equal(engine.workers[0]!.terminated, true);
    await settle();
    assert.equal(engine.workers.length, 2, 'a fresh worker for the next job');
    engine.workers[1]!.answer();
    assert.equal((await next).words[0]!.text, 'image2');
    assert.equal(pool.stats().timedOut, 1);
    await pool.close();
  });

  it('rejects with ocr_failed when the engine cannot read an image, and keeps the worker', async () => {
    const engine = new ControlledEngine();
    const pool = createOcrPool({ engine, size: 1 });
    const bad = pool.recognize(image(1));
    const good = pool.recognize(image(2));
    await settle();
    engine.workers[0]!.jobs.shift()!.reject(new Error('Error attempting to read image.'));
    const err = await rejection(bad);
    assert.deepEqual([err.code, err.status], ['ocr_failed', 422]);
    await settle();
    engine.workers[0]!.answer();
    assert.equal((await good).words[0]!.text, 'image2');
    assert.equal(engine.workers.length, 1);
    await pool.close();
  });

  it('rejects the running job with ocr_failed when its worker dies, and starts another for the queue', async () => {
    const engine = new ControlledEngine();
    const pool = createOcrPool({ engine, size: 1 });
    const running = pool.recognize(image(1));
    const queued = pool.recognize(image(2));
    await settle();
    engine.workers[0]!.exit!();
    assert.equal((await rejection(running)).code, 'ocr_failed');
    await settle();
    assert.equal(engine.workers.length, 2);
    engine.workers[1]!.answer();
    assert.equal((await queued).words[0]!.text, 'image2');
    await pool.close();
  });

  it('rejects with ocr_unavailable when no worker can start, without retrying in a loop', async () => {
    const engine = new ControlledEngine();
    engine.failStarts = true;
    const pool = createOcrPool({ engine, size: 2 });
    const jobs = [pool.recognize(image(1)), pool.recognize(image(2))];
    for (const job of jobs) assert.equal((await rejection(job)).code, 'ocr_unavailable');
    // Right after a failed start, the pool answers at once instead of trying again.
    engine.failStarts = false;
    assert.equal((await rejection(pool.recognize(image(3)))).code, 'ocr_unavailable');
    assert.equal(engine.workers.length, 0);
    await pool.close();
  });

  it('gives up on a worker that takes longer than startTimeoutMs to start, and stops it if it arrives later', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const late = new ControlledWorker();
    const pool = createOcrPool({ engine: { start: () => gate.then(() => late) }, size: 1, startTimeoutMs: 10 });
    assert.equal((await rejection(pool.recognize(image(1)))).code, 'ocr_unavailable');
    release();
    await settle();
    assert.equal(late.terminated, true);
    await pool.close();
  });

  it('close() rejects running and waiting jobs with ocr_closed, stops every worker, and refuses new jobs', async () => {
    const engine = new ControlledEngine();
    const pool = createOcrPool({ engine, size: 1 });
    const jobs = [pool.recognize(image(1)), pool.recognize(image(2))];
    await settle();
    await pool.close();
    for (const job of jobs) assert.equal((await rejection(job)).code, 'ocr_closed');
    assert.ok(engine.workers.every((w) => w.terminated));
    assert.equal(pool.stats().workers, 0);
    assert.equal((await rejection(pool.recognize(image(3)))).code, 'ocr_closed');
    await pool.close(); // idempotent
  });

  it('close() while a worker is starting stops that worker when it arrives', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const worker = new ControlledWorker();
    const pool = createOcrPool({ engine: { start: () => gate.then(() => worker) }, size: 1 });
    const job = pool.recognize(image(1));
    const closing = pool.close();
    release();
    await closing;
    assert.equal(worker.terminated, true);
    assert.equal((await rejection(job)).code, 'ocr_closed');
  });

  it('refuses an empty image', async () => {
    const pool = createOcrPool({ engine: new ControlledEngine() });
    assert.equal((await rejection(pool.recognize(new Uint8Array(0)))).code, 'ocr_failed');
    await pool.close();
  });
});
