import { DateTime, IANAZone } from 'luxon';
import { zoneFormatter } from './business-calendar';

/**
 * The one way pages show a moment (issue 18 item 16): relative words ("16 minutes ago", "in 2
 * days") with the absolute time as a tooltip, in the reader's time zone when they chose one,
 * else the support desk's zone. Both are in a <time datetime="..."> element, so assistive
 * technology and scripts get the exact instant. Deadlines, where the exact moment is the point
 * ("This thread will close on ..."), show the absolute time with the relative one as tooltip.
 *
 * Relative wording is Intl.RelativeTimeFormat's (en-US) over luxon's calendar difference,
 * counted from the request's "now" (the injected clock), truncated to the largest whole unit;
 * under a minute is "just now" (TimeLabels).
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

/** Where TimeLabels keeps words it already computed (a CacheRegistry cache in the app). */
export interface LabelStore<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
}

/** Relative words of a past instant, and the span of "now" (ms, [from, until)) they hold for. */
export interface RelativeLabel {
  text: string;
  from: number;
  until: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/**
 * Below this, no calendar day, month or year can lie between two instants (the shortest day,
 * across a daylight-saving change, is 23 hours), so the relative words depend on the
 * milliseconds alone: whole hours, else whole minutes.
 */
const SUB_DAY_MS = 22 * HOUR_MS;
const RELATIVE_UNITS = ['years', 'months', 'days', 'hours', 'minutes', 'seconds'] as const;

/**
 * The words of times, shared by every page of one app (server/http/page-format.ts), so a page
 * of 50 replies does not pay luxon's calendar arithmetic (~50-90 us an instant) and an Intl
 * formatter's construction for every time it shows (issue 19):
 * - absolute words ("Tuesday, November 24, 2026 at 4:00 PM ET") never change for an instant
 *   and a zone: computed once (zoneFormatter, one Intl formatter per zone), then kept in
 *   `absoluteStore`;
 * - relative words under 22 hours are whole hours or minutes of the difference;
 * - from 22 hours on they are luxon's calendar difference (years, months, days, in the
 *   server's zone), as `DateTime#toRelative` counts it; for a past instant they are kept in
 *   `relativeStore` with the span of "now" over which they stay true ("3 days ago" until the
 *   fourth day is complete), so later pages reuse them exactly.
 * Words are Intl.RelativeTimeFormat's (en-US); test/unit/calendar/display-time.test.ts checks
 * they are luxon's.
 */
export class TimeLabels {
  private readonly formatters = new Map<string, (instant: Date) => string>();
  private readonly rtf = new Intl.RelativeTimeFormat('en-US', { numeric: 'always' });

  constructor(
    private readonly absoluteStore: LabelStore<string> | null = null,
    private readonly relativeStore: LabelStore<RelativeLabel> | null = null,
  ) {}

  /** formatInZone(instant, zone), remembered. Throws RangeError on an unknown zone or invalid instant. */
  absolute(instant: Date, zone: string): string {
    const key = `${zone}|${instant.getTime()}`;
    const hit = this.absoluteStore?.get(key);
    if (hit !== undefined) return hit;
    let format = this.formatters.get(zone);
    if (!format) this.formatters.set(zone, (format = zoneFormatter(zone)));
    const text = format(instant);
    this.absoluteStore?.set(key, text);
    return text;
  }

  /** "3 hours ago", "in 2 days", "just now" (under a minute either way), as seen at `now`. */
  relative(instant: Date, now: Date): string {
    const at = instant.getTime();
    const base = now.getTime();
    const ms = at - base;
    const abs = Math.abs(ms);
    if (abs < MINUTE_MS) return 'just now';
    if (abs < SUB_DAY_MS) {
      return abs >= HOUR_MS ? this.rtf.format(Math.trunc(ms / HOUR_MS), 'hours') : this.rtf.format(Math.trunc(ms / MINUTE_MS), 'minutes');
    }
    const key = String(at);
    const hit = ms < 0 ? this.relativeStore?.get(key) : undefined;
    if (hit && base >= hit.from && base < hit.until) return hit.text;
    const start = DateTime.fromMillis(at);
    const diff = start.diff(DateTime.fromMillis(base), [...RELATIVE_UNITS]);
    const i = RELATIVE_UNITS.findIndex((u) => Math.trunc(diff.get(u)) !== 0);
    const unit = RELATIVE_UNITS[i < 0 ? RELATIVE_UNITS.length - 1 : i]!;
    const count = Math.trunc(diff.get(unit));
    const text = this.rtf.format(count, unit);
    if (ms < 0 && i >= 0) {
      // The words stay while `count` whole units, and no whole larger unit, separate the instant from now.
      const n = -count;
      let until = start.plus({ [unit]: n + 1 }).toMillis();
      if (i > 0) until = Math.min(until, start.plus({ [RELATIVE_UNITS[i - 1]!]: 1 }).toMillis());
      this.relativeStore?.set(key, { text, from: start.plus({ [unit]: n }).toMillis(), until });
    }
    return text;
  }
}

/**
 * The formatter for one page: `now` is the request's clock reading, `zone` the reader's (or the
 * desk's), `labels` the app's shared TimeLabels (a private one without stores if omitted).
 */
export function timeDisplay(opts: { now: Date; zone: string; labels?: TimeLabels }): TimeDisplay {
  const { now, zone } = opts;
  const labels = opts.labels ?? new TimeLabels();
  const relative = (instant: Date): string => labels.relative(instant, now);
  const absolute = (instant: Date): string => labels.absolute(instant, zone);
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
