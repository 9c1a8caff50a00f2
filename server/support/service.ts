import type { Types } from 'mongoose';
import type { ThreadStatus } from '../../models/thread';
import type { Models } from '../../models';
import { isStaff, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { ForbiddenError, UnauthorizedError } from '../kernel/errors';
import { formatBusinessDuration, type SupportRules, type SupportRulesSource } from '../calendar';

/**
 * The moderator queue: what support owes an answer to, most urgent first, and what is
 * waiting on the asker, closing soonest first. Both lists are index walks (status +
 * firstResponseDueAt; the sparse lockDueAt index), paginated.
 */

export const QUEUE_PAGE_SIZE = 50;

export interface QueueItem {
  id: string;
  title: string;
  url: string;
  status: ThreadStatus;
  authorName: string;
  authorUsername: string;
  productNames: string[];
  replyCount: number;
  createdAt: Date;
  lastActivityAt: Date;
  /** firstResponseDueAt (awaiting support) or lockDueAt (awaiting the asker). */
  dueAt: Date | null;
  /** The deadline in the desk's words, e.g. "Tuesday, November 24, 2026 at 4:00 PM ET". */
  dueLocal: string | null;
  /** Business minutes from now to the deadline; negative when overdue. */
  businessMinutesLeft: number | null;
  overdue: boolean;
  /** "due in 3h 10m business time", "overdue by 1d 2h", "closes in 1d 4h business time". */
  badge: string;
  /** When the asker said a staff reply did not solve the problem (cleared by the next staff reply). */
  notSolvedAt: Date | null;
}

export interface QueueSection {
  items: QueueItem[];
  total: number;
  page: number;
  hasMore: boolean;
}

export interface SupportQueue {
  now: Date;
  awaitingSupport: QueueSection;
  awaitingAsker: QueueSection;
  /** Answered threads the asker wrote in again ("it broke again"), oldest first; due one business day after. */
  followUps: QueueSection;
}

export interface QueueInput {
  /** Page of the "awaiting support" list. */
  page?: number;
  /** Page of the "awaiting the asker" list. */
  askerPage?: number;
  /** Page of the follow-ups list. */
  followPage?: number;
}

interface QueueDoc {
  _id: Types.ObjectId;
  title: string;
  slug?: string;
  status: ThreadStatus;
  authorName: string;
  authorUsername: string;
  productNames?: string[];
  replyCount?: number;
  createdAt: Date;
  lastActivityAt: Date;
  firstResponseDueAt?: Date | null;
  lockDueAt?: Date | null;
  notSolvedAt?: Date | null;
  followUpAt?: Date | null;
}

const PROJECTION = {
  title: 1,
  slug: 1,
  status: 1,
  authorName: 1,
  authorUsername: 1,
  productNames: 1,
  replyCount: 1,
  createdAt: 1,
  lastActivityAt: 1,
  firstResponseDueAt: 1,
  lockDueAt: 1,
  notSolvedAt: 1,
  followUpAt: 1,
} as const;

/** The badge text for a deadline, in business time. */
export function deadlineBadge(
  rules: SupportRules,
  now: Date,
  due: Date | null,
  kind: 'response' | 'lock',
): {
  badge: string;
  minutes: number | null;
  overdue: boolean;
} {
  if (!due) return { badge: kind === 'response' ? 'no target set' : 'no deadline set', minutes: null, overdue: false };
  const { calendar } = rules;
  const minutes = calendar.businessMinutesBetween(now, due);
  const overdue = due.getTime() <= now.getTime();
  const span = formatBusinessDuration(Math.abs(minutes), calendar.minutesPerDay());
  if (overdue) {
    return { badge: kind === 'response' ? `overdue by ${span}` : `closing: deadline passed ${span} ago`, minutes, overdue };
  }
  if (minutes === 0) return { badge: kind === 'response' ? 'due now' : 'closes now', minutes, overdue };
  return { badge: `${kind === 'response' ? 'due in' : 'closes in'} ${span} business time`, minutes, overdue };
}

/**
 * The moderator queue. It reads thread documents (the threads domain owns every write to
 * them): two index range queries per page, due first.
 */
export function createSupportService(deps: { models: Pick<Models, 'Thread'>; clock: Clock; rules: SupportRulesSource }) {
  const { clock } = deps;
  const { Thread } = deps.models;

  function toItem(t: QueueDoc, now: Date, kind: 'response' | 'lock' | 'follow_up'): QueueItem {
    const id = String(t._id);
    const rules = deps.rules.current();
    // A follow-up is owed a response like a new question: one first-response target after it.
    const due =
      kind === 'follow_up'
        ? t.followUpAt
          ? rules.calendar.addBusinessDays(t.followUpAt, rules.firstResponseDays)
          : null
        : ((kind === 'response' ? t.firstResponseDueAt : t.lockDueAt) ?? null);
    const { badge, minutes, overdue } = deadlineBadge(rules, now, due, kind === 'lock' ? 'lock' : 'response');
    return {
      id,
      title: t.title,
      url: t.slug ? `/threads/${id}/${t.slug}` : `/threads/${id}`,
      status: t.status,
      authorName: t.authorName,
      authorUsername: t.authorUsername,
      productNames: t.productNames ?? [],
      replyCount: t.replyCount ?? 0,
      createdAt: t.createdAt,
      lastActivityAt: t.lastActivityAt,
      dueAt: due,
      dueLocal: due ? rules.calendar.formatLocal(due) : null,
      businessMinutesLeft: minutes,
      overdue,
      badge,
      notSolvedAt: t.notSolvedAt ?? null,
    };
  }

  async function queue(actor: Actor | null, input: QueueInput = {}): Promise<SupportQueue> {
    if (!actor) throw new UnauthorizedError();
    if (!isStaff(actor)) throw new ForbiddenError('Only support moderators can see the queue.');
    const now = clock.now();
    const page = Math.max(1, input.page ?? 1);
    const askerPage = Math.max(1, input.askerPage ?? 1);
    const followPage = Math.max(1, input.followPage ?? 1);

    const [open, openTotal, waiting, waitingTotal, followUps, followUpTotal] = await Promise.all([
      Thread.find({ status: 'open' }, PROJECTION)
        .sort({ firstResponseDueAt: 1, _id: 1 })
        .skip((page - 1) * QUEUE_PAGE_SIZE)
        .limit(QUEUE_PAGE_SIZE + 1)
        .lean<QueueDoc[]>(),
      Thread.countDocuments({ status: 'open' }),
      // Only awaiting_asker threads carry lockDueAt, so the sparse index is the list.
      Thread.find({ status: 'awaiting_asker', lockDueAt: { $type: 'date' } }, PROJECTION)
        .sort({ lockDueAt: 1 })
        .hint({ lockDueAt: 1 })
        .skip((askerPage - 1) * QUEUE_PAGE_SIZE)
        .limit(QUEUE_PAGE_SIZE + 1)
        .lean<QueueDoc[]>(),
      Thread.countDocuments({ status: 'awaiting_asker' }),
      // Only threads with a follow-up waiting carry followUpAt, so the sparse index is the list.
      Thread.find({ followUpAt: { $type: 'date' } }, PROJECTION)
        .sort({ followUpAt: 1 })
        .hint({ followUpAt: 1 })
        .skip((followPage - 1) * QUEUE_PAGE_SIZE)
        .limit(QUEUE_PAGE_SIZE + 1)
        .lean<QueueDoc[]>(),
      Thread.countDocuments({ followUpAt: { $type: 'date' } }),
    ]);
    const section = (rows: QueueDoc[], total: number, p: number, kind: 'response' | 'lock' | 'follow_up'): QueueSection => ({
      items: rows.slice(0, QUEUE_PAGE_SIZE).map((t) => toItem(t, now, kind)),
      total,
      page: p,
      hasMore: rows.length > QUEUE_PAGE_SIZE,
    });
    return {
      now,
      awaitingSupport: section(open, openTotal, page, 'response'),
      awaitingAsker: section(waiting, waitingTotal, askerPage, 'lock'),
      followUps: section(followUps, followUpTotal, followPage, 'follow_up'),
    };
  }

  return { queue, rules: deps.rules };
}

export type SupportService = ReturnType<typeof createSupportService>;

export function queueItemJson(i: QueueItem) {
  return {
    id: i.id,
    title: i.title,
    url: i.url,
    status: i.status,
    author: { username: i.authorUsername, displayName: i.authorName },
    products: i.productNames,
    replyCount: i.replyCount,
    createdAt: i.createdAt,
    lastActivityAt: i.lastActivityAt,
    dueAt: i.dueAt,
    dueLocal: i.dueLocal,
    businessMinutesLeft: i.businessMinutesLeft,
    overdue: i.overdue,
    badge: i.badge,
    notSolvedAt: i.notSolvedAt,
  };
}

export function queueJson(q: SupportQueue) {
  const section = (s: QueueSection) => ({ items: s.items.map(queueItemJson), total: s.total, page: s.page, hasMore: s.hasMore });
  return {
    now: q.now,
    awaitingSupport: section(q.awaitingSupport),
    awaitingAsker: section(q.awaitingAsker),
    followUps: section(q.followUps),
  };
}
