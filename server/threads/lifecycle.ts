import type { LockReason, ThreadStatus } from '../../models/thread';
import type { SupportRules } from '../calendar';

/**
 * The support lifecycle of a question thread (docs/support-policy.md, "Thread lifecycle"), as
 * pure functions: an event and the rules in, the thread fields to write out. No clock, no
 * database. The service that causes a transition merges the result into its own
 * conditional single-document update (`mergeLifecycle`), so state and deadlines always
 * change together, in one write.
 *
 * Deadlines are stored only while they apply and are removed ($unset) otherwise:
 * `lockDueAt` and `reminderDueAt` exist only on awaiting_asker threads, which keeps their
 * sparse indexes as small as the set of threads the sweeps may have to act on.
 */
export const LIFECYCLE_FIELDS = [
  'awaitingSince',
  'lockDueAt',
  'reminderDueAt',
  'reminderSentAt',
  'firstResponseDueAt',
  'openSince',
] as const;
export type LifecycleField = (typeof LIFECYCLE_FIELDS)[number];

export interface LifecycleChange {
  status: ThreadStatus;
  /** Fields to set ($set), including `status`. */
  set: Record<string, unknown>;
  /** Fields to remove ($unset). */
  unset: string[];
}

/** The deadlines of an awaiting_asker thread, from the staff reply that started the wait. */
export function awaitingDeadlines(rules: SupportRules, since: Date): { lockDueAt: Date; reminderDueAt: Date } {
  const { calendar, lockAfterDays } = rules;
  const lockDueAt = calendar.addBusinessDays(since, lockAfterDays);
  // One business day before the deadline; with a one-day rule that is the reply itself,
  // which tells the asker nothing new, so there is no reminder then (see `reminderDueAt`).
  const reminderDueAt = calendar.addBusinessDays(since, Math.max(0, lockAfterDays - 1));
  return { lockDueAt, reminderDueAt };
}

export function firstResponseDue(rules: SupportRules, since: Date): Date {
  return rules.calendar.addBusinessDays(since, rules.firstResponseDays);
}

const except = (...keep: string[]) => LIFECYCLE_FIELDS.filter((f) => !keep.includes(f));

function openFrom(rules: SupportRules, since: Date): LifecycleChange {
  return {
    status: 'open',
    // openSince: what the target counts from, so a change of the support rules can recompute it.
    set: { status: 'open', openSince: since, firstResponseDueAt: firstResponseDue(rules, since) },
    unset: except('firstResponseDueAt', 'openSince'),
  };
}

function awaitingFrom(rules: SupportRules, since: Date): LifecycleChange {
  const { lockDueAt, reminderDueAt } = awaitingDeadlines(rules, since);
  const withReminder = rules.lockAfterDays > 1;
  return {
    status: 'awaiting_asker',
    set: { status: 'awaiting_asker', awaitingSince: since, lockDueAt, ...(withReminder ? { reminderDueAt } : {}) },
    // A new wait starts a new reminder cycle: the previous reminderSentAt goes.
    unset: withReminder ? except('awaitingSince', 'lockDueAt', 'reminderDueAt') : except('awaitingSince', 'lockDueAt'),
  };
}

function answered(): LifecycleChange {
  return { status: 'answered', set: { status: 'answered' }, unset: [...LIFECYCLE_FIELDS] };
}

/** A question was posted: awaiting support, first response due in one business day. */
export function onQuestionPosted(rules: SupportRules, at: Date): LifecycleChange {
  return openFrom(rules, at);
}

/**
 * A moderator or admin (not the asker) replied to a thread without an accepted answer:
 * the ball is in the asker's court. Every staff reply restarts the wait, so the asker
 * always has the full time to answer the latest question put to them.
 */
export function onStaffReply(rules: SupportRules, at: Date): LifecycleChange {
  return awaitingFrom(rules, at);
}

/**
 * The asker responded (a reply, or a private message in a linked conversation): awaiting
 * support again, with a new first-response target.
 */
export function onAskerResponse(rules: SupportRules, at: Date): LifecycleChange {
  return openFrom(rules, at);
}

/**
 * What a new reply does to the lifecycle, or null for nothing. Answered and locked threads
 * keep their state (a locked thread never re-opens by itself). On an open thread an asker's
 * follow-up keeps the existing first-response target: bumping one's own question must not
 * push support's target later. Posts by anyone else do not stop the clock.
 */
export function afterReply(
  rules: SupportRules,
  current: ThreadStatus,
  by: { asker: boolean; staff: boolean },
  at: Date,
): LifecycleChange | null {
  if (current === 'answered' || current === 'locked') return null;
  if (by.asker) return current === 'awaiting_asker' ? onAskerResponse(rules, at) : null;
  if (by.staff) return onStaffReply(rules, at);
  return null;
}

/** An answer was accepted: no deadlines apply any more (answered threads never auto-lock). */
export function onAccepted(): LifecycleChange {
  return answered();
}

/**
 * The state `status` implies, with its deadlines counted from `since`. Used when an answer is
 * unaccepted and when a moderator unlocks, both with since = now: any return to waiting starts
 * a fresh wait, so the asker (or support) gets the full time again rather than a deadline that
 * passed while the thread was answered or locked.
 */
export function inImpliedState(rules: SupportRules, status: Exclude<ThreadStatus, 'locked'>, since: Date): LifecycleChange {
  if (status === 'answered') return answered();
  if (status === 'awaiting_asker') return awaitingFrom(rules, since);
  return openFrom(rules, since);
}

/** An answer was unaccepted at `now`: the implied state, with a fresh wait from now. */
export function onUnaccepted(rules: SupportRules, implied: Exclude<ThreadStatus, 'locked'>, now: Date): LifecycleChange {
  return inImpliedState(rules, implied, now);
}

export function onUnlocked(rules: SupportRules, implied: Exclude<ThreadStatus, 'locked'>, now: Date): LifecycleChange {
  return inImpliedState(rules, implied, now);
}

/** Locked, by the no-response rule or by a moderator: read-only, no deadlines. */
export function onLocked(at: Date, reason: LockReason): LifecycleChange {
  return {
    status: 'locked',
    set: { status: 'locked', lockedAt: at, lockReason: reason },
    unset: [...LIFECYCLE_FIELDS],
  };
}

type Update = { $set?: Record<string, unknown>; $unset?: Record<string, unknown>; [op: string]: unknown };
type Merged<U> = U & { $set: Record<string, unknown>; $unset?: Record<string, unknown> };

/**
 * Merges a lifecycle change into a service's update document (which may carry its own
 * $set/$inc), returning a new update. A field the service sets itself is never unset.
 */
export function mergeLifecycle<U extends Update>(update: U, change: LifecycleChange | null): Merged<U> {
  if (!change) return update as Merged<U>;
  const $set = { ...(update.$set ?? {}), ...change.set };
  const $unset: Record<string, unknown> = { ...(update.$unset ?? {}) };
  for (const f of change.unset) if (!(f in $set)) $unset[f] = '';
  const merged: Update = { ...update, $set };
  if (Object.keys($unset).length) merged.$unset = $unset;
  return merged as Merged<U>;
}

/** The change as a plain update document. */
export function toUpdate(change: LifecycleChange): { $set: Record<string, unknown>; $unset?: Record<string, ''> } {
  return mergeLifecycle({ $set: {} }, change) as { $set: Record<string, unknown>; $unset?: Record<string, ''> };
}
