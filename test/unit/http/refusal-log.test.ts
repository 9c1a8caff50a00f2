import assert from 'node:assert/strict';
import { RefusalLog } from '../../../server/http/load-shedding';
import type { Logger } from '../../../server/kernel/logger';

/** server/http/load-shedding.ts RefusalLog: at most one warn line per interval about refused requests. */
describe('load shedding: the refusal log', () => {
  const setup = () => {
    let t = 1_000;
    const lines: { obj: Record<string, unknown>; msg: string }[] = [];
    const log = { warn: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }) } as unknown as Logger;
    const refusals = new RefusalLog(10_000, () => t);
    return {
      lines,
      note: (reason: 'in_flight' | 'event_loop_delay') => refusals.note({ log }, reason, 180.4),
      at: (ms: number) => (t = ms),
    };
  };

  it('logs the first refusal at once, then one line with the counts per reason when the interval has passed', () => {
    const { lines, note, at } = setup();
    note('in_flight');
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0]!.obj, { refused: { in_flight: 1, event_loop_delay: 0 }, overSeconds: 0, eventLoopDelayMs: 180 });
    assert.match(lines[0]!.msg, /shedding load/);
    for (let i = 0; i < 300; i++) note(i % 3 ? 'in_flight' : 'event_loop_delay');
    at(10_999);
    note('in_flight');
    assert.equal(lines.length, 1, 'a storm of refusals within 10 s is one line');
    at(11_000);
    note('event_loop_delay');
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[1]!.obj, { refused: { in_flight: 201, event_loop_delay: 101 }, overSeconds: 10, eventLoopDelayMs: 180 });
    at(11_500);
    note('in_flight');
    assert.equal(lines.length, 2, 'the counts start again after each line');
    at(30_000);
    note('in_flight');
    assert.deepEqual(lines[2]!.obj, { refused: { in_flight: 2, event_loop_delay: 0 }, overSeconds: 19, eventLoopDelayMs: 180 });
  });
});
