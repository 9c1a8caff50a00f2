import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { TimeLabels, timeDisplay, type RelativeLabel } from '../../../server/calendar/display-time';
import { formatInZone } from '../../../server/calendar/business-calendar';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function viewFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? viewFiles(p) : p.endsWith('.ejs') ? [p] : [];
  });
}

describe('calendar/display-time: one way of showing a moment (issue 18 item 16)', () => {
  const now = new Date('2026-11-29T21:59:00Z');
  const at = new Date('2026-11-29T21:43:00Z');

  it('shows relative words with the absolute time in the desk zone as tooltip', () => {
    const f = timeDisplay({ now, zone: 'America/New_York' });
    assert.equal(f.relative(at), '16 minutes ago');
    assert.equal(f.absolute(at), 'Sunday, November 29, 2026 at 4:43 PM ET');
    assert.equal(
      f.time(at),
      '<time datetime="2026-11-29T21:43:00.000Z" title="Sunday, November 29, 2026 at 4:43 PM ET">16 minutes ago</time>',
    );
    assert.equal(f.relative(new Date('2026-11-29T21:58:30Z')), 'just now');
  });

  it('shows deadlines exactly, with the relative time as tooltip', () => {
    const f = timeDisplay({ now, zone: 'America/New_York' });
    assert.equal(
      f.exact(new Date('2026-12-01T21:00:00Z')),
      '<time datetime="2026-12-01T21:00:00.000Z" title="in 1 day">Tuesday, December 1, 2026 at 4:00 PM ET</time>',
    );
  });

  it("uses the reader's zone when given", () => {
    assert.match(timeDisplay({ now, zone: 'Europe/Berlin' }).absolute(at), /10:43 PM/);
  });

  it('no page formats a time any other way (no UTC stamps, no locale date strings)', () => {
    const offenders: string[] = [];
    for (const file of viewFiles(path.join(ROOT, 'views'))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // The dashboard's period is counted in UTC days and says so: a range of days, not a moment.
          if (
            /\bUTC\b(?! days)|toUTCString|toLocaleDateString|toLocaleTimeString|toISOString\(\)\.(?:slice|substring|replace)/.test(line)
          ) {
            offenders.push(`${path.relative(ROOT, file)}:${i + 1}`);
          }
        });
    }
    assert.deepEqual(offenders, []);
  });
});

describe('calendar/display-time: TimeLabels gives the same words as luxon, shared across pages (issue 19)', () => {
  /** What the pages showed before TimeLabels: luxon's toRelative, "just now" under a minute. */
  const luxonRelative = (at: Date, now: Date) => {
    const base = DateTime.fromJSDate(now);
    const a = DateTime.fromJSDate(at);
    return Math.abs(a.diff(base).as('seconds')) < 60 ? 'just now' : a.toRelative({ base, locale: 'en-US' });
  };
  const luxonAbsolute = (at: Date, zone: string) => {
    const local = DateTime.fromMillis(at.getTime(), { zone }).setLocale('en-US');
    const short = local.offsetNameShort!;
    const family: Record<string, string> = { EST: 'ET', EDT: 'ET', PST: 'PT', PDT: 'PT', CST: 'CT', CDT: 'CT' };
    return `${local.toFormat("cccc, LLLL d, yyyy 'at' h:mm a")} ${family[short] ?? short}`;
  };

  it('relative words equal luxon\'s, minutes to years, past and future, while "now" moves on with stored words reused', () => {
    const store = new Map<string, RelativeLabel>();
    const labels = new TimeLabels(null, store);
    const instants = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2024, 0, 31, 12) + i * 2_876_543_210));
    let checked = 0;
    // "now" walks over month ends, a leap day and DST changes, by uneven steps.
    for (let now = Date.UTC(2024, 1, 27, 23, 59, 30); now < Date.UTC(2027, 3, 2); now += 301_234_567 + (now % 7) * 3_600_000) {
      const n = new Date(Math.floor(now));
      for (const at of instants) {
        assert.equal(labels.relative(at, n), luxonRelative(at, n), `${at.toISOString()} seen at ${n.toISOString()}`);
        checked++;
      }
    }
    assert.ok(checked > 5_000 && store.size > 20, `${checked} comparisons, ${store.size} stored`);
  });

  it('sub-day words are whole hours or minutes, truncated', () => {
    const now = new Date('2026-03-08T07:30:00Z'); // the US spring-forward morning
    const labels = new TimeLabels();
    for (let m = -22 * 60 + 1; m < 22 * 60; m += 7) {
      const at = new Date(now.getTime() + m * 60_000 + 17_000);
      assert.equal(labels.relative(at, now), luxonRelative(at, now));
    }
  });

  it("absolute words equal luxon's in several zones, and are stored once per zone and instant", () => {
    const store = new Map<string, string>();
    const labels = new TimeLabels(store, null);
    for (const zone of ['America/New_York', 'America/Los_Angeles', 'Europe/Berlin', 'Asia/Kolkata', 'UTC', 'Australia/Lord_Howe']) {
      for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2027, 0, 1); t += 86_400_000 * 11.7 + 1_234_567) {
        const at = new Date(Math.floor(t));
        assert.equal(formatInZone(at, zone), luxonAbsolute(at, zone));
        assert.equal(labels.absolute(at, zone), luxonAbsolute(at, zone));
      }
    }
    const size = store.size;
    labels.absolute(new Date(Date.UTC(2025, 0, 1)), 'UTC');
    assert.equal(store.size, size);
    assert.throws(() => formatInZone(new Date(NaN), 'UTC'), RangeError);
  });
});
