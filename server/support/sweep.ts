import type { Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import type { NotificationService } from '../notifications';
import type { Threads } from '../threads';
import { businessDaysPhrase, type BusinessCalendar } from '../calendar';

/** The domains a sweep acts through: threads for every thread write, notifications to tell the asker. */
export interface SweepDeps {
  threads: Pick<Threads, 'findDue' | 'lockThreadAutomatically' | 'addSystemReply' | 'markReminderSent'>;
  notifications: Pick<NotificationService, 'notify'>;
}

/**
 * The no-response lock job and its reminder (docs/support-policy.md, "The no-response lock job").
 *
 * Both are index range queries over the deadline field (sparse indexes that hold only
 * threads awaiting the asker), so their cost grows with the number of DUE threads, never
 * with all threads. Each state change is one conditional single-document update; only the
 * process whose update matched writes the side effects (system note, counter, notification),
 * so any number of processes may sweep at once and every thread is acted on exactly once.
 *
 * The due lists, the lock, its note and the reminder mark all go through the threads domain,
 * which owns every thread write (and announces it: page caches listen).
 */

export const SWEEP_BATCH_SIZE = 200;
export const LOCK_NOTE_KIND = 'lock_notice';

export interface DueThread {
  threadId: string;
  title: string;
  lockDueAt: Date;
}

export interface LockSweepOptions {
  now: Date;
  calendar: BusinessCalendar;
  /** List what would be locked without writing anything. */
  dryRun?: boolean;
  logger?: Logger;
  /** For the note's wording: the rules' LOCK_AFTER_BUSINESS_DAYS. */
  lockAfterDays: number;
  batchSize?: number;
}

export interface LockSweepResult {
  locked: DueThread[];
  /** 'closed': support is closed at `now`, so nothing was looked at. */
  skipped: 'closed' | null;
}

export interface ReminderSweepOptions {
  now: Date;
  calendar: BusinessCalendar;
  dryRun?: boolean;
  logger?: Logger;
  batchSize?: number;
}

export interface ReminderSweepResult {
  reminded: DueThread[];
}

export function lockNoteText(lockAfterDays: number): string {
  return `This thread was closed and locked after ${businessDaysPhrase(lockAfterDays)} without a response from the asker.`;
}

/**
 * Locks every awaiting_asker thread without an accepted answer whose deadline is at or
 * before `now`, while support is open. A sweep while closed (night, weekend, holiday) does
 * nothing, even for overdue threads: they lock at the next sweep after opening.
 */
export async function runLockSweep(deps: SweepDeps, opts: LockSweepOptions): Promise<LockSweepResult> {
  const { now, calendar, dryRun = false, logger } = opts;
  if (!calendar.isOpen(now)) return { locked: [], skipped: 'closed' };
  const { lockAfterDays } = opts;
  const note = lockNoteText(lockAfterDays);
  const at: Clock = { now: () => now };
  const locked: DueThread[] = [];
  const filter = { status: 'awaiting_asker', acceptedReplyId: null };

  for await (const t of deps.threads.findDue('lockDueAt', filter, now, opts.batchSize ?? SWEEP_BATCH_SIZE)) {
    const due: DueThread = { threadId: String(t._id), title: t.title, lockDueAt: t.lockDueAt };
    if (dryRun) {
      locked.push(due);
      continue;
    }
    // One conditional update: still awaiting the asker, no accepted answer, deadline due.
    // It also removes the deadlines (lifecycle onLocked, merged in by the threads service).
    const won = await deps.threads.lockThreadAutomatically(
      due.threadId,
      { reason: 'no_response', note: '', filter: { $and: [{ status: 'awaiting_asker' }, { lockDueAt: { $lte: now } }] } },
      at,
    );
    if (!won) continue; // another process, a reply or an accept got there first
    // Only the winner writes the note (+ replyCount) and notifies: a crash in between leaves
    // a locked thread without its note, never two notes.
    await deps.threads.addSystemReply(due.threadId, { body: note, kind: LOCK_NOTE_KIND }, at);
    await deps.notifications.notify(
      t.author,
      {
        kind: 'thread_locked',
        threadId: t._id,
        subject: t.title,
        text: `Your question "${t.title}" was closed and locked after ${businessDaysPhrase(lockAfterDays)} without a response.`,
        mail: { kind: 'thread_locked', thread: { id: due.threadId, title: t.title }, by: 'no_response', businessDays: lockAfterDays },
        eventId: `lock:${due.lockDueAt.getTime()}`,
      },
      now,
    );
    logger?.info({ threadId: due.threadId, lockDueAt: due.lockDueAt }, 'thread locked: no response from the asker');
    locked.push(due);
  }
  return { locked, skipped: null };
}

/**
 * Reminds the asker once, one business day before the deadline. Threads already past
 * their deadline get no reminder (the lock sweep deals with them). Sending sets
 * reminderSentAt and removes reminderDueAt in one conditional update; a new staff reply
 * starts a new wait with a new reminder.
 */
export async function runReminderSweep(deps: SweepDeps, opts: ReminderSweepOptions): Promise<ReminderSweepResult> {
  const { now, calendar, dryRun = false, logger } = opts;
  const reminded: DueThread[] = [];
  const filter = { status: 'awaiting_asker', reminderSentAt: null, lockDueAt: { $gt: now } };
  for await (const t of deps.threads.findDue('reminderDueAt', filter, now, opts.batchSize ?? SWEEP_BATCH_SIZE)) {
    const due: DueThread = { threadId: String(t._id), title: t.title, lockDueAt: t.lockDueAt };
    if (dryRun) {
      reminded.push(due);
      continue;
    }
    if (!(await deps.threads.markReminderSent(t._id, t.lockDueAt, now))) continue;
    // The e-mail says when, in the support calendar's zone, and links to the thread (docs/email.md).
    await deps.notifications.notify(
      t.author,
      {
        kind: 'lock_reminder',
        threadId: t._id,
        subject: t.title,
        text: `Your question "${t.title}" will close on ${calendar.formatLocal(t.lockDueAt)} unless you reply.`,
        mail: { kind: 'close_reminder', thread: { id: due.threadId, title: t.title }, closesAt: t.lockDueAt },
        eventId: `reminder:${t.lockDueAt.getTime()}`,
      },
      now,
    );
    logger?.info({ threadId: due.threadId, lockDueAt: due.lockDueAt }, 'lock reminder sent');
    reminded.push(due);
  }
  return { reminded };
}
