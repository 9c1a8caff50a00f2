/**
 * Reply feedback at scale, on a fresh in-memory embedded database. Prints numbers; asserts
 * nothing.
 *
 *   npx tsx bench/feedback.ts [--votes 1000000] [--replies 100000] [--recount] [--no-http]
 *
 * 1. Seeds --replies replies (4 per thread, about half by 20 moderators, 10 products, spread
 *    over the year before "now") and --votes vote documents (helpful and/or a 1-5 rating),
 *    written directly through the driver in batches, with the matching reply counters and
 *    feedback_daily running totals (feedback, staff replies, accepted answers, first
 *    responses) computed on the side. The recount at the end cross-checks them.
 * 2. Times the dashboard service (supportReport) for the last quarter, a quarter filtered to
 *    one product, and all time.
 * 3. Vote throughput through the service (helpful votes and ratings, sequential and 16 at a
 *    time); with --recount, the recount over everything (about 100 s at 1M votes, which would
 *    push the run past five minutes; it also cross-checks the seeded totals: 0 fixed).
 * 4. Vote throughput through HTTP (autocannon, signed-in readers with CSRF): the vote rate
 *    limit (60 a minute per reader) is kept by rotating 40 readers and capping the run.
 */
import type { AddressInfo } from 'node:net';
import { Types } from 'mongoose';
import autocannon from 'autocannon';
import { createApp } from '../server/app';
import { createServices, type Services } from '../server/compose';
import { testConfig } from '../server/config';
import { createLogger } from '../server/kernel/logger';
import type { Clock } from '../server/kernel/clock';
import { startTestDatabase } from '../server/db/connect';
import { BusinessCalendar } from '../server/calendar';
import { RENDERER_VERSION } from '../server/markdown/render';
import { replyDoc } from './forum-data';

/** The forum under test (built in main through the composition root). */
let forum: Services;
import type { Actor } from '../server/kernel/actor';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const N_VOTES = arg('votes', 1_000_000);
const N_REPLIES = arg('replies', 100_000);
const REPLIES_PER_THREAD = 4;
const N_THREADS = Math.ceil(N_REPLIES / REPLIES_PER_THREAD);
const N_MODS = 20;
const N_PRODUCTS = 10;
const VOTER_POOL = 200_003; // prime, so (base + k * step) % pool gives distinct voters per reply
const NOW = new Date('2026-11-17T15:00:00Z');
const DAY = 86_400_000;
const clock: Clock = { now: () => NOW };

let seed = 42;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const ms = (t0: number) => Date.now() - t0;
const line = (label: string, value: string) => console.log(`${label.padEnd(52)} ${value}`);

async function seedData(calendar: BusinessCalendar) {
  const products = Array.from({ length: N_PRODUCTS }, (_, i) => ({
    _id: new Types.ObjectId(),
    name: `Product ${i}`,
    slug: `product-${i}`,
    position: i,
    createdAt: NOW,
    updatedAt: NOW,
  }));
  await forum.models.Product.collection.insertMany(products);
  const mods = Array.from({ length: N_MODS }, (_, i) => ({
    _id: new Types.ObjectId(),
    username: `mod${i}`,
    usernameLower: `mod${i}`,
    email: `mod${i}@bench.invalid`,
    displayName: `Moderator ${i}`,
    passwordHash: 'x',
    role: i === 0 ? 'admin' : 'moderator',
    createdAt: NOW,
  }));
  const members = Array.from({ length: 50 }, (_, i) => ({
    _id: new Types.ObjectId(),
    username: `member${i}`,
    usernameLower: `member${i}`,
    email: `member${i}@bench.invalid`,
    displayName: `Member ${i}`,
    passwordHash: 'x',
    role: 'member',
    createdAt: NOW,
  }));
  await forum.models.User.collection.insertMany([...mods, ...members]);
  const voters = Array.from({ length: VOTER_POOL }, () => new Types.ObjectId());

  type DailyRow = {
    productId: Types.ObjectId | null;
    day: string;
    moderatorId: Types.ObjectId;
    yes: number;
    no: number;
    satSum: number;
    satCount: number;
    s1: number;
    s2: number;
    s3: number;
    s4: number;
    s5: number;
    replies: number;
    accepted: number;
    firstResponses: number;
    frMinutes: number[];
  };
  const daily = new Map<string, DailyRow>();
  const addRow = (moderatorId: Types.ObjectId, at: Date, productIds: Types.ObjectId[], fn: (row: DailyRow) => void) => {
    const day = at.toISOString().slice(0, 10);
    for (const productId of [null, ...productIds]) {
      const key = `${productId ?? ''}|${day}|${moderatorId}`;
      let row = daily.get(key);
      if (!row) {
        row = {
          productId,
          day,
          moderatorId,
          yes: 0,
          no: 0,
          satSum: 0,
          satCount: 0,
          s1: 0,
          s2: 0,
          s3: 0,
          s4: 0,
          s5: 0,
          replies: 0,
          accepted: 0,
          firstResponses: 0,
          frMinutes: [],
        };
        daily.set(key, row);
      }
      fn(row);
    }
  };
  const replyFacts = new Map<string, { author: Types.ObjectId; at: Date }>();
  const votesPerReply = N_VOTES / N_REPLIES;
  let votesMade = 0;
  let repliesMade = 0;
  const staffReplyIds: Types.ObjectId[] = [];
  const t0 = Date.now();
  const THREAD_BATCH = 500;
  let insertMs = 0;
  for (let b = 0; b < N_THREADS; b += THREAD_BATCH) {
    const threads = [];
    const replies = [];
    const votes = [];
    for (let i = b; i < Math.min(N_THREADS, b + THREAD_BATCH); i++) {
      const asker = pick(members);
      const createdAt = new Date(NOW.getTime() - 365 * DAY + rnd() * 360 * DAY);
      const tp = rnd() < 0.2 ? [pick(products), pick(products)] : [pick(products)];
      const threadProducts = [...new Map(tp.map((p) => [String(p._id), p])).values()];
      const threadId = new Types.ObjectId();
      let at = createdAt.getTime();
      let accepted: Types.ObjectId | null = null;
      let last: { id: Types.ObjectId; role: string; name: string } = { id: asker._id, role: 'member', name: asker.displayName };
      let firstDone = false;
      const staffOfThread: Types.ObjectId[] = [];
      for (let k = 0; k < REPLIES_PER_THREAD && repliesMade < N_REPLIES; k++, repliesMade++) {
        const staff = k === 0 || rnd() < 0.5;
        const author = staff ? pick(mods) : pick(members);
        at += rnd() * 2 * DAY;
        const replyId = new Types.ObjectId();
        const replyAt = new Date(at);
        const c = { helpfulCount: 0, notHelpfulCount: 0, satisfactionSum: 0, satisfactionCount: 0 };
        const hist = [0, 0, 0, 0, 0];
        const n = Math.floor(votesPerReply) + (rnd() < votesPerReply % 1 ? 1 : 0);
        const base = Math.floor(rnd() * VOTER_POOL);
        const step = 1 + Math.floor(rnd() * 1000);
        for (let v = 0; v < n && votesMade < N_VOTES; v++, votesMade++) {
          const r = rnd();
          let helpful: boolean | null = r < 0.6 ? true : r < 0.85 ? false : null;
          const score = rnd() < 0.5 ? 1 + Math.min(4, Math.floor(rnd() * rnd() * 5 + rnd() * 2.5)) : null;
          if (helpful === null && score === null) helpful = true;
          if (helpful === true) c.helpfulCount++;
          if (helpful === false) c.notHelpfulCount++;
          if (score !== null) {
            c.satisfactionSum += score;
            c.satisfactionCount++;
            hist[score - 1]!++;
          }
          votes.push({
            replyId,
            userId: voters[(base + v * step) % VOTER_POOL]!,
            threadId,
            helpful,
            score,
            comment: '',
            createdAt: replyAt,
            updatedAt: replyAt,
          });
        }
        if (staff) {
          staffReplyIds.push(replyId);
          const isFirst = !firstDone;
          firstDone = true;
          const minutes = isFirst ? calendar.businessMinutesBetween(createdAt, replyAt) : 0;
          staffOfThread.push(replyId);
          addRow(
            author._id,
            replyAt,
            threadProducts.map((p) => p._id),
            (row) => {
              row.yes += c.helpfulCount;
              row.no += c.notHelpfulCount;
              row.satSum += c.satisfactionSum;
              row.satCount += c.satisfactionCount;
              hist.forEach((h, j) => (row[`s${j + 1}` as 's1'] += h));
              row.replies += 1;
              if (isFirst) {
                row.firstResponses += 1;
                row.frMinutes.push(minutes);
              }
            },
          );
          replyFacts.set(String(replyId), { author: author._id, at: replyAt });
        }
        replies.push({
          ...replyDoc({
            _id: replyId,
            threadId,
            author,
            bodySource: 'Reply text.',
            bodyHtml: '<p>Reply text.</p>',
            rendererVersion: RENDERER_VERSION,
            at: replyAt.getTime(),
            helpful: 0,
            notHelpful: 0,
          }),
          ...c,
        });
        last = { id: author._id, role: author.role, name: author.displayName };
      }
      if (staffOfThread.length && rnd() < 0.4) {
        accepted = pick(staffOfThread);
        const f = replyFacts.get(String(accepted))!;
        addRow(
          f.author,
          f.at,
          threadProducts.map((p) => p._id),
          (row) => (row.accepted += 1),
        );
      }
      const closed = !accepted && last.role !== 'member' && rnd() < 0.3;
      threads.push({
        _id: threadId,
        title: `Bench question ${i}`,
        slug: `bench-question-${i}`,
        bodySource: 'Question.',
        bodyHtml: '<p>Question.</p>',
        rendererVersion: RENDERER_VERSION,
        author: asker._id,
        authorName: asker.displayName,
        authorUsername: asker.username,
        authorRole: 'member',
        products: threadProducts.map((p) => p._id),
        productNames: threadProducts.map((p) => p.name),
        status: accepted ? 'answered' : closed ? 'locked' : 'awaiting_asker',
        acceptedReplyId: accepted,
        acceptedAt: null,
        acceptedBy: null,
        replyCount: REPLIES_PER_THREAD,
        views: 0,
        lastActivityAt: new Date(at),
        lastPosterRole: last.role,
        lastPosterId: last.id,
        lastPosterName: last.name,
        lastPosterIsAsker: false,
        lockedAt: closed ? new Date(at + 2 * DAY) : null,
        lockReason: closed ? 'no_response' : null,
        lockNote: '',
        lockedBy: null,
        editedAt: null,
        createdAt,
        updatedAt: new Date(at),
      });
    }
    const t1 = Date.now();
    await forum.models.Thread.collection.insertMany(threads, { ordered: false });
    await forum.models.Reply.collection.insertMany(replies, { ordered: false });
    for (let i = 0; i < votes.length; i += 10_000)
      await forum.models.Vote.collection.insertMany(votes.slice(i, i + 10_000), { ordered: false });
    insertMs += ms(t1);
  }
  const t2 = Date.now();
  const rows = [...daily.values()];
  for (let i = 0; i < rows.length; i += 10_000)
    await forum.models.FeedbackDaily.collection.insertMany(rows.slice(i, i + 10_000), { ordered: false });
  insertMs += ms(t2);
  return { mods, members, voters, staffReplyIds, seedMs: ms(t0), insertMs, votesMade, repliesMade, dailyRows: rows.length, products };
}

async function timeIt<T>(runs: number, fn: () => Promise<T>): Promise<{ min: number; median: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { min: times[0]!, median: times[times.length >> 1]! };
}

async function throughput(label: string, total: number, concurrency: number, op: (i: number) => Promise<unknown>) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await op(next++);
    }),
  );
  const s = (performance.now() - t0) / 1000;
  line(label, `${(total / s).toFixed(0)} ops/s  (${total} in ${s.toFixed(2)} s)`);
}

async function main() {
  const tStart = Date.now();
  const db = await startTestDatabase();
  const config = testConfig({ RATE_LOGIN_MAX: '1000' });
  forum = createServices({ config, clock, logger: createLogger('silent'), db: db.connection });
  await forum.init();
  const app = createApp(forum);
  const calendar = forum.rules.current().calendar;

  const s = await seedData(calendar);
  line('seeded replies / votes / daily rows', `${s.repliesMade} / ${s.votesMade} / ${s.dailyRows}`);
  line(
    'seed time (generation + driver inserts)',
    `${(s.seedMs / 1000).toFixed(1)} s  (inserts ${(s.insertMs / 1000).toFixed(1)} s, ${(s.votesMade / (s.insertMs / 1000)).toFixed(0)} votes/s incl. replies+threads)`,
  );

  const mod: Actor = { id: String(s.mods[1]!._id), username: 'mod1', displayName: 'Moderator 1', role: 'moderator' };
  const quarter = { from: '2026-08-19', to: '2026-11-17' };
  let report = await forum.feedback.report(mod, quarter);
  line(
    'quarter: staff replies / votes in totals',
    `${report.totals.staffReplies} / ${report.totals.helpfulYes + report.totals.helpfulNo} helpful, ${report.totals.satisfactionCount} ratings`,
  );
  let t = await timeIt(5, () => forum.feedback.report(mod, quarter));
  line('dashboard service, last quarter', `median ${t.median.toFixed(0)} ms  (min ${t.min.toFixed(0)} ms)`);
  t = await timeIt(5, () => forum.feedback.report(mod, { ...quarter, product: String(s.products[3]!._id) }));
  line('dashboard service, last quarter, one product', `median ${t.median.toFixed(0)} ms  (min ${t.min.toFixed(0)} ms)`);
  const all = { from: '2025-01-01', to: '2026-11-17' };
  report = await forum.feedback.report(mod, all);
  line(
    'all time: staff replies / votes in totals',
    `${report.totals.staffReplies} / ${report.totals.helpfulYes + report.totals.helpfulNo} helpful, ${report.totals.satisfactionCount} ratings`,
  );
  t = await timeIt(3, () => forum.feedback.report(mod, all));
  line('dashboard service, all time', `median ${t.median.toFixed(0)} ms  (min ${t.min.toFixed(0)} ms)`);

  // Votes through the service, by readers who have not voted yet, on staff replies.
  const reader = (i: number): Actor => ({ id: String(new Types.ObjectId()), username: `r${i}`, displayName: `R${i}`, role: 'member' });
  const readers = Array.from({ length: 4000 }, (_, i) => reader(i));
  const target = (i: number) => String(s.staffReplyIds[(i * 7919) % s.staffReplyIds.length]);
  await throughput('service: helpful votes, sequential', 2000, 1, (i) =>
    forum.feedback.voteHelpful(readers[i]!, target(i), { helpful: i % 3 !== 0 }),
  );
  await throughput('service: helpful votes, 16 concurrent', 4000, 16, (i) =>
    forum.feedback.voteHelpful(readers[i]!, target(i + 1), { helpful: i % 2 === 0 }),
  );
  await throughput('service: ratings, 16 concurrent', 4000, 16, (i) =>
    forum.feedback.rateSatisfaction(readers[i]!, target(i + 2), { score: 1 + (i % 5) }),
  );
  await throughput('service: same reader+reply, 16 concurrent (changes)', 2000, 16, (i) =>
    forum.feedback.voteHelpful(readers[0]!, target(0), { helpful: i % 2 === 0 }),
  );

  if (flag('recount')) {
    const t0 = Date.now();
    const r = await forum.feedback.recount({ batchSize: 2000 });
    line(
      'recount (all replies, all votes)',
      `${(ms(t0) / 1000).toFixed(1)} s  (${r.replies} replies, ${r.votes} votes, ${r.repliesFixed} fixed, ${r.dailyRowsWritten} daily rows written)`,
    );
  }

  if (!flag('no-http')) await httpVotes(app, s.staffReplyIds);

  line('total bench time', `${((Date.now() - tStart) / 1000).toFixed(0)} s`);
  await db.close();
}

/** Votes over HTTP: 40 signed-in readers in rotation, at most 55 votes each (limit: 60/min). */
async function httpVotes(app: ReturnType<typeof createApp>, staffReplyIds: Types.ObjectId[]) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { auth } = forum;
  const sessions: Array<{ cookie: string; csrf: string }> = [];
  const t0 = Date.now();
  for (let i = 0; i < 40; i++) {
    const user = await auth.register({ username: `httpreader${i}`, email: `httpreader${i}@bench.invalid`, password: 'bench-password-123' });
    const jar = new Map<string, string>();
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
    };
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let res = await fetch(`${url}/api/session`);
    keep(res);
    const token = ((await res.json()) as { csrfToken: string }).csrfToken;
    res = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token, cookie: cookie() },
      body: JSON.stringify({ username: user.username, password: 'bench-password-123' }),
    });
    keep(res);
    const body = (await res.json()) as { csrfToken: string };
    sessions.push({ cookie: cookie(), csrf: body.csrfToken });
  }
  line('http: 40 readers registered and signed in', `${((Date.now() - t0) / 1000).toFixed(1)} s`);

  let k = 0;
  const run = autocannon as unknown as (o: Record<string, unknown>) => Promise<autocannon.Result>;
  const amount = sessions.length * 55;
  const result = await run({
    url,
    connections: 16,
    amount,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: Record<string, unknown>) => {
          const i = k++;
          const sess = sessions[i % sessions.length]!;
          const replyId = staffReplyIds[(i * 104_729) % staffReplyIds.length];
          return {
            ...req,
            method: 'POST',
            path: `/api/replies/${replyId}/helpful`,
            headers: { 'content-type': 'application/json', 'x-csrf-token': sess.csrf, cookie: sess.cookie },
            body: JSON.stringify({ helpful: i % 3 !== 0 }),
          };
        },
      },
    ],
  });
  line(
    'http: POST /api/replies/:id/helpful (16 connections)',
    `${result.requests.average.toFixed(0)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  (${amount} requests, non-2xx ${result.non2xx}, errors ${result.errors})`,
  );
  await new Promise((r) => server.close(r));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
