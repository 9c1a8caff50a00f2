import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  BusinessCalendar,
  DEFAULT_CALENDAR,
  calendarFromConfig,
  closesOffices,
  formatBusinessDuration,
  type CalendarSettings,
} from '../../../server/calendar';
import { testConfig } from '../../../server/config';

const ZONE = 'America/New_York';
const cal = new BusinessCalendar();

/** 'YYYY-MM-DD HH:mm[:ss]' Eastern local time -> instant. */
function et(local: string, zone = ZONE): Date {
  const fmt = local.length > 16 ? 'yyyy-MM-dd HH:mm:ss' : 'yyyy-MM-dd HH:mm';
  const dt = DateTime.fromFormat(local, fmt, { zone });
  assert.ok(dt.isValid, `bad test time ${local}`);
  return dt.toJSDate();
}

/** Instant -> 'YYYY-MM-DD HH:mm[:ss]' local, so failures read like the policy table. */
function local(instant: Date, zone = ZONE): string {
  const dt = DateTime.fromJSDate(instant, { zone });
  return dt.toFormat(dt.second ? 'yyyy-MM-dd HH:mm:ss' : 'yyyy-MM-dd HH:mm');
}

function addDays(c: BusinessCalendar, from: string, days: number, zone = ZONE): string {
  return local(c.addBusinessDays(et(from, zone), days), zone);
}

describe('business calendar', () => {
  describe('policy worked examples (support-policy.md)', () => {
    const rows: Array<[label: string, reply: string, plus1: string, plus2: string]> = [
      ['Tue reply', '2026-11-17 10:00', '2026-11-18 10:00', '2026-11-19 10:00'],
      ['Fri reply crosses the weekend', '2026-11-20 16:00', '2026-11-23 16:00', '2026-11-24 16:00'],
      ['Wed before Thanksgiving', '2026-11-25 10:00', '2026-11-27 10:00', '2026-11-30 10:00'],
      ['Sat reply starts Mon 07:30', '2026-11-21 12:00', '2026-11-23 17:30', '2026-11-24 17:30'],
      ['Thu before observed Independence Day', '2026-07-02 15:00', '2026-07-06 15:00', '2026-07-07 15:00'],
      ['Fri before DST starts', '2026-03-06 09:00', '2026-03-09 09:00', '2026-03-10 09:00'],
      ['Fri before DST ends', '2026-10-30 12:00', '2026-11-02 12:00', '2026-11-03 12:00'],
    ];
    for (const [label, reply, plus1, plus2] of rows) {
      it(`${label}: ${reply} +1 = ${plus1}, +2 = ${plus2}`, () => {
        assert.equal(addDays(cal, reply, 1), plus1);
        assert.equal(addDays(cal, reply, 2), plus2);
      });
    }

    it('DST rows keep the local hour while the UTC offset changes', () => {
      // Independent of luxon: the UTC instants written out by hand.
      assert.equal(et('2026-03-06 09:00').toISOString(), '2026-03-06T14:00:00.000Z'); // EST
      assert.equal(cal.addBusinessDays(et('2026-03-06 09:00'), 1).toISOString(), '2026-03-09T13:00:00.000Z'); // EDT
      assert.equal(cal.addBusinessDays(et('2026-03-06 09:00'), 2).toISOString(), '2026-03-10T13:00:00.000Z');
      assert.equal(et('2026-10-30 12:00').toISOString(), '2026-10-30T16:00:00.000Z'); // EDT
      assert.equal(cal.addBusinessDays(et('2026-10-30 12:00'), 1).toISOString(), '2026-11-02T17:00:00.000Z'); // EST
      assert.equal(cal.addBusinessDays(et('2026-10-30 12:00'), 2).toISOString(), '2026-11-03T17:00:00.000Z');
    });

    it('business time between the Fri reply and its deadlines is 600 and 1200 minutes', () => {
      const reply = et('2026-11-20 16:00');
      assert.equal(cal.businessMinutesBetween(reply, et('2026-11-23 16:00')), 600);
      assert.equal(cal.businessMinutesBetween(reply, et('2026-11-24 16:00')), 1200);
    });
  });

  describe('opening hours', () => {
    const cases: Array<[at: string, open: boolean]> = [
      ['2026-11-17 07:29', false],
      ['2026-11-17 07:30', true], // the instant of opening is open
      ['2026-11-17 12:00', true],
      ['2026-11-17 17:29', true],
      ['2026-11-17 17:30', false], // the instant of closing is closed
      ['2026-11-17 23:00', false],
      ['2026-11-21 12:00', false], // Saturday
      ['2026-11-22 12:00', false], // Sunday
      ['2026-11-26 12:00', false], // Thanksgiving
      ['2026-11-27 12:00', true], // day after Thanksgiving
    ];
    for (const [at, open] of cases) {
      it(`${at} is ${open ? 'open' : 'closed'}`, () => assert.equal(cal.isOpen(et(at)), open));
    }

    it('is open one second before closing and closed one millisecond after', () => {
      assert.equal(cal.isOpen(et('2026-11-17 17:29:59')), true);
      assert.equal(cal.isOpen(new Date(et('2026-11-17 17:30').getTime() - 1)), true);
      assert.equal(cal.isOpen(new Date(et('2026-11-17 07:30').getTime() - 1)), false);
    });

    it('minutesPerDay is the 10 business hours of the policy', () => {
      assert.equal(cal.minutesPerDay(), 600);
    });
  });

  describe('adding business time', () => {
    const cases: Array<[label: string, from: string, minutes: number, expected: string]> = [
      ['reply before opening counts from 07:30', '2026-11-17 06:00', 60, '2026-11-17 08:30'],
      ['a day from before opening ends at that closing', '2026-11-17 06:00', 600, '2026-11-17 17:30'],
      ['a day from the opening instant ends at that closing', '2026-11-17 07:30', 600, '2026-11-17 17:30'],
      ['one minute before closing + 1 minute is the closing', '2026-11-17 17:29', 1, '2026-11-17 17:30'],
      ['one minute before closing + 2 minutes is next morning', '2026-11-17 17:29', 2, '2026-11-18 07:31'],
      ['one minute before closing + 1 day', '2026-11-17 17:29', 600, '2026-11-18 17:29'],
      ['at closing + 1 minute is next morning', '2026-11-17 17:30', 1, '2026-11-18 07:31'],
      ['after closing + 1 day', '2026-11-17 20:00', 600, '2026-11-18 17:30'],
      ['zero from an open instant is itself', '2026-11-17 10:00', 0, '2026-11-17 10:00'],
      ['zero from a closed instant is the next opening', '2026-11-21 12:00', 0, '2026-11-23 07:30'],
      ['seconds are kept', '2026-11-17 10:00:30', 600, '2026-11-18 10:00:30'],
      ['seconds are kept across closing', '2026-11-17 17:29:30', 1, '2026-11-18 07:30:30'],
      ['year end: Jan 1 is a holiday', '2026-12-31 10:00', 600, '2027-01-04 10:00'],
      ['year end: observed New Year 2028 on Fri Dec 31', '2027-12-30 10:00', 600, '2028-01-03 10:00'],
      ['Christmas Eve 2026 is open', '2026-12-23 10:00', 1200, '2026-12-28 10:00'],
      ['a long span: 20 business days', '2026-11-17 10:00', 20 * 600, '2026-12-16 10:00'],
    ];
    for (const [label, from, minutes, expected] of cases) {
      it(`${label}: ${from} + ${minutes}m = ${expected}`, () => {
        assert.equal(local(cal.addBusinessTime(et(from), minutes)), expected);
      });
    }

    it('rejects negative, non-finite and invalid input', () => {
      assert.throws(() => cal.addBusinessTime(et('2026-11-17 10:00'), -1), RangeError);
      assert.throws(() => cal.addBusinessTime(et('2026-11-17 10:00'), Number.NaN), RangeError);
      assert.throws(() => cal.addBusinessDays(et('2026-11-17 10:00'), -1), RangeError);
      assert.throws(() => cal.addBusinessTime(new Date('nope'), 1), RangeError);
    });
  });

  describe('nextOpening', () => {
    const cases: Array<[from: string, expected: string]> = [
      ['2026-11-17 10:00:15', '2026-11-17 10:00:15'], // open: itself
      ['2026-11-17 07:30', '2026-11-17 07:30'],
      ['2026-11-17 06:00', '2026-11-17 07:30'],
      ['2026-11-17 17:30', '2026-11-18 07:30'],
      ['2026-11-21 12:00', '2026-11-23 07:30'],
      ['2026-11-25 18:00', '2026-11-27 07:30'], // over Thanksgiving
      ['2026-07-02 17:45', '2026-07-06 07:30'], // over the observed Independence Day
    ];
    for (const [from, expected] of cases) {
      it(`${from} -> ${expected}`, () => assert.equal(local(cal.nextOpening(et(from))), expected));
    }
  });

  describe('businessMinutesBetween', () => {
    const cases: Array<[a: string, b: string, minutes: number]> = [
      ['2026-11-17 10:00', '2026-11-17 10:00', 0],
      ['2026-11-17 10:00', '2026-11-17 13:10', 190],
      ['2026-11-17 06:00', '2026-11-17 08:00', 30],
      ['2026-11-17 17:00', '2026-11-18 08:00', 60],
      ['2026-11-21 00:00', '2026-11-22 23:59', 0], // weekend
      ['2026-11-25 10:00', '2026-11-27 10:00', 600], // Thanksgiving does not count
      ['2026-11-17 10:00:30', '2026-11-17 10:05:00', 4], // whole minutes, truncated
      ['2026-11-18 10:00', '2026-11-17 10:00', -600], // negative when b < a
    ];
    for (const [a, b, minutes] of cases) {
      it(`[${a}, ${b}) = ${minutes}`, () => assert.equal(cal.businessMinutesBetween(et(a), et(b)), minutes));
    }
  });

  describe('US public holidays (date-holidays: public, and substitute days typed public or bank)', () => {
    const closed: Array<[date: string, name: RegExp]> = [
      ['2026-01-01', /New Year/],
      ['2026-01-19', /Martin Luther King/],
      ['2026-02-16', /Washington/],
      ['2026-05-25', /Memorial/],
      ['2026-06-19', /Juneteenth/],
      ['2026-07-03', /Independence Day \(substitute/], // Sat 07-04 observed on Fri
      ['2026-07-04', /Independence Day/],
      ['2026-09-07', /Labor/],
      ['2026-10-12', /Columbus/],
      ['2026-11-11', /Veterans/],
      ['2026-11-26', /Thanksgiving/],
      ['2026-12-25', /Christmas Day/],
      ['2027-01-01', /New Year/],
      ['2027-01-18', /Martin Luther King/],
      ['2027-02-15', /Washington/],
      ['2027-05-31', /Memorial/],
      ['2027-06-18', /Juneteenth \(substitute/], // Sat 06-19 observed on Fri
      ['2027-06-19', /Juneteenth/],
      ['2027-07-04', /Independence Day/],
      ['2027-07-05', /Independence Day \(substitute/], // Sun 07-04 observed on Mon
      ['2027-09-06', /Labor/],
      ['2027-10-11', /Columbus/],
      ['2027-11-11', /Veterans/],
      ['2027-11-25', /Thanksgiving/],
      ['2027-12-24', /Christmas Day \(substitute/], // Sat 12-25 observed on Fri (not "Christmas Eve")
      ['2027-12-25', /Christmas Day/],
      ['2027-12-31', /New Year.*substitute/], // Sat 2028-01-01 observed on Fri
    ];
    for (const [date, name] of closed) {
      it(`${date} is closed (${name.source})`, () => {
        assert.equal(cal.isClosedDay(date), true);
        assert.match(cal.holidayName(date) ?? '', name);
        assert.equal(cal.isOpen(et(`${date} 12:00`)), false);
      });
    }

    const open = ['2026-11-27', '2026-12-24', '2026-12-31', '2027-11-26', '2026-04-15', '2026-02-13'];
    for (const date of open) {
      it(`${date} (not a public holiday) is open`, () => {
        assert.equal(cal.isClosedDay(date), false);
        assert.equal(cal.holidayName(date), null);
        assert.equal(cal.isOpen(et(`${date} 12:00`)), true);
      });
    }

    it('weekends are closed days without a holiday name', () => {
      assert.equal(cal.isClosedDay('2026-11-21'), true);
      assert.equal(cal.holidayName('2026-11-21'), null);
    });

    it('rejects malformed dates', () => {
      assert.throws(() => cal.isClosedDay('2026-13-01'), RangeError);
      assert.throws(() => cal.holidayName('11/26/2026'), RangeError);
    });
  });

  describe('observed days: every day the offices close (issue 18 item 5)', () => {
    it('worked example: a reply on Thu 2028-11-09 16:00 reminds Mon 11-13 and locks Tue 11-14 (Fri 11-10 is Veterans Day observed)', () => {
      assert.equal(cal.isClosedDay('2028-11-10'), true);
      assert.match(cal.holidayName('2028-11-10') ?? '', /Veterans Day \(substitute/);
      assert.equal(addDays(cal, '2028-11-09 16:00', 1), '2028-11-13 16:00'); // the reminder
      assert.equal(addDays(cal, '2028-11-09 16:00', 2), '2028-11-14 16:00'); // the lock
      assert.equal(cal.isOpen(et('2028-11-10 12:00')), false);
      assert.equal(local(cal.nextOpening(et('2028-11-09 17:30'))), '2028-11-13 07:30');
      assert.equal(cal.businessMinutesBetween(et('2028-11-09 16:00'), et('2028-11-14 16:00')), 1200);
    });

    it('Sun 2029-11-11 is observed on Mon 2029-11-12: a Fri reply reminds Tue and locks Wed', () => {
      assert.equal(cal.isClosedDay('2029-11-12'), true);
      assert.match(cal.holidayName('2029-11-12') ?? '', /Veterans Day \(substitute/);
      assert.equal(addDays(cal, '2029-11-09 16:00', 1), '2029-11-13 16:00');
      assert.equal(addDays(cal, '2029-11-09 16:00', 2), '2029-11-14 16:00');
    });

    // One row per holiday that moves, and per direction: Saturday -> Friday before, Sunday ->
    // Monday after. Holidays fixed to a weekday (MLK, Washington's Birthday, Memorial, Labor,
    // Columbus, Thanksgiving) never fall on a weekend.
    const observed: Array<[holiday: string, date: string, weekend: string, name: RegExp]> = [
      ["New Year's Day", '2027-12-31', 'Sat 2028-01-01', /New Year.*substitute/],
      ["New Year's Day", '2034-01-02', 'Sun 2034-01-01', /New Year.*substitute/],
      ['Juneteenth', '2027-06-18', 'Sat 2027-06-19', /Juneteenth \(substitute/],
      ['Juneteenth', '2033-06-20', 'Sun 2033-06-19', /Juneteenth \(substitute/],
      ['Independence Day', '2026-07-03', 'Sat 2026-07-04', /Independence Day \(substitute/],
      ['Independence Day', '2027-07-05', 'Sun 2027-07-04', /Independence Day \(substitute/],
      ['Veterans Day', '2028-11-10', 'Sat 2028-11-11', /Veterans Day \(substitute/],
      ['Veterans Day', '2029-11-12', 'Sun 2029-11-11', /Veterans Day \(substitute/],
      ['Veterans Day', '2034-11-10', 'Sat 2034-11-11', /Veterans Day \(substitute/],
      ['Veterans Day', '2035-11-12', 'Sun 2035-11-11', /Veterans Day \(substitute/],
      ['Christmas Day', '2027-12-24', 'Sat 2027-12-25', /Christmas Day \(substitute/],
      ['Christmas Day', '2033-12-26', 'Sun 2033-12-25', /Christmas Day \(substitute/],
    ];
    for (const [holiday, date, weekend, name] of observed) {
      it(`${holiday} on ${weekend} closes ${date}`, () => {
        assert.equal(cal.isClosedDay(date), true);
        assert.match(cal.holidayName(date) ?? '', name);
        assert.equal(cal.isOpen(et(`${date} 12:00`)), false);
      });
    }

    it('the observed-day rule holds for every fixed-date federal holiday, 2024-2045 (computed here, not read from date-holidays)', () => {
      const fixed = ['01-01', '06-19', '07-04', '11-11', '12-25'];
      const wrong: string[] = [];
      for (let year = 2024; year <= 2045; year++) {
        for (const mmdd of fixed) {
          const day = DateTime.fromISO(`${year}-${mmdd}`, { zone: 'utc' });
          const observedOn = day.weekday === 6 ? day.minus({ days: 1 }) : day.weekday === 7 ? day.plus({ days: 1 }) : day;
          const date = observedOn.toISODate()!;
          if (!cal.isClosedDay(date) || cal.holidayName(date) === null) wrong.push(`${year}-${mmdd} -> ${date}`);
          // The weekday on the other side of the weekend stays open (unless it is a holiday itself).
          if (day.weekday >= 6) {
            const other = (day.weekday === 6 ? day.plus({ days: 2 }) : day.minus({ days: 2 })).toISODate()!;
            if (cal.holidayName(other) === null && cal.isClosedDay(other)) wrong.push(`${other} closed for ${year}-${mmdd}`);
          }
        }
      }
      assert.deepEqual(wrong, []);
    });

    it('an observed day in the previous calendar year is found (New Year 2028 on Fri 2027-12-31, and 2039 on Fri 2038-12-31)', () => {
      const fresh = new BusinessCalendar(); // empty holiday cache: the December date is asked for first
      assert.equal(fresh.isClosedDay('2038-12-31'), true);
      assert.equal(addDays(fresh, '2038-12-30 10:00', 1), '2039-01-03 10:00');
    });

    it('days that are not office closures stay open: Christmas Eve, the day after Thanksgiving, Election Day', () => {
      for (const date of ['2027-12-23', '2028-11-24', '2028-11-07', '2029-11-09', '2029-11-13']) {
        assert.equal(cal.isClosedDay(date), false, date);
      }
    });

    it('other countries: substitute days typed bank close (Ireland), those typed observance do not (Spain)', () => {
      const ie = new BusinessCalendar({ ...DEFAULT_CALENDAR, zone: 'Europe/Dublin', holidayCountry: 'IE' });
      assert.equal(ie.isClosedDay('2024-03-18'), true); // St Patrick's Day on a Sunday, observed Monday
      assert.equal(ie.isClosedDay('2026-12-28'), true); // St Stephen's Day on a Saturday, observed Monday
      assert.equal(ie.isClosedDay('2025-04-18'), false); // Good Friday: banks close, offices do not
      const es = new BusinessCalendar({ ...DEFAULT_CALENDAR, zone: 'Europe/Madrid', holidayCountry: 'ES' });
      assert.equal(es.isClosedDay('2023-01-02'), false); // a regional choice in Spain (observance nationally)
      const gb = new BusinessCalendar({ ...DEFAULT_CALENDAR, zone: 'Europe/London', holidayCountry: 'GB' });
      assert.equal(gb.isClosedDay('2027-12-27'), true);
      assert.equal(gb.isClosedDay('2027-12-28'), true);
      const de = new BusinessCalendar({ ...DEFAULT_CALENDAR, zone: 'Europe/Berlin', holidayCountry: 'DE' });
      assert.equal(de.isClosedDay('2026-12-24'), false); // bank, not a substitute: closedDates if the desk closes
    });

    it('closesOffices: public always; a substitute when public or bank; nothing else', () => {
      assert.equal(closesOffices({ type: 'public' }), true);
      assert.equal(closesOffices({ type: 'public', substitute: true }), true);
      assert.equal(closesOffices({ type: 'bank', substitute: true }), true);
      assert.equal(closesOffices({ type: 'bank' }), false);
      assert.equal(closesOffices({ type: 'observance', substitute: true }), false);
      assert.equal(closesOffices({ type: 'optional' }), false);
      assert.equal(closesOffices({ type: 'school' }), false);
    });
  });

  describe('settings', () => {
    it('extra closed dates are closed and skipped', () => {
      const c = new BusinessCalendar({ ...DEFAULT_CALENDAR, closedDates: ['2026-11-18'] });
      assert.equal(c.isClosedDay('2026-11-18'), true);
      assert.equal(c.holidayName('2026-11-18'), null);
      assert.equal(addDays(c, '2026-11-17 10:00', 1), '2026-11-19 10:00');
      assert.equal(addDays(c, '2026-11-17 10:00', 2), '2026-11-20 10:00');
    });

    it('a custom zone, hours and weekdays (Berlin, 09:00-17:00, Mon-Sat, German holidays)', () => {
      const zone = 'Europe/Berlin';
      const c = new BusinessCalendar({
        zone,
        open: '09:00',
        close: '17:00',
        days: [1, 2, 3, 4, 5, 6],
        holidayCountry: 'DE',
        holidayRegion: 'BY',
        closedDates: [],
      });
      assert.equal(c.minutesPerDay(), 480);
      assert.equal(c.isOpen(et('2026-11-17 09:00', zone)), true);
      assert.equal(c.isOpen(et('2026-11-17 17:00', zone)), false);
      assert.equal(c.isOpen(et('2026-11-21 12:00', zone)), true); // Saturday is open here
      assert.equal(addDays(c, '2026-11-21 13:00', 1, zone), '2026-11-23 13:00'); // Sat -> Mon
      assert.equal(c.isClosedDay('2026-10-03'), true); // German Unity Day (a Saturday)
      assert.equal(c.isClosedDay('2026-01-06'), true); // Epiphany, public in Bavaria
      assert.equal(c.isClosedDay('2026-11-26'), false); // US Thanksgiving means nothing here
      // Berlin changes clocks a week before New York does; local hours still hold.
      assert.equal(addDays(c, '2026-10-24 10:00', 1, zone), '2026-10-26 10:00');
      assert.equal(c.formatLocal(et('2026-11-24 16:00', zone)), 'Tuesday, November 24, 2026 at 4:00 PM GMT+1');
    });

    it('calendarFromConfig reads the SUPPORT_* settings', () => {
      const defaults = calendarFromConfig(testConfig());
      assert.deepEqual({ ...defaults }, { ...DEFAULT_CALENDAR });
      const custom = calendarFromConfig(
        testConfig({
          SUPPORT_TIMEZONE: 'America/Chicago',
          SUPPORT_OPEN: '08:00',
          SUPPORT_CLOSE: '16:00',
          SUPPORT_DAYS: '1,2,3,4',
          SUPPORT_HOLIDAY_COUNTRY: 'US',
          SUPPORT_HOLIDAY_REGION: 'CA',
          SUPPORT_CLOSED_DATES: '2026-12-24, 2026-12-31',
        }),
      );
      assert.deepEqual(custom, {
        zone: 'America/Chicago',
        open: '08:00',
        close: '16:00',
        days: [1, 2, 3, 4],
        holidayCountry: 'US',
        holidayRegion: 'CA',
        closedDates: ['2026-12-24', '2026-12-31'],
      });
      const c = new BusinessCalendar(custom);
      assert.equal(c.minutesPerDay(), 480);
      assert.equal(c.isClosedDay('2026-11-20'), true); // Friday is not a working day
      assert.equal(c.isClosedDay('2026-12-24'), true);
      assert.equal(c.formatLocal(et('2026-11-24 16:00')), 'Tuesday, November 24, 2026 at 3:00 PM CT');
    });

    const invalid: Array<[label: string, patch: Partial<CalendarSettings>]> = [
      ['unknown zone', { zone: 'Mars/Olympus' }],
      ['closing before opening', { open: '17:30', close: '07:30' }],
      ['malformed time', { open: '7:30' }],
      ['no open days', { days: [] }],
      ['weekday out of range', { days: [0, 1] }],
      ['malformed closed date', { closedDates: ['2026-02-30'] }],
      ['unknown holiday country', { holidayCountry: 'XX' }],
      ['unknown holiday region', { holidayRegion: 'ZZ' }],
    ];
    for (const [label, patch] of invalid) {
      it(`rejects ${label}`, () => assert.throws(() => new BusinessCalendar({ ...DEFAULT_CALENDAR, ...patch }), RangeError));
    }

    it('throws instead of looping when no day opens within a year', () => {
      const mondays: string[] = [];
      for (let d = DateTime.fromISO('2026-11-16'); d.year < 2028; d = d.plus({ weeks: 1 })) mondays.push(d.toISODate()!);
      const c = new BusinessCalendar({ ...DEFAULT_CALENDAR, days: [1], closedDates: mondays });
      assert.throws(() => c.addBusinessDays(et('2026-11-17 10:00'), 1), /no open day within 366 days/);
      assert.throws(() => c.nextOpening(et('2026-11-17 10:00')), /no open day/);
    });

    it('accepts 24:00 as closing time', () => {
      const c = new BusinessCalendar({ ...DEFAULT_CALENDAR, open: '00:00', close: '24:00' });
      assert.equal(c.minutesPerDay(), 1440);
      assert.equal(addDays(c, '2026-11-20 18:00', 1), '2026-11-23 18:00');
      assert.equal(local(c.addBusinessTime(et('2026-11-20 18:00'), 360)), '2026-11-21 00:00');
    });
  });

  describe('formatting', () => {
    it('formatLocal uses the ET family in winter and summer', () => {
      assert.equal(cal.formatLocal(et('2026-11-24 16:00')), 'Tuesday, November 24, 2026 at 4:00 PM ET');
      assert.equal(cal.formatLocal(et('2026-07-06 09:05')), 'Monday, July 6, 2026 at 9:05 AM ET');
    });

    const durations: Array<[minutes: number, text: string, perDay?: number]> = [
      [0, '0m'],
      [1, '1m'],
      [59, '59m'],
      [60, '1h'],
      [190, '3h 10m'],
      [599, '9h 59m'],
      [600, '1d'],
      [1500, '2d 5h'],
      [1201, '2d 1m'],
      [-190, '-3h 10m'],
      [90.9, '1h 30m'],
      [960, '2d', 480],
    ];
    for (const [minutes, text, perDay] of durations) {
      it(`formatBusinessDuration(${minutes}${perDay ? `, ${perDay}` : ''}) = "${text}"`, () => {
        assert.equal(formatBusinessDuration(minutes, perDay), text);
      });
    }
  });

  describe('properties', () => {
    // Instants with arbitrary seconds and milliseconds across 2026-2028 (DST, holidays, year ends).
    const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 11, 31) }).map((ms) => new Date(ms));
    const minutes = fc.oneof(fc.integer({ min: 0, max: 1800 }), fc.integer({ min: 0, max: 15000 }));
    const runs = { numRuns: 200 };

    it('addBusinessTime is monotonic in the instant', () => {
      fc.assert(
        fc.property(instant, instant, minutes, (x, y, d) => {
          const [lo, hi] = x <= y ? [x, y] : [y, x];
          return cal.addBusinessTime(lo, d) <= cal.addBusinessTime(hi, d);
        }),
        runs,
      );
    });

    it('addBusinessTime is strictly increasing in the duration', () => {
      fc.assert(
        fc.property(instant, minutes, minutes, (a, d1, d2) => {
          const [lo, hi] = d1 <= d2 ? [d1, d2] : [d2, d1];
          const r1 = cal.addBusinessTime(a, lo).getTime();
          const r2 = cal.addBusinessTime(a, hi).getTime();
          return lo === hi ? r1 === r2 : r1 < r2;
        }),
        runs,
      );
    });

    it('businessMinutesBetween(a, addBusinessTime(a, d)) === d', () => {
      fc.assert(
        fc.property(instant, minutes, (a, d) => {
          assert.equal(cal.businessMinutesBetween(a, cal.addBusinessTime(a, d)), d);
        }),
        runs,
      );
    });

    it('adding d > 0 lands within opening hours or exactly at a closing instant', () => {
      fc.assert(
        fc.property(instant, fc.integer({ min: 1, max: 15000 }), (a, d) => {
          const r = cal.addBusinessTime(a, d);
          if (cal.isOpen(r)) return true;
          const l = DateTime.fromJSDate(r, { zone: ZONE });
          return l.toFormat('HH:mm:ss.SSS') === '17:30:00.000' && !cal.isClosedDay(l.toISODate()!) && cal.isOpen(new Date(r.getTime() - 1));
        }),
        runs,
      );
    });

    it('nextOpening(x) is open and >= x, and nothing in between is open', () => {
      fc.assert(
        fc.property(instant, (x) => {
          const n = cal.nextOpening(x);
          assert.ok(n >= x);
          assert.ok(cal.isOpen(n));
          assert.equal(cal.businessMinutesBetween(x, n), 0);
        }),
        runs,
      );
    });
  });
});
