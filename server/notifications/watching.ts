import { Types } from 'mongoose';
import type { WatchDoc, WatchLevel } from '../../models/watch';
import type { Models } from '../../models';
import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { NotFoundError, UnauthorizedError, ValidationError } from '../kernel/errors';
import type { Threads } from '../threads';

/**
 * Watching threads (models/watch.ts): the asker and everyone who replies watch automatically
 * (unless they chose a level before); anyone signed in can watch, go back to normal or mute;
 * "I have the same question" is counted on the thread (through the threads domain, which owns
 * thread documents) and watches.
 *
 * Each person's document is one upsert on the unique {threadId, userId}; the counter changes
 * only when that person's own flag flipped (a conditional update), so each person counts once
 * whatever the number of clicks or processes.
 */
export interface WatchState {
  threadId: string;
  level: WatchLevel;
  sameQuestion: boolean;
  sameQuestionCount: number;
}

const oid = (id: string) => new Types.ObjectId(id);

export function createWatching(deps: {
  models: Pick<Models, 'Watch'>;
  clock: Clock;
  threads: Pick<Threads, 'threadRef' | 'adjustSameQuestion' | 'loadThread'>;
}) {
  const { clock, threads } = deps;
  const { Watch } = deps.models;

  async function requireThread(actor: Actor | null, threadId: string) {
    if (!actor) throw new UnauthorizedError();
    const ref = await threads.threadRef(threadId);
    if (!ref) throw new NotFoundError('That thread does not exist.');
    return { who: actor, ref };
  }

  /**
   * The person's watch of a thread. `sameQuestionCount`: the thread's count when the caller
   * has just read the thread (the thread page), so it is not read again; else it is read.
   */
  async function state(userId: string, threadId: string, sameQuestionCount?: number): Promise<WatchState> {
    const [doc, count] = await Promise.all([
      Watch.findOne({ threadId: oid(threadId), userId: oid(userId) }, { level: 1, sameQuestion: 1 }).lean(),
      sameQuestionCount ?? threads.loadThread(oid(threadId)).then((t) => t.sameQuestionCount ?? 0),
    ]);
    return {
      threadId,
      level: doc?.level ?? 'normal',
      sameQuestion: doc?.sameQuestion ?? false,
      sameQuestionCount: count,
    };
  }

  /**
   * The reader's watch state for the thread page; null for anonymous readers. `thread`: what
   * the page already read of the thread (its "same question" count), so the thread is not
   * read a second time.
   */
  async function stateFor(actor: Actor | null, threadId: string, thread?: { sameQuestionCount: number }): Promise<WatchState | null> {
    if (!actor || !/^[0-9a-fA-F]{24}$/.test(threadId)) return null;
    return state(actor.id, threadId, thread?.sameQuestionCount).catch(() => null);
  }

  /** Sets the actor's level on a thread. @throws 401 anonymous, 404 no such thread. */
  async function setLevel(actor: Actor | null, threadId: string, level: WatchLevel): Promise<WatchState> {
    const { who } = await requireThread(actor, threadId);
    const now = clock.now();
    await upsert(who.id, threadId, {
      $set: { level, source: 'chosen', updatedAt: now },
      $setOnInsert: { createdAt: now, sameQuestion: false },
    });
    return state(who.id, threadId);
  }

  /**
   * "I have the same question" (on = true) or taking it back. Counted once per person; it
   * also watches the thread (unless the person muted it on purpose). The asker cannot.
   */
  async function setSameQuestion(actor: Actor | null, threadId: string, on: boolean): Promise<WatchState> {
    const { who, ref } = await requireThread(actor, threadId);
    if (ref.askerId === who.id) throw new ValidationError('This is your own question.');
    const now = clock.now();
    const _threadId = oid(threadId);
    const userId = oid(who.id);
    let flipped: boolean;
    if (on) {
      // An existing document whose flag is off: flip it, and watch unless the person muted the thread.
      const mine = { threadId: _threadId, userId, sameQuestion: { $ne: true } };
      let res = await Watch.updateOne(
        { ...mine, level: { $ne: 'muted' } },
        { $set: { sameQuestion: true, level: 'watching', updatedAt: now } },
      );
      if (!res.modifiedCount) res = await Watch.updateOne({ ...mine, level: 'muted' }, { $set: { sameQuestion: true, updatedAt: now } });
      flipped = res.modifiedCount === 1;
      if (!flipped && !(await Watch.exists({ threadId: _threadId, userId }))) {
        try {
          await Watch.create({
            threadId: _threadId,
            userId,
            level: 'watching',
            source: 'same_question',
            sameQuestion: true,
            createdAt: now,
            updatedAt: now,
          });
          flipped = true;
        } catch (err) {
          if ((err as { code?: number }).code !== 11000) throw err;
          // A concurrent click created it first: that one counted.
        }
      }
    } else {
      const res = await Watch.updateOne(
        { threadId: _threadId, userId, sameQuestion: true },
        { $set: { sameQuestion: false, updatedAt: now } },
      );
      flipped = res.modifiedCount === 1;
    }
    if (flipped) await threads.adjustSameQuestion(threadId, on ? 1 : -1, now);
    return state(who.id, threadId);
  }

  /** Starts watching automatically (asked, replied) unless the person has a document already. */
  async function autoWatch(userId: string, threadId: string, source: 'asked' | 'replied', at: Date): Promise<void> {
    await upsert(userId, threadId, { $setOnInsert: { level: 'watching', source, sameQuestion: false, createdAt: at, updatedAt: at } });
  }

  async function upsert(userId: string, threadId: string, update: Record<string, unknown>): Promise<void> {
    try {
      await Watch.updateOne({ threadId: oid(threadId), userId: oid(userId) }, update, { upsert: true });
    } catch (err) {
      // Two first writes raced on the unique index: retry as an update of the winner's document.
      if ((err as { code?: number }).code !== 11000) throw err;
      await Watch.updateOne({ threadId: oid(threadId), userId: oid(userId) }, update);
    }
  }

  /** Levels of the given people on a thread; people without a document are 'normal'. */
  async function levelsOf(threadId: string, userIds: readonly string[]): Promise<Map<string, WatchLevel>> {
    const ids = [...new Set(userIds)].map(oid);
    const rows = ids.length ? await Watch.find({ threadId: oid(threadId), userId: { $in: ids } }, { userId: 1, level: 1 }).lean() : [];
    const out = new Map<string, WatchLevel>(userIds.map((id) => [id, 'normal']));
    for (const r of rows) out.set(String(r.userId), r.level);
    return out;
  }

  /**
   * The people watching a thread, in batches (an index range on {threadId, level, userId}),
   * so a thread with many watchers never loads them all at once.
   */
  async function* watchers(threadId: string, batchSize = 1000): AsyncGenerator<string[]> {
    let after: Types.ObjectId | null = null;
    for (;;) {
      const filter: Record<string, unknown> = { threadId: oid(threadId), level: 'watching' };
      if (after) filter.userId = { $gt: after };
      const rows: Pick<WatchDoc, 'userId'>[] = await Watch.find(filter, { userId: 1 })
        .sort({ threadId: 1, level: 1, userId: 1 })
        .limit(batchSize)
        .lean();
      if (!rows.length) return;
      yield rows.map((r) => String(r.userId));
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1]!.userId;
    }
  }

  return { stateFor, setLevel, setSameQuestion, autoWatch, levelsOf, watchers };
}

export type Watching = ReturnType<typeof createWatching>;
