/**
 * Date helpers for the thread templates. Formatters are built once: constructing an
 * Intl.DateTimeFormat per call is slow on a page with a hundred dates.
 */
const longDate = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
const longDateTime = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

const UNITS: [number, string][] = [
  [365 * 24 * 3600, 'year'],
  [30 * 24 * 3600, 'month'],
  [7 * 24 * 3600, 'week'],
  [24 * 3600, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
];

export const fmt = {
  /** "3 hours ago" relative to the request's clock. */
  ago(date: Date, now: Date): string {
    const s = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000));
    if (s < 60) return 'just now';
    for (const [size, unit] of UNITS) {
      if (s >= size) {
        const n = Math.floor(s / size);
        return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
      }
    }
    return 'just now';
  },
  date: (d: Date): string => longDate.format(d),
  dateTime: (d: Date): string => longDateTime.format(d),
  iso: (d: Date): string => d.toISOString(),
  plural: (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`,
};

export type Fmt = typeof fmt;
