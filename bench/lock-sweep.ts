import { Types } from 'mongoose';
import { startEmbeddedServer } from '../server/db/embedded';
import type { Services } from '../server/compose';
import { BusinessCalendar } from '../server/calendar';
import { runLockSweep, runReminderSweep } from '../server/support/sweep';
import { benchForum } from './forum';

let forum: Services;

/**
 * The no-response lock sweep against the embedded database, in process: its cost must grow
 * with the number of DUE threads, not with all threads (an index range query on the sparse
 * lockDueAt index). Prints numbers; asserts nothing (DESIGN.md, bench/).
 *
 *   npx tsx bench/lock-sweep.ts
 */
const calendar = new BusinessCalendar();
const NOW = new Date('2026-11-24T21:00:00Z'); // Tue 16:00 ET, support open
const HOUR = 3600_000;
const BATCH = 1000;
const REPEAT = 7;

const asker = new Types.ObjectId();

function threadDoc(i: number, overdue: boolean) {
  // A realistic mix: most threads answered or locked (no deadline fields), some awaiting
  // support, some awaiting the asker with a future deadline, and the overdue ones.
  const kind = overdue ? 'overdue' : ['answered', 'answered', 'locked', 'open', 'waiting'][i % 5];
  const created = new Date(NOW.getTime() - (10 + (i % 2000)) * HOUR);
  const doc: Record<string, unknown> = {
    _id: new Types.ObjectId(),
    title: `Question ${i} about activation`,
    slug: `question-${i}-about-activation`,
    bodySource: 'My product key is not accepted after reinstalling. What can I do?',
    bodyHtml: '<p>My product key is not accepted after reinstalling. What can I do?</p>',
    rendererVersion: 1,
    author: asker,
    authorName: 'Asker',
    authorUsername: 'asker',
    authorRole: 'member',
    products: [],
    productNames: [],
    acceptedReplyId: kind === 'answered' ? new Types.ObjectId() : null,
    replyCount: 2,
    views: 10,
    lastActivityAt: created,
    lastPosterRole: 'moderator',
    lastPosterIsAsker: false,
    createdAt: created,
    updatedAt: created,
  };
  if (kind === 'overdue' || kind === 'waiting') {
    const lockDueAt = new Date(NOW.getTime() + (kind === 'overdue' ? -1 - (i % 50) : 1 + (i % 48)) * HOUR);
    Object.assign(doc, {
      status: 'awaiting_asker',
      awaitingSince: created,
      lockDueAt,
      reminderDueAt: new Date(lockDueAt.getTime() - 10 * HOUR),
    });
  } else if (kind === 'open') {
    Object.assign(doc, { status: 'open', firstResponseDueAt: new Date(created.getTime() + 24 * HOUR) });
  } else {
    Object.assign(doc, { status: kind });
  }
  return doc;
}

async function seed(total: number, overdue: number): Promise<void> {
  await Promise.all(
    [forum.models.Thread.collection, forum.models.Reply.collection, forum.models.Notification.collection].map((c) => c.deleteMany({})),
  );
  for (let start = 0; start < total; start += BATCH) {
    const docs = [];
    for (let i = start; i < Math.min(total, start + BATCH); i++) docs.push(threadDoc(i, i < overdue));
    await forum.models.Thread.collection.insertMany(docs, { ordered: false });
  }
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function scenario(total: number, overdue: number) {
  await seed(total, overdue);
  const first = await time(() => runLockSweep(forum.support.sweepDeps, { now: NOW, calendar, lockAfterDays: 2 }));
  // Everything due is locked now: the following sweeps find nothing to do.
  const idle: number[] = [];
  for (let i = 0; i < REPEAT; i++)
    idle.push((await time(() => runLockSweep(forum.support.sweepDeps, { now: NOW, calendar, lockAfterDays: 2 }))).ms);
  const reminders: number[] = [];
  let remindersDue = 0;
  for (let i = 0; i < REPEAT; i++) {
    const r = await time(() => runReminderSweep(forum.support.sweepDeps, { now: NOW, calendar, dryRun: true }));
    reminders.push(r.ms);
    remindersDue = r.result.reminded.length;
  }
  const notes = await forum.models.Reply.countDocuments({ system: true });
  return {
    total,
    overdue,
    lockMs: first.ms,
    locked: first.result.locked.length,
    notes,
    idleMs: median(idle),
    reminderMs: median(reminders),
    remindersDue,
  };
}

async function main(): Promise<void> {
  const server = await startEmbeddedServer({ dataDir: null });
  const bench = await benchForum(`${server.uri}/bench_lock_sweep`);
  forum = bench.forum;
  try {
    const big = await scenario(100_000, 1_000);
    const small = await scenario(1_000, 1_000);
    const smallIdle = await scenario(1_000, 0);
    const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
    console.log('lock sweep (embedded db, in process)');
    console.log(
      `  100k threads, 1k overdue : locked ${big.locked} (notes ${big.notes}) in ${fmt(big.lockMs)}  (${(big.lockMs / big.locked).toFixed(2)} ms/thread)`,
    );
    console.log(
      `  1k threads,   1k overdue : locked ${small.locked} (notes ${small.notes}) in ${fmt(small.lockMs)}  (${(small.lockMs / small.locked).toFixed(2)} ms/thread)`,
    );
    console.log(`  100k threads, none due   : ${fmt(big.idleMs)} (median of ${REPEAT})`);
    console.log(`  1k threads,   none due   : ${fmt(smallIdle.idleMs)} (median of ${REPEAT})`);
    console.log(
      `  reminder sweep (dry run) : 100k threads, ${big.remindersDue} due: ${fmt(big.reminderMs)}; 1k threads, ${smallIdle.remindersDue} due: ${fmt(smallIdle.reminderMs)}`,
    );
    console.log('ratios (100k / 1k)');
    console.log(`  1k overdue               : ${(big.lockMs / small.lockMs).toFixed(2)}x  (100x the threads)`);
    console.log(`  none due                 : ${(big.idleMs / smallIdle.idleMs).toFixed(2)}x`);
  } finally {
    await bench.close();
    await server.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
