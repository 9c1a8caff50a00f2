import { Types } from 'mongoose';
import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import type { VoteDoc } from '../../models/vote';
import type { Models } from '../../models';
import type { EventBus } from '../kernel/events';
import { OPEN_GATE, type StandingGate } from '../kernel/standing';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../kernel/errors';
import { feedbackRefusal, isStaffReply } from './policy';
import { satisfactionAverage } from './present';
import { helpfulDelta, isDuplicateKey, isZero, replyInc, scoreDelta, type DailyTotals, type FeedbackDelta } from './totals';

/**
 * Helpful votes and satisfaction ratings. Every change is:
 *   1. ONE atomic upsert of the reader's vote document (unique per reply and reader) that
 *      returns the document as it was BEFORE the write;
 *   2. the delta (after - before) applied with $inc to the reply's counters;
 *   3. the same delta added to the dashboard's daily totals (staff replies only).
 * Double clicks and concurrent requests cannot double count: each write sees exactly the
 * state it replaced, so the deltas telescope. A crash between the writes leaves counters
 * that `npm run forum -- recount` repairs (the vote document is written first).
 *
 * The hot path goes through the models' driver collections: inputs are already validated and
 * cast by the handlers' zod schemas, and skipping mongoose's casting halves a vote's latency
 * on the embedded server (bench/feedback.ts).
 */

export interface HelpfulResult {
  replyId: string;
  threadId: string;
  helpfulCount: number;
  notHelpfulCount: number;
  yourVote: boolean | null;
}

export interface SatisfactionResult {
  replyId: string;
  threadId: string;
  satisfactionAverage: number | null;
  satisfactionCount: number;
  yourScore: number | null;
}

export interface YourFeedback {
  helpful: boolean | null;
  score: number | null;
  comment: string;
}

const TARGET_PROJECTION = { threadId: 1, author: 1, authorRole: 1, system: 1, createdAt: 1 } as const;
const COUNTERS = { helpfulCount: 1, notHelpfulCount: 1, satisfactionSum: 1, satisfactionCount: 1 } as const;
const HEX24 = /^[0-9a-fA-F]{24}$/;

interface Target {
  _id: Types.ObjectId;
  threadId: Types.ObjectId;
  author: Types.ObjectId | null;
  authorRole: string | null;
  system: boolean;
  createdAt: Date;
}

interface Counters {
  helpfulCount: number;
  notHelpfulCount: number;
  satisfactionSum: number;
  satisfactionCount: number;
}

export function createFeedbackService(deps: {
  models: Pick<Models, 'Reply' | 'Thread' | 'Vote'>;
  clock: Clock;
  events: EventBus;
  totals: DailyTotals;
  /** Suspended or banned members may not vote (server/kernel/standing.ts); default: open. */
  gate?: StandingGate;
}) {
  const { events } = deps;
  const gate = deps.gate ?? OPEN_GATE;
  const { Reply, Thread, Vote } = deps.models;
  const { addToDailyTotals } = deps.totals;

  /** The reply, if the actor may give feedback on it (401 anonymous, 404 unknown, 403 refused). */
  async function loadTarget(actor: Actor | null, replyId: string): Promise<{ who: Actor; reply: Target }> {
    if (!actor) throw new UnauthorizedError('Please sign in to rate replies.');
    await gate.assert(actor, 'vote');
    if (typeof replyId !== 'string' || !HEX24.test(replyId)) throw new NotFoundError('That reply does not exist.');
    const reply = (await Reply.collection.findOne(
      { _id: new Types.ObjectId(replyId) },
      { projection: TARGET_PROJECTION },
    )) as Target | null;
    if (!reply) throw new NotFoundError('That reply does not exist.');
    const refusal = feedbackRefusal(actor, { authorId: reply.author ? String(reply.author) : null, system: !!reply.system });
    if (refusal) throw new ForbiddenError(refusal);
    return { who: actor, reply };
  }

  /**
   * The vote write: set some fields of the reader's vote document, creating it if needed, and
   * return it as it was before (null when it did not exist). Two first votes racing on the same
   * key: one inserts, the other gets a duplicate-key error and retries, which is then an update
   * that sees the first one's document.
   */
  async function upsertVote(
    reply: Target,
    userId: Types.ObjectId,
    set: Partial<Pick<VoteDoc, 'helpful' | 'score' | 'comment'>>,
    now: Date,
  ): Promise<VoteDoc | null> {
    const insertDefaults: Record<string, unknown> = { helpful: null, score: null, comment: '' };
    for (const k of Object.keys(set)) delete insertDefaults[k];
    const update = { $set: { ...set, updatedAt: now }, $setOnInsert: { ...insertDefaults, threadId: reply.threadId, createdAt: now } };
    for (let attempt = 0; ; attempt++) {
      try {
        return (await Vote.collection.findOneAndUpdate({ replyId: reply._id, userId }, update, {
          upsert: true,
          returnDocument: 'before',
        })) as VoteDoc | null;
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= 3) throw err;
      }
    }
  }

  /** Clears one part of the vote; returns the document before (null: nothing to clear). */
  async function clearVote(reply: Target, userId: Types.ObjectId, field: 'helpful' | 'score', now: Date): Promise<VoteDoc | null> {
    const set = field === 'helpful' ? { helpful: null } : { score: null, comment: '' };
    const before = (await Vote.collection.findOneAndUpdate(
      { replyId: reply._id, userId, [field]: { $ne: null } },
      { $set: { ...set, updatedAt: now } },
      { returnDocument: 'before' },
    )) as VoteDoc | null;
    // An empty vote document is removed; the condition makes this lose against a vote that
    // arrived in between (it is then not empty), and a later vote simply upserts a new one.
    if (before) await Vote.collection.deleteOne({ replyId: reply._id, userId, helpful: null, score: null });
    return before;
  }

  /**
   * Applies a delta to the reply and, for staff replies, to the daily totals (the two writes
   * are independent, so they go out together); returns the reply's counters after it.
   */
  async function applyDelta(reply: Target, delta: FeedbackDelta, products: Promise<Types.ObjectId[]> | null): Promise<Counters> {
    const inc = replyInc(delta);
    const [after] = await Promise.all([
      Object.keys(inc).length
        ? Reply.collection.findOneAndUpdate({ _id: reply._id }, { $inc: inc }, { returnDocument: 'after', projection: COUNTERS })
        : Reply.collection.findOne({ _id: reply._id }, { projection: COUNTERS }),
      products && !isZero(delta)
        ? products.then((p) => addToDailyTotals({ author: reply.author!, createdAt: reply.createdAt }, p, delta))
        : null,
    ]);
    // The thread page caches replies (with their counters) for a moment: this process drops it.
    // Lists show no vote counts: they stay cached.
    if (!isZero(delta)) await events.emit('thread.changed', { threadId: String(reply.threadId), pageOnly: true });
    return countersOf(after as Partial<Counters> | null);
  }

  /** The thread's products, read alongside the vote write (only staff replies need them). */
  function productsOf(reply: Target): Promise<Types.ObjectId[]> | null {
    if (!isStaffReply(reply)) return null;
    const p = Thread.collection
      .findOne({ _id: reply.threadId }, { projection: { products: 1 } })
      .then((t) => (t?.products ?? []) as Types.ObjectId[]);
    p.catch(() => {}); // awaited later (or not, when the vote changed nothing)
    return p;
  }

  function countersOf(r: Partial<Counters> | null): Counters {
    return {
      helpfulCount: r?.helpfulCount ?? 0,
      notHelpfulCount: r?.notHelpfulCount ?? 0,
      satisfactionSum: r?.satisfactionSum ?? 0,
      satisfactionCount: r?.satisfactionCount ?? 0,
    };
  }

  const helpfulResult = (reply: Target, c: Counters, yourVote: boolean | null): HelpfulResult => ({
    replyId: String(reply._id),
    threadId: String(reply.threadId),
    helpfulCount: c.helpfulCount,
    notHelpfulCount: c.notHelpfulCount,
    yourVote,
  });

  const satisfactionResult = (reply: Target, c: Counters, yourScore: number | null): SatisfactionResult => ({
    replyId: String(reply._id),
    threadId: String(reply.threadId),
    satisfactionAverage: satisfactionAverage(c.satisfactionSum, c.satisfactionCount),
    satisfactionCount: c.satisfactionCount,
    yourScore,
  });

  /** "Was this reply helpful? Yes / No": sets (or changes) the reader's vote. */
  async function voteHelpful(
    actor: Actor | null,
    replyId: string,
    input: { helpful: boolean },
    clock: Clock = deps.clock,
  ): Promise<HelpfulResult> {
    const { who, reply } = await loadTarget(actor, replyId);
    const products = productsOf(reply);
    const before = await upsertVote(reply, new Types.ObjectId(who.id), { helpful: input.helpful }, clock.now());
    const counters = await applyDelta(reply, helpfulDelta(before?.helpful ?? null, input.helpful), products);
    return helpfulResult(reply, counters, input.helpful);
  }

  /** Withdraws the reader's helpful vote (nothing to withdraw is not an error). */
  async function withdrawHelpful(actor: Actor | null, replyId: string, clock: Clock = deps.clock): Promise<HelpfulResult> {
    const { who, reply } = await loadTarget(actor, replyId);
    const products = productsOf(reply);
    const before = await clearVote(reply, new Types.ObjectId(who.id), 'helpful', clock.now());
    const counters = await applyDelta(reply, helpfulDelta(before?.helpful ?? null, null), products);
    return helpfulResult(reply, counters, null);
  }

  /** "How satisfied are you with this reply?": sets (or changes) the reader's 1-5 rating. */
  async function rateSatisfaction(
    actor: Actor | null,
    replyId: string,
    input: { score: number; comment?: string },
    clock: Clock = deps.clock,
  ): Promise<SatisfactionResult> {
    const { who, reply } = await loadTarget(actor, replyId);
    const products = productsOf(reply);
    const before = await upsertVote(reply, new Types.ObjectId(who.id), { score: input.score, comment: input.comment ?? '' }, clock.now());
    const counters = await applyDelta(reply, scoreDelta(before?.score ?? null, input.score), products);
    return satisfactionResult(reply, counters, input.score);
  }

  /** Withdraws the reader's rating and comment. */
  async function withdrawSatisfaction(actor: Actor | null, replyId: string, clock: Clock = deps.clock): Promise<SatisfactionResult> {
    const { who, reply } = await loadTarget(actor, replyId);
    const products = productsOf(reply);
    const before = await clearVote(reply, new Types.ObjectId(who.id), 'score', clock.now());
    const counters = await applyDelta(reply, scoreDelta(before?.score ?? null, null), products);
    return satisfactionResult(reply, counters, null);
  }

  /**
   * The reader's own feedback on a page of replies, in ONE query (the unique index
   * {replyId, userId}: one point per reply). Anonymous readers have none.
   */
  async function votesForReplies(actor: Actor | null, replyIds: string[]): Promise<Map<string, YourFeedback>> {
    const out = new Map<string, YourFeedback>();
    const ids = [...new Set(replyIds.filter((id) => typeof id === 'string' && HEX24.test(id)))];
    if (!actor || !ids.length) return out;
    const docs = await Vote.find(
      { replyId: { $in: ids.map((id) => new Types.ObjectId(id)) }, userId: new Types.ObjectId(actor.id) },
      { replyId: 1, helpful: 1, score: 1, comment: 1 },
    ).lean();
    for (const d of docs) out.set(String(d.replyId), { helpful: d.helpful ?? null, score: d.score ?? null, comment: d.comment ?? '' });
    return out;
  }

  return { voteHelpful, withdrawHelpful, rateSatisfaction, withdrawSatisfaction, votesForReplies };
}

export type FeedbackService = ReturnType<typeof createFeedbackService>;
