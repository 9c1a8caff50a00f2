import { DateTime, IANAZone } from 'luxon';
import { formatInZone, zoneNamer } from './business-calendar';

/**
 * The one way pages show a moment (issue 18 item 16): relative words ("16 minutes ago", "in 2
 * days") with the absolute time as a tooltip, in the reader's time zone when they chose one,
 * else the support desk's zone. Both are in a <time datetime="..."> element, so assistive
 * technology and scripts get the exact instant. Deadlines, where the exact moment is the point
 * ("This thread will close on ..."), show the absolute time with the relative one as tooltip.
 *
 * Relative wording is luxon's (Intl.RelativeTimeFormat, en-US), counted from the request's
 * "now" (the injected clock), rounded to the largest whole unit; under a minute is "just now".
 * Absolute wording is formatInZone's: "Tuesday, November 24, 2026 at 4:00 PM ET".
 */
export interface TimeDisplay {
  /** The zone times are shown in (IANA name). */
  zone: string;
  /** `<time datetime title="absolute">relative</time>` (HTML, safe to emit unescaped). */
  time(instant: Date): string;
  /** `<time datetime title="relative">absolute</time>` (HTML), for deadlines. */
  exact(instant: Date): string;
  /** "3 hours ago", "in 2 days", "just now". */
  relative(instant: Date): string;
  /** "Tuesday, November 24, 2026 at 4:00 PM ET" in the zone. */
  absolute(instant: Date): string;
}

/** Whether `zone` is an IANA zone name this runtime knows ("Europe/Berlin"). */
export function isKnownZone(zone: unknown): zone is string {
  return typeof zone === 'string' && zone.length > 0 && zone.length <= 64 && IANAZone.isValidZone(zone);
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The formatter for one page: `now` is the request's clock reading, `zone` the reader's (or the desk's). */
export function timeDisplay(opts: { now: Date; zone: string }): TimeDisplay {
  const base = DateTime.fromJSDate(opts.now);
  const zone = opts.zone;
  const relative = (instant: Date): string => {
    const at = DateTime.fromJSDate(instant);
    if (Math.abs(at.diff(base).as('seconds')) < 60) return 'just now';
    return at.toRelative({ base, locale: 'en-US' }) ?? '';
  };
  const nameOf = zoneNamer(zone); // one Intl formatter per page, not one per time shown
  const absolute = (instant: Date): string => formatInZone(instant, zone, nameOf);
  const element = (instant: Date, text: string, title: string) =>
    `<time datetime="${instant.toISOString()}" title="${escapeAttr(title)}">${escapeAttr(text)}</time>`;
  return {
    zone,
    relative,
    absolute,
    time: (instant) => element(instant, relative(instant), absolute(instant)),
    exact: (instant) => element(instant, absolute(instant), relative(instant)),
  };
}
