/** DocCursor implementations (engine-api.ts): over a lazy source, or over a ready array. */
import type { Document } from 'bson';
import type { DocCursor } from '../engine-api';
import type { Deadline } from './deadline';
import { asCommandError } from './errors';
import { runSteps, type Steps } from './steps';

/**
 * Pulls items from `source` only when asked; `finish` turns a batch of items into the
 * documents handed out (projection, scores). The deadline runs only inside next().
 */
export class StreamCursor<T> implements DocCursor {
  private done = false;

  constructor(
    private source: Iterator<T> | null,
    private readonly finish: (items: T[]) => Document[],
    private readonly deadline: Deadline,
    private readonly first?: () => Steps<void>,
  ) {}

  prepare(): Steps<void> | null {
    return this.first && !this.done ? this.first() : null;
  }

  /**
   * True once the source said it has nothing more. A batch that takes exactly the last
   * documents does not know it yet (finding out could mean scanning the rest of a
   * collection): like MongoDB, the cursor then ends with one empty batch.
   */
  get exhausted(): boolean {
    return this.done;
  }

  next(n: number): Document[] {
    if (this.done) return [];
    const items: T[] = [];
    this.deadline.resume();
    try {
      while (items.length < n && this.source) {
        const r = this.source.next();
        if (r.done) this.close();
        else items.push(r.value);
      }
      this.deadline.check();
      return this.finish(items);
    } catch (e) {
      this.close();
      throw asCommandError(e); // a query must never crash the server
    } finally {
      this.deadline.pause();
    }
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    const s = this.source;
    this.source = null;
    try {
      s?.return?.();
    } catch {
      /* a generator that fails while closing has nothing left to release */
    }
  }
}

/** A cursor over an already computed result. */
export class ArrayCursor implements DocCursor {
  private pos = 0;

  constructor(private docs: Document[]) {}

  get exhausted(): boolean {
    return this.pos >= this.docs.length;
  }

  next(n: number): Document[] {
    const out = this.docs.slice(this.pos, this.pos + n);
    this.pos += out.length;
    return out;
  }

  close(): void {
    this.docs = [];
    this.pos = 0;
  }
}

/** A cursor over a result computed by steps: in slices through prepare(), or at once by next(). */
export class StepsCursor implements DocCursor {
  private docs: ArrayCursor | null = null;

  constructor(private readonly steps: Steps<Document[]>) {}

  get exhausted(): boolean {
    return this.docs !== null && this.docs.exhausted;
  }

  prepare(): Steps<void> | null {
    return this.docs ? null : this.compute();
  }

  private *compute(): Steps<void> {
    const docs = yield* this.steps;
    this.docs ??= new ArrayCursor(docs);
  }

  next(n: number): Document[] {
    try {
      this.docs ??= new ArrayCursor(runSteps(this.steps));
    } catch (e) {
      throw asCommandError(e);
    }
    return this.docs.next(n);
  }

  close(): void {
    this.docs ??= new ArrayCursor([]);
    this.docs.close();
  }
}

/** Every remaining document of a cursor. */
export function drain(cursor: DocCursor): Document[] {
  const out: Document[] = [];
  while (!cursor.exhausted) {
    const batch = cursor.next(1000);
    for (const d of batch) out.push(d);
    if (!batch.length) break;
  }
  cursor.close();
  return out;
}
