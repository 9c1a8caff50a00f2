import { TimeLabels, timeDisplay, type RelativeLabel } from '../calendar';
import type { CacheRegistry } from '../kernel/cache';

/**
 * The words of times shared by every page of one forum (server/compose.ts makes one): absolute
 * words per (zone, instant), relative words of past instants a day or more ago with the span
 * they hold for (TimeLabels); both bounded, kept an hour.
 */
export function createTimeLabels(caches: CacheRegistry): TimeLabels {
  return new TimeLabels(
    caches.create<string>('time-absolute', { max: 100_000, ttlMs: 3_600_000 }),
    caches.create<RelativeLabel>('time-relative', { max: 100_000, ttlMs: 3_600_000 }),
  );
}

/**
 * The `fmt` every page gets (server/app.ts sets it per request): the one way of showing times,
 * `fmt.time(d)` (relative words, absolute tooltip) and `fmt.exact(d)` (for deadlines), in
 * `zone` (the reader's, else the desk's) from the request's `now` (server/calendar/
 * display-time.ts), with the forum's shared `labels`, and counts in words.
 */
export function pageFormat(opts: { now: Date; zone: string; labels: TimeLabels }) {
  const times = timeDisplay(opts);
  return {
    zone: times.zone,
    time: times.time,
    exact: times.exact,
    relative: times.relative,
    absolute: times.absolute,
    /** "1 reply", "1,204 replies". */
    plural: (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`,
  };
}

export type PageFormat = ReturnType<typeof pageFormat>;
