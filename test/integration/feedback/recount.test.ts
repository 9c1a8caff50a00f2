import assert from 'node:assert/strict';
import { ask, oid, reply, seeded, startFeedbackWorld, type FeedbackWorld, type Person } from './helpers';
import { AppError } from '../../../server/kernel/errors';
import { runCommand, type CliContext } from '../../../server/cli/registry';
import { COMMANDS } from '../../../server/cli/commands';
import { createLogger } from '../../../server/kernel/logger';

/** Counters straight from the vote documents, computed here independently of the service. */
async function countersFromVotes(w: FeedbackWorld) {
  const out = new Map<string, { helpfulCount: number; notHelpfulCount: number; satisfactionSum: number; satisfactionCount: number }>();
  for (const v of await w.app.col('votes').find({}).toArray()) {
    const k = String(v.replyId);
    const c = out.get(k) ?? { helpfulCount: 0, notHelpfulCount: 0, satisfactionSum: 0, satisfactionCount: 0 };
    if (v.helpful === true) c.helpfulCount++;
    if (v.helpful === false) c.notHelpfulCount++;
    if (typeof v.score === 'number') {
      c.satisfactionSum += v.score;
      c.satisfactionCount++;
    }
    out.set(k, c);
  }
  return out;
}

async function replyCounters(w: FeedbackWorld) {
  const out = new Map<string, { helpfulCount: number; notHelpfulCount: number; satisfactionSum: number; satisfactionCount: number }>();
  for (const r of await w.app.col('replies').find({}).toArray()) {
    const c = {
      helpfulCount: r.helpfulCount,
      notHelpfulCount: r.notHelpfulCount,
      satisfactionSum: r.satisfactionSum,
      satisfactionCount: r.satisfactionCount,
    };
    if (c.helpfulCount || c.notHelpfulCount || c.satisfactionCount || c.satisfactionSum) out.set(String(r._id), c);
  }
  return out;
}

const FIELDS = ['yes', 'no', 'satSum', 'satCount', 's1', 's2', 's3', 's4', 's5', 'replies', 'accepted', 'firstResponses'];
/** Non-empty daily rows as comparable strings. */
async function dailyRows(w: FeedbackWorld): Promise<string[]> {
  const rows = await w.app.col('feedback_daily').find({}).toArray();
  const minutes = (r: Record<string, unknown>) => [...((r.frMinutes as number[] | undefined) ?? [])].sort((a, b) => a - b).join(' ');
  return rows
    .filter((r) => FIELDS.some((f) => r[f]) || minutes(r))
    .map((r) => `${r.productId ?? '*'}|${r.day}|${r.moderatorId}|${FIELDS.map((f) => r[f] ?? 0).join(',')}|${minutes(r)}`)
    .sort();
}

describe('feedback: counters and the recount', function () {
  this.timeout(120_000);
  let w: FeedbackWorld;
  let people: Person[];
  let replyIds: string[];

  before(async () => {
    w = await startFeedbackWorld('2026-11-16T15:00:00Z');
    const asker = await w.person('member', 'asker');
    const mod1 = await w.person('moderator', 'dana');
    const mod2 = await w.person('admin', 'ana');
    const readers: Person[] = [];
    for (let i = 0; i < 4; i++) readers.push(await w.person('member', `reader${i}`));
    people = [asker, mod1, mod2, ...readers];
    const [p0, p1, p2] = w.products;
    const t1 = (await ask(asker, [p0!.id, p1!.id], 'A question about two products at once')).id;
    const t2 = (await ask(readers[0]!, [p2!.id], 'A question about one product only')).id;
    replyIds = [];
    replyIds.push((await reply(mod1, t1)).id);
    w.app.clock.advance(86_400_000);
    replyIds.push((await reply(mod2, t1)).id);
    replyIds.push((await reply(readers[1]!, t1, 'Same problem here, any news on this one?')).id);
    replyIds.push((await reply(mod1, t2)).id);
    w.app.clock.advance(86_400_000);
    replyIds.push((await reply(asker, t2, 'I think you need to clear the browser cache first.')).id);
    replyIds.push((await reply(mod2, t2)).id);
  });
  after(() => w?.close());

  it('match an independent count and the recount after a seeded random sequence of concurrent votes, changes and withdrawals', async () => {
    const rnd = seeded(20261117);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    let refused = 0;
    for (let round = 0; round < 60; round++) {
      const batch = Array.from({ length: 6 }, () => {
        const who = pick(people).actor;
        const id = pick(replyIds);
        const op = Math.floor(rnd() * 6);
        const call =
          op === 0
            ? w.app.services.feedback.voteHelpful(who, id, { helpful: true }, w.app.clock)
            : op === 1
              ? w.app.services.feedback.voteHelpful(who, id, { helpful: false }, w.app.clock)
              : op === 2
                ? w.app.services.feedback.withdrawHelpful(who, id, w.app.clock)
                : op === 3 || op === 4
                  ? w.app.services.feedback.rateSatisfaction(who, id, { score: 1 + Math.floor(rnd() * 5), comment: 'ok' }, w.app.clock)
                  : w.app.services.feedback.withdrawSatisfaction(who, id, w.app.clock);
        return call.then(
          () => undefined,
          (err: unknown) => {
            // Only "your own reply" may be refused.
            assert.ok(err instanceof AppError && err.status === 403, String(err));
            refused++;
          },
        );
      });
      await Promise.all(batch);
    }
    assert.ok(refused > 0, 'the sequence includes self-votes');
    assert.ok((await w.app.col('votes').countDocuments()) > 5);

    const counted = await countersFromVotes(w);
    const stored = await replyCounters(w);
    for (const [id, c] of counted) if (!c.helpfulCount && !c.notHelpfulCount && !c.satisfactionCount) counted.delete(id);
    assert.deepEqual(stored, counted);

    const rowsBefore = await dailyRows(w);
    assert.ok(rowsBefore.length > 0);
    const result = await w.app.services.feedback.recount({ batchSize: 2 });
    assert.equal(result.replies, replyIds.length);
    assert.equal(result.repliesFixed, 0, 'the live counters were already right');
    assert.equal(result.dailyRowsWritten, 0, 'the live daily totals were already right');
    assert.deepEqual(await replyCounters(w), stored);
    assert.deepEqual(await dailyRows(w), rowsBefore);
  });

  it('repairs broken counters and daily totals', async () => {
    const good = await replyCounters(w);
    const goodRows = await dailyRows(w);
    await w.app.col('replies').updateOne({ _id: oid(replyIds[0]!) }, { $inc: { helpfulCount: 7, satisfactionSum: -2 } });
    await w.app.col('replies').updateOne({ _id: oid(replyIds[3]!) }, { $set: { notHelpfulCount: 99, satisfactionCount: 0 } });
    await w.app.col('feedback_daily').deleteOne({});
    await w.app.col('feedback_daily').updateMany({ productId: null }, { $set: { replies: 0, frMinutes: [1, 2] } });
    await w.app.col('feedback_first_responses').deleteMany({});
    await w.app.col('feedback_daily').insertOne({
      productId: null,
      day: '2020-01-01',
      moderatorId: oid(people[1]!.user.id),
      yes: 5,
      no: 0,
      satSum: 0,
      satCount: 0,
      s1: 0,
      s2: 0,
      s3: 0,
      s4: 0,
      s5: 0,
    });
    const lines: string[] = [];
    const result = await w.app.services.feedback.recount({ progress: (l) => lines.push(l) });
    assert.ok(result.repliesFixed >= 2);
    assert.ok(result.dailyRowsRemoved >= 1);
    assert.deepEqual(await replyCounters(w), good);
    assert.deepEqual(await dailyRows(w), goodRows);
    assert.equal(await w.app.col('feedback_first_responses').countDocuments(), 2, 'first-response claims restored');
    assert.ok(
      lines.some((l) => /^recount: 6\/6 replies, \d+ votes, \d+ fixed$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^recount: 2\/2 threads$/.test(l)),
      lines.join('\n'),
    );
  });

  it('runs as `npm run forum -- recount` and prints its progress', async () => {
    await w.app.col('replies').updateOne({ _id: oid(replyIds[1]!) }, { $inc: { helpfulCount: 3 } });
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      config: w.app.config,
      logger: createLogger('silent'),
      clock: w.app.clock,
      forum: w.app.services,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      interactive: false,
    };
    assert.equal(await runCommand(COMMANDS, 'recount', ['--batch', '4'], ctx), 0, err.join('\n'));
    assert.equal(out[0], `recount: ${replyIds.length} replies`);
    assert.match(out[1]!, /^recount: 4\/6 replies/);
    assert.match(out.at(-1)!, /^done: 6 replies, \d+ votes, 1 reply counters fixed, 2 threads/);
    assert.equal(await runCommand(COMMANDS, 'recount', ['--batch', 'lots'], ctx), 1);
    assert.match(err.join('\n'), /--batch must be a whole number/);
  });
});
