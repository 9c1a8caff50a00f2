/**
 * Long reads in steps (see STORAGE.md, "Text index: reads in slices"). A `Steps<T>` is a
 * generator that does a bounded piece of work (about a millisecond: one chunk of postings,
 * one batch of scores) per `next()` and returns its result at the end. Run at once with
 * `runSteps` (tools, tests, the synchronous engine API), or by the wire server with
 * `runInSlices`, which gives the event loop back between slices of `sliceMs` so commands on
 * other connections run in between.
 */

export type Steps<T> = Generator<void, T, void>;

/** Pauses between two slices: resolves when the work may continue, rejects to abandon it. */
export type Pause = () => Promise<void>;

/** How long one slice may run, in ms, before the loop is given back. */
export const SLICE_MS = 4;

/** Runs every step now and returns the result. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs the steps in slices of about `sliceMs` (a step that runs longer ends its slice),
 * awaiting `pause` between slices. A step's error rejects; a rejected pause abandons the
 * steps (their `finally` blocks run) and rejects with its reason.
 */
export async function runInSlices<T>(steps: Steps<T>, pause: Pause, sliceMs = SLICE_MS): Promise<T> {
  for (;;) {
    const end = performance.now() + sliceMs;
    do {
      const r = steps.next();
      if (r.done) return r.value;
    } while (performance.now() < end);
    try {
      await pause();
    } catch (err) {
      steps.return(undefined as never);
      throw err;
    }
  }
}
