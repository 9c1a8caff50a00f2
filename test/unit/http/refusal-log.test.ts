import assert from 'node:assert/strict';
import { RefusalLog } from '../../../server/http/load-shedding';
import type { Logger } from '../../../server/kernel/logger';

/** server/http/load-shedding.ts RefusalLog: at most one warn line per interval about refused requests. */
describe('load shedding: the refusal log', () => {
  const setup = () => {
    let t = 1_000;
    const lines: { obj: Record<string, unknown>; msg: string }[] = [];
    const timers: { run: () => void; at: number }[] = [];
    const log = { warn: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }) } as unknown as Logger;
    const refusals = new RefusalLog(
      10_000,
      () => t,
      (run, ms) => timers.push({ run, at: t + ms }),
    );
    return {
      lines,
      timers,
      note: (reason: 'in_flight' | 'event_loop_delay') => refusals.note({ log }, reason, 180.4),
      /** Moves the clock to `ms`, running the timers due by then at their own times, in order. */
      at: (ms: number) => {
        for (;;) {
          timers.sort((a, b) => a.at - b.at);
          if (!timers.length || timers[0]!.at > ms) break;
          const timer = timers.shift()!;
          t = timer.at;
          timer.run();
        }
        t = ms;
      },
    };
  };

  it('logs the first refusal at once, then the counts of a burst in one line when the interval ends', () => {
    const { lines, timers, note, at } = setup();
    note('in_flight');
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0]!.obj, { refused: { in_flight: 1, event_loop_delay: 0 }, overSeconds: 0, eventLoopDelayMs: 180 });
    assert.match(lines[0]!.msg, /shedding load/);
    for (let i = 0; i < 300; i++) note(i % 3 ? 'in_flight' : 'event_loop_delay');
    assert.equal(lines.length, 1, 'a storm of refusals within 10 s is one line');
    assert.equal(timers.length, 1, 'one flush is scheduled, at the end of the interval');
    at(10_999);
    assert.equal(lines.length, 1);
    at(11_000);
    assert.equal(lines.length, 2, 'the burst is logged when the interval ends, without waiting for another refusal');
    assert.deepEqual(lines[1]!.obj, { refused: { in_flight: 200, event_loop_delay: 100 }, overSeconds: 10, eventLoopDelayMs: 180 });
    at(60_000);
    assert.equal(lines.length, 2, 'nothing more to log');
  });

  it('after a line, refusals within the interval wait for the flush; one 10 s or more after the last line is logged at once', () => {
    const { lines, timers, note, at } = setup();
    note('in_flight');
    note('in_flight');
    assert.equal(timers.length, 1);
    at(11_500);
    assert.equal(lines.length, 2, 'the flush ran at 11,000 ms');
    assert.deepEqual(lines[1]!.obj, { refused: { in_flight: 1, event_loop_delay: 0 }, overSeconds: 10, eventLoopDelayMs: 180 });
    note('event_loop_delay');
    assert.equal(lines.length, 2, 'within 10 s of the last line: counted, flushed at 21,000 ms');
    at(30_000);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[2]!.obj, { refused: { in_flight: 0, event_loop_delay: 1 }, overSeconds: 10, eventLoopDelayMs: 180 });
    at(31_000);
    note('in_flight');
    assert.equal(lines.length, 4, '10 s after the last line: logged at once');
    assert.deepEqual(lines[3]!.obj, { refused: { in_flight: 1, event_loop_delay: 0 }, overSeconds: 10, eventLoopDelayMs: 180 });
    assert.equal(timers.length, 0, 'no flush left pending');
  });
});
