import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeDisplay } from '../../../server/calendar/display-time';

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
