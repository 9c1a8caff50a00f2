import { timeDisplay } from '../calendar';

/**
 * The `fmt` every page gets (server/app.ts sets it per request): the one way of showing times,
 * `fmt.time(d)` (relative words, absolute tooltip) and `fmt.exact(d)` (for deadlines), in
 * `zone` (the reader's, else the desk's) from the request's `now` (server/calendar/
 * display-time.ts), and counts in words.
 */
export function pageFormat(opts: { now: Date; zone: string }) {
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
