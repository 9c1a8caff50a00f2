import { DateTime, IANAZone } from 'luxon';
import Holidays, { type HolidaysTypes } from 'date-holidays';
import type { Config } from '../config';

/**
 * The business calendar of the support desk (docs/support-policy.md, "Business calendar").
 * Pure: no clock, no I/O. Every deadline the forum shows or enforces (first-response
 * target, reminder, lock deadline) is computed here, in business time.
 *
 * Business time is measured in real elapsed time inside each day's open window, so adding
 * and measuring always agree (businessMinutesBetween(a, addBusinessTime(a, d)) === d), and
 * zones and DST come from luxon, holidays from date-holidays.
 *
 * Which holidays close the desk (every day the configured country closes its offices for):
 * - every entry date-holidays types `public`, and
 * - every substitute (observed) day, `substitute: true`, typed `public` or `bank`.
 * Source: date-holidays 3.37 data (node_modules/date-holidays/data/countries/*.yaml) and its
 * type definitions (README, "Types of holidays": bank = "banks and offices are closed",
 * observance = "no paid day off"). Observed days are typed inconsistently there: for the US,
 * New Year's Day, Juneteenth, Independence Day and Christmas Day move with "if saturday then
 * previous friday, if sunday then next monday" and their observed day is a `public` entry,
 * but Veterans Day's observed day (same rule, e.g. Fri 2028-11-10, Mon 2029-11-12) is a
 * separate `bank` entry with the note "Federal Government offices are closed". Federal
 * offices close on all of these observed days (5 U.S.C. 6103, the source date-holidays' US data
 * cites), which is what "US public holidays" means in docs/support-policy.md. Other countries'
 * observed days that this covers: Bermuda (bank, "Government offices close"), Ireland's
 * Monday after St Patrick's and St Stephen's Day (bank). Substitutes typed `observance` (Spain's regional
 * Monday holidays, Taiwan's private-sector Labour Day) stay open, as do non-substitute `bank`
 * days (Germany's Christmas Eve and New Year's Eve, Japan's January 2-3): list those in
 * `closedDates` when a desk closes for them. Observed days can fall in the neighbouring year
 * (Fri 2027-12-31 for New Year's Day 2028) and are found there too.
 */
export interface CalendarSettings {
  /** IANA zone, never a fixed offset: the desk keeps local hours across DST. */
  zone: string;
  /** Opening time, local 'HH:MM'. */
  open: string;
  /** Closing time, local 'HH:MM' ('24:00' allowed); the desk is open in [open, close). */
  close: string;
  /** ISO weekdays the desk is open, 1 = Monday. */
  days: number[];
  holidayCountry: string;
  holidayRegion?: string;
  /** Extra closed dates, local 'YYYY-MM-DD'. */
  closedDates: string[];
}

export const DEFAULT_CALENDAR: CalendarSettings = Object.freeze({
  zone: 'America/New_York',
  open: '07:30',
  close: '17:30',
  days: Object.freeze([1, 2, 3, 4, 5]) as number[],
  holidayCountry: 'US',
  closedDates: Object.freeze([]) as unknown as string[],
});

export function calendarFromConfig(config: Config): CalendarSettings {
  const settings: CalendarSettings = {
    zone: config.SUPPORT_TIMEZONE,
    open: config.SUPPORT_OPEN,
    close: config.SUPPORT_CLOSE,
    days: [...config.SUPPORT_DAYS],
    holidayCountry: config.SUPPORT_HOLIDAY_COUNTRY,
    closedDates: [...config.SUPPORT_CLOSED_DATES],
  };
  if (config.SUPPORT_HOLIDAY_REGION) settings.holidayRegion = config.SUPPORT_HOLIDAY_REGION;
  return settings;
}

/** A misconfiguration (e.g. every day closed) must fail loudly, not spin forever. */
const MAX_CLOSED_STREAK_DAYS = 366;
const MINUTE_MS = 60_000;
/** About ten years of days; cleared wholesale when full, which is rare and cheap. */
const WINDOW_CACHE_SIZE = 4096;

interface Window {
  open: number; // epoch ms
  close: number; // epoch ms
}

interface LocalTime {
  hour: number;
  minute: number;
}

function parseTime(value: string, what: string, allowMidnightEnd: boolean): LocalTime {
  const m = /^(\d\d):(\d\d)$/.exec(value);
  const hour = m ? Number(m[1]) : NaN;
  const minute = m ? Number(m[2]) : NaN;
  const endOfDay = allowMidnightEnd && hour === 24 && minute === 0;
  if (!m || ((hour > 23 || minute > 59) && !endOfDay)) {
    throw new RangeError(`Business calendar: ${what} must be HH:MM, got "${value}"`);
  }
  return { hour, minute };
}

function toMs(instant: Date, what = 'instant'): number {
  const ms = instant instanceof Date ? instant.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`Business calendar: invalid ${what}`);
  return ms;
}

// North American zones are shown by family ("ET"), as support hours are usually quoted.
const ABBREVIATION_FAMILY: Record<string, string> = {
  EST: 'ET',
  EDT: 'ET',
  CST: 'CT',
  CDT: 'CT',
  MST: 'MT',
  MDT: 'MT',
  PST: 'PT',
  PDT: 'PT',
  AKST: 'AKT',
  AKDT: 'AKT',
  HST: 'HT',
  HDT: 'HT',
};

/**
 * An instant as people read it in an IANA zone: "Tuesday, November 24, 2026 at 4:00 PM ET"
 * (North American zones by family, others by the short offset name, e.g. "GMT+1").
 */
export function formatInZone(instant: Date, zone: string): string {
  return zoneFormatter(zone)(instant);
}

/**
 * formatInZone for one zone, with the Intl formatter built once: pages format dozens of
 * instants per request (server/calendar/display-time.ts), and building the formatter (what
 * luxon's `offsetNameShort` does per call) costs far more than formatting. The words are the
 * platform's (Intl.DateTimeFormat, en-US); the zone name is its short `timeZoneName`, the one
 * luxon reports as `offsetNameShort`. Throws RangeError on an unknown zone or an invalid instant.
 */
export function zoneFormatter(zone: string): (instant: Date) => string {
  const dtf = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    hour12: true,
    timeZoneName: 'short',
  });
  return (instant) => {
    const p: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
    for (const part of dtf.formatToParts(toMs(instant))) p[part.type] = part.value;
    const short = p.timeZoneName!;
    return `${p.weekday}, ${p.month} ${p.day}, ${p.year} at ${p.hour}:${p.minute} ${p.dayPeriod} ${ABBREVIATION_FAMILY[short] ?? short}`;
  };
}

export class BusinessCalendar {
  readonly settings: Readonly<CalendarSettings>;
  private readonly openAt: LocalTime;
  private readonly closeAt: LocalTime;
  private readonly openDays: ReadonlySet<number>;
  private readonly extraClosed: ReadonlySet<string>;
  private readonly holidays: Holidays;
  /** English names in the country's own spelling ("Labor Day" in the US, "Labour Day" in Canada). */
  private readonly holidayLanguage: string;
  /** year -> (local date -> public holiday name); date-holidays is slow to evaluate. */
  private readonly holidayYears = new Map<number, Map<string, string>>();
  /** local date -> open window (null when closed). */
  private readonly windowCache = new Map<string, Window | null>();

  constructor(settings: CalendarSettings = DEFAULT_CALENDAR) {
    const s = settings;
    if (!IANAZone.isValidZone(s.zone)) {
      throw new RangeError(`Business calendar: unknown time zone "${s.zone}"`);
    }
    this.openAt = parseTime(s.open, 'opening time', false);
    this.closeAt = parseTime(s.close, 'closing time', true);
    if (this.closeAt.hour * 60 + this.closeAt.minute <= this.openAt.hour * 60 + this.openAt.minute) {
      throw new RangeError(`Business calendar: closing time ${s.close} must be after opening time ${s.open}`);
    }
    if (s.days.length === 0 || s.days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
      throw new RangeError(`Business calendar: open days must be ISO weekdays 1-7, got [${s.days.join(',')}]`);
    }
    for (const date of s.closedDates) {
      if (!/^\d{4}-\d\d-\d\d$/.test(date) || !DateTime.fromISO(date).isValid) {
        throw new RangeError(`Business calendar: closed date must be YYYY-MM-DD, got "${date}"`);
      }
    }
    this.holidays = createHolidays(s.holidayCountry, s.holidayRegion);
    this.holidayLanguage = this.holidays.getLanguages().find((l) => l.startsWith('en')) ?? 'en';
    this.openDays = new Set(s.days);
    this.extraClosed = new Set(s.closedDates);
    this.settings = Object.freeze({ ...s, days: [...s.days], closedDates: [...s.closedDates] });
  }

  isOpen(instant: Date): boolean {
    const t = toMs(instant);
    const w = this.windowOn(this.localDay(t));
    return w !== null && w.open <= t && t < w.close;
  }

  isClosedDay(localDate: string): boolean {
    return this.isClosed(this.parseDate(localDate));
  }

  holidayName(localDate: string): string | null {
    const day = this.parseDate(localDate);
    return this.holidaysOf(day.year).get(day.toISODate()!) ?? null;
  }

  nextOpening(instant: Date): Date {
    const t = toMs(instant);
    for (const w of this.windowsFrom(t)) {
      if (t < w.close) return new Date(Math.max(t, w.open));
    }
    /* c8 ignore next */
    throw new Error('unreachable');
  }

  /**
   * Counts only open minutes. Time before an opening starts counting at that opening; a
   * result that uses up a day's window exactly is that day's closing instant, not the next
   * morning's opening (both are the same business moment; the earlier one is what people mean).
   */
  addBusinessTime(instant: Date, minutes: number): Date {
    const t = toMs(instant);
    if (!Number.isFinite(minutes) || minutes < 0) {
      throw new RangeError(`Business calendar: minutes must be a finite number >= 0, got ${minutes}`);
    }
    let remaining = Math.round(minutes * MINUTE_MS);
    for (const w of this.windowsFrom(t)) {
      if (t >= w.close) continue;
      const start = Math.max(t, w.open);
      const available = w.close - start;
      if (remaining <= available) return new Date(start + remaining);
      remaining -= available;
    }
    /* c8 ignore next */
    throw new Error('unreachable');
  }

  addBusinessDays(instant: Date, days: number): Date {
    if (!Number.isFinite(days) || days < 0) {
      throw new RangeError(`Business calendar: days must be a finite number >= 0, got ${days}`);
    }
    return this.addBusinessTime(instant, days * this.minutesPerDay());
  }

  /** Open time in [a, b) in whole minutes (truncated toward zero); negative if b < a. */
  businessMinutesBetween(a: Date, b: Date): number {
    const from = toMs(a, 'start');
    const to = toMs(b, 'end');
    if (to < from) return -this.businessMinutesBetween(b, a);
    let ms = 0;
    for (const w of this.windowsFrom(from)) {
      if (w.open >= to) break;
      ms += Math.max(0, Math.min(w.close, to) - Math.max(w.open, from));
    }
    return Math.trunc(ms / MINUTE_MS);
  }

  /** Nominal length of one business day (the policy's "10 business hours"). */
  minutesPerDay(): number {
    return (this.closeAt.hour - this.openAt.hour) * 60 + (this.closeAt.minute - this.openAt.minute);
  }

  /** "Tuesday, November 24, 2026 at 4:00 PM ET" in the calendar's zone. */
  formatLocal(instant: Date): string {
    return formatInZone(instant, this.settings.zone);
  }

  // Open windows of successive local days, starting with the local day of `t`.
  private *windowsFrom(t: number): Generator<Window> {
    let day = this.localDay(t);
    let closedStreak = 0;
    for (;;) {
      const w = this.windowOn(day);
      if (w) {
        closedStreak = 0;
        yield w;
      } else if (++closedStreak > MAX_CLOSED_STREAK_DAYS) {
        throw new Error(
          `Business calendar: no open day within ${MAX_CLOSED_STREAK_DAYS} days after ${day.toISODate()}; check the support hours configuration`,
        );
      }
      day = day.plus({ days: 1 });
    }
  }

  /**
   * The calendar date (as a UTC-midnight DateTime, so stepping by days never meets DST)
   * that `t` falls on in the calendar's zone.
   */
  private localDay(t: number): DateTime {
    const l = DateTime.fromMillis(t, { zone: this.settings.zone });
    return DateTime.utc(l.year, l.month, l.day);
  }

  /** The open window of a calendar date, memoized: zone conversions dominate the cost. */
  private windowOn(day: DateTime): Window | null {
    const key = day.toISODate()!;
    const cached = this.windowCache.get(key);
    if (cached !== undefined) return cached;
    const w = this.isClosed(day) ? null : { open: this.at(day, this.openAt), close: this.at(day, this.closeAt) };
    if (this.windowCache.size >= WINDOW_CACHE_SIZE) this.windowCache.clear();
    this.windowCache.set(key, w);
    return w;
  }

  /** Epoch ms of a local wall-clock time on a calendar date, in the calendar's zone. */
  private at(day: DateTime, time: LocalTime): number {
    const d = time.hour === 24 ? day.plus({ days: 1 }) : day;
    const hour = time.hour === 24 ? 0 : time.hour;
    return DateTime.fromObject(
      { year: d.year, month: d.month, day: d.day, hour, minute: time.minute },
      { zone: this.settings.zone },
    ).toMillis();
  }

  private isClosed(day: DateTime): boolean {
    if (!this.openDays.has(day.weekday)) return true;
    const date = day.toISODate()!;
    return this.extraClosed.has(date) || this.holidaysOf(day.year).has(date);
  }

  private parseDate(localDate: string): DateTime {
    const day = /^\d{4}-\d\d-\d\d$/.test(localDate) ? DateTime.fromISO(localDate, { zone: 'utc' }) : DateTime.invalid('format');
    if (!day.isValid) throw new RangeError(`Business calendar: expected a YYYY-MM-DD date, got "${localDate}"`);
    return day;
  }

  private holidaysOf(year: number): Map<string, string> {
    let dates = this.holidayYears.get(year);
    if (!dates) {
      dates = new Map();
      // An observed day can fall in the neighbouring year (New Year's Day on a Saturday is
      // observed on Friday December 31), so the lists of the years around are read too.
      const listed = [year - 1, year, year + 1].flatMap((y) => this.holidays.getHolidays(y, this.holidayLanguage));
      for (const h of listed) {
        if (!closesOffices(h)) continue;
        const first = DateTime.fromISO(h.date.slice(0, 10), { zone: 'UTC' });
        const span = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / 86_400_000));
        for (let i = 0; i < span; i++) {
          const day = first.plus({ days: i });
          if (day.year !== year) continue;
          const date = day.toISODate()!;
          if (!dates.has(date)) dates.set(date, h.name);
        }
      }
      this.holidayYears.set(year, dates);
    }
    return dates;
  }
}

/**
 * Whether the desk closes for a date-holidays entry (see the rule in the module docstring).
 * date-holidays defines its types as: public = public holiday; bank = "banks and offices are
 * closed"; school; optional = "majority of people take a day off"; observance = "no paid day
 * off" (node_modules/date-holidays/README.md, "Types of holidays").
 */
export function closesOffices(h: Pick<HolidaysTypes.Holiday, 'type' | 'substitute'>): boolean {
  if (h.type === 'public') return true;
  return h.substitute === true && h.type === 'bank';
}

/** Countries date-holidays knows, code -> English name (for the support settings form). */
export function holidayCountries(): Record<string, string> {
  return new Holidays().getCountries('en') ?? {};
}

/** A country's regions date-holidays knows, code -> name ({} when it has none or is unknown). */
export function holidayRegions(country: string): Record<string, string> {
  return new Holidays().getStates(country, 'en') ?? {};
}

function createHolidays(country: string, region: string | undefined): Holidays {
  const probe = new Holidays();
  const countries = probe.getCountries('en') ?? {};
  if (!(country in countries)) {
    throw new RangeError(`Business calendar: unknown holiday country "${country}"`);
  }
  if (region && !(region in (probe.getStates(country, 'en') ?? {}))) {
    throw new RangeError(`Business calendar: unknown holiday region "${region}" for ${country}`);
  }
  return region ? new Holidays(country, region) : new Holidays(country);
}

/**
 * 190 -> "3h 10m", 1500 -> "2d 5h", 0 -> "0m". A "d" is one business day of
 * `minutesPerDay` open minutes, not 24 hours. Negative durations (overdue) get a "-".
 */
export function formatBusinessDuration(minutes: number, minutesPerDay = 600): string {
  if (!Number.isFinite(minutes)) throw new RangeError(`formatBusinessDuration: invalid minutes ${minutes}`);
  if (!Number.isInteger(minutesPerDay) || minutesPerDay <= 0) {
    throw new RangeError(`formatBusinessDuration: invalid minutesPerDay ${minutesPerDay}`);
  }
  const total = Math.trunc(Math.abs(minutes));
  const d = Math.floor(total / minutesPerDay);
  const h = Math.floor((total % minutesPerDay) / 60);
  const m = (total % minutesPerDay) % 60;
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean);
  if (parts.length === 0) return '0m';
  return (minutes < 0 && total > 0 ? '-' : '') + parts.join(' ');
}
