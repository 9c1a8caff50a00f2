import { DateTime } from 'luxon';

/**
 * Date helpers for the templates. Formatters are built once per time zone: constructing an
 * Intl.DateTimeFormat per call is slow on a page with a hundred dates. Pages show UTC unless
 * the reader chose a time zone on the account page (server/app.ts picks `fmtIn(zone)`).
 */
function formatters(timeZone: string) {
  return {
    longDate: new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone }),
    longDateTime: new Intl.DateTimeFormat('en-US', {
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    }),
  };
}

const UNITS: [number, string][] = [
  [365 * 24 * 3600, 'year'],
  [30 * 24 * 3600, 'month'],
  [7 * 24 * 3600, 'week'],
  [24 * 3600, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
];

function makeFmt(timeZone: string) {
  const { longDate, longDateTime } = formatters(timeZone);
  return {
    /** The zone these helpers show times in. */
    timeZone,
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
    /** "Tuesday, November 24, 2026 at 4:00 PM EST" (luxon; the abbreviation follows DST). */
    deadline: (d: Date): string =>
      DateTime.fromJSDate(d, { zone: timeZone }).setLocale('en-US').toFormat("cccc, LLLL d, yyyy 'at' h:mm a ZZZZ"),
    iso: (d: Date): string => d.toISOString(),
    plural: (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`,
  };
}

export type Fmt = ReturnType<typeof makeFmt>;

/** The default helpers: UTC. */
export const fmt: Fmt = makeFmt('UTC');

/**
 * The helpers for an IANA zone (validated where it is stored: the account page), built per
 * request (two formatters, microseconds) rather than cached in module state.
 */
export function fmtIn(timeZone: string | null | undefined): Fmt {
  if (!timeZone || timeZone === 'UTC') return fmt;
  try {
    return makeFmt(timeZone);
  } catch {
    return fmt; // an unknown zone (data from elsewhere) shows UTC rather than failing the page
  }
}
