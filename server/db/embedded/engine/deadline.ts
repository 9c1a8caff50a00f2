/**
 * maxTimeMS: a time budget for one operation, spent only while the engine works on it. A
 * cursor's budget runs while a batch is produced and pauses between batches (MongoDB counts
 * the time a cursor's batches take, not the time a client waits between getMores).
 * Exceeded: error 50 MaxTimeMSExpired.
 */
import { MongoCommandError } from '../engine-api';

export const maxTimeExpired = () => new MongoCommandError(50, 'MaxTimeMSExpired', 'operation exceeded time limit');

export class Deadline {
  private remaining: number;
  private until = Infinity;
  private n = 0;

  /** Starts running at once; `maxTimeMS` absent or 0: no limit. */
  constructor(maxTimeMS?: number) {
    this.remaining = maxTimeMS && maxTimeMS > 0 ? maxTimeMS : Infinity;
    this.resume();
  }

  /** Spends the budget again (a cursor producing its next batch). */
  resume(): void {
    if (this.remaining !== Infinity) this.until = Date.now() + this.remaining;
  }

  /** Stops spending (a batch is done). */
  pause(): void {
    if (this.until === Infinity) return;
    this.remaining = Math.max(0, this.until - Date.now());
    this.until = Infinity;
  }

  /** Cheap enough for every document: looks at the clock every 64 calls. */
  tick(): void {
    if (this.until === Infinity) return;
    if ((++this.n & 63) === 0 && Date.now() > this.until) throw maxTimeExpired();
  }

  check(): void {
    if (this.until !== Infinity && Date.now() > this.until) throw maxTimeExpired();
  }
}

/**
 * Steps that spend `deadline` only while a step runs, not while the caller waits between
 * them (steps.ts runInSlices): the time other connections' commands take is not charged.
 */
export function* spending<T>(steps: Generator<void, T, void>, deadline: Deadline): Generator<void, T, void> {
  deadline.pause();
  for (;;) {
    deadline.resume();
    let r: IteratorResult<void, T>;
    try {
      r = steps.next();
    } finally {
      deadline.pause();
    }
    if (r.done) return r.value;
    yield;
  }
}
