import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { formatInZone, zoneNamer } from '../../../server/calendar/business-calendar';

describe('zone names: one Intl formatter per zone (server/calendar/business-calendar.ts zoneNamer)', () => {
  it("names every zone as luxon's offsetNameShort does, across daylight-saving changes", () => {
    const zones = [
      'America/New_York',
      'America/Los_Angeles',
      'America/St_Johns',
      'Europe/Berlin',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'UTC',
    ];
    for (const zone of zones) {
      const nameOf = zoneNamer(zone);
      for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 86_400_000 * 7 + 3_600_000 * 5) {
        assert.equal(
          nameOf(ms),
          DateTime.fromMillis(ms, { zone }).setLocale('en-US').offsetNameShort,
          `${zone} at ${new Date(ms).toISOString()}`,
        );
      }
    }
  });

  it('formatInZone words a moment the same with a shared namer as without', () => {
    const nameOf = zoneNamer('America/New_York');
    for (const iso of ['2026-11-24T21:00:00Z', '2026-07-04T16:30:00Z', '2026-03-08T07:30:00Z']) {
      const at = new Date(iso);
      assert.equal(formatInZone(at, 'America/New_York', nameOf), formatInZone(at, 'America/New_York'));
    }
    assert.equal(formatInZone(new Date('2026-11-24T21:00:00Z'), 'America/New_York', nameOf), 'Tuesday, November 24, 2026 at 4:00 PM ET');
  });
});
