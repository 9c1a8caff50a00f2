import { BusinessCalendar } from '../server/calendar';

/**
 * Micro benchmark of the business calendar: how many lock deadlines per second one process
 * can compute. Prints numbers; asserts nothing (DESIGN.md, bench/).
 */
const calendar = new BusinessCalendar();
const start = Date.UTC(2026, 0, 1);
const span = 3 * 365 * 24 * 3600_000;
const instants = Array.from({ length: 1000 }, (_, i) => new Date(start + ((i * 7919 * 3600_000) % span)));

function bench(label: string, fn: (at: Date) => unknown, ms = 1000): void {
  for (const at of instants.slice(0, 100)) fn(at); // warm up, fill the holiday cache
  let ops = 0;
  const began = performance.now();
  while (performance.now() - began < ms) {
    for (const at of instants) fn(at);
    ops += instants.length;
  }
  const elapsed = (performance.now() - began) / 1000;
  console.log(
    `${label.padEnd(34)} ${Math.round(ops / elapsed)
      .toLocaleString('en-US')
      .padStart(10)} ops/s`,
  );
}

bench('addBusinessDays(at, 1)', (at) => calendar.addBusinessDays(at, 1));
bench('addBusinessDays(at, 2)', (at) => calendar.addBusinessDays(at, 2));
bench('addBusinessDays(at, 20)', (at) => calendar.addBusinessDays(at, 20));
bench('isOpen(at)', (at) => calendar.isOpen(at));
bench('businessMinutesBetween(at, +7d)', (at) => calendar.businessMinutesBetween(at, new Date(at.getTime() + 7 * 86_400_000)));
