/**
 * The support desk: the moderator queue in business time and the scheduled no-response
 * sweeps (reminder, lock). Every thread change goes through the threads domain.
 */
import type { SupportRulesSource } from '../calendar';
import type { CoreDeps } from '../kernel/deps';
import type { JobRegistry } from '../kernel/jobs';
import type { NotificationService } from '../notifications';
import type { Threads } from '../threads';
import { createSupportService } from './service';
import { runLockSweep, runReminderSweep, type SweepDeps } from './sweep';

/** Every five minutes in the desk's zone: a thread locks at most five minutes after its deadline. */
export const LOCK_SWEEP_SCHEDULE = '*/5 * * * *';

export function createSupport(core: CoreDeps, deps: { rules: SupportRulesSource; threads: Threads; notifications: NotificationService }) {
  const service = createSupportService({ models: core.models, clock: core.clock, rules: deps.rules });
  const sweepDeps: SweepDeps = { threads: deps.threads, notifications: deps.notifications };
  const log = core.logger.child({ domain: 'support' });

  /**
   * One run of both sweeps at `now` (the job, and the CLI's `lock-sweep`): reminders first,
   * then locks, with the rules in force at that moment.
   */
  async function sweep(opts: { now: Date; dryRun?: boolean }) {
    const { calendar, lockAfterDays } = deps.rules.current();
    const reminders = await runReminderSweep(sweepDeps, { now: opts.now, calendar, dryRun: opts.dryRun, logger: log });
    const locks = await runLockSweep(sweepDeps, { now: opts.now, calendar, dryRun: opts.dryRun, logger: log, lockAfterDays });
    return { reminded: reminders.reminded, locked: locks.locked, skipped: locks.skipped };
  }

  /** Registers the sweep job: every process may run it (each change is a conditional update). */
  function registerJobs(jobs: JobRegistry): void {
    jobs.register({
      name: 'lock-sweep',
      schedule: LOCK_SWEEP_SCHEDULE,
      timezone: deps.rules.current().calendar.settings.zone,
      runAtStart: true,
      run: async () => {
        const r = await sweep({ now: core.clock.now() });
        return { reminded: r.reminded.length, locked: r.locked.length, skipped: r.skipped };
      },
    });
  }

  // "Did this solve your problem?" No: the staff member who wrote the reply hears of it.
  core.events.on('reply.not_solved', async (e) => {
    await deps.notifications.notify(
      e.replyAuthorId,
      { kind: 'not_solved', threadId: e.threadId, text: `The asker of "${e.title}" said your reply did not solve their problem.` },
      e.at,
    );
  });

  return { ...service, sweep, sweepDeps, registerJobs };
}

export type Support = ReturnType<typeof createSupport>;

export { supportEndpoints } from './endpoints';
export { deadlineBadge } from './service';
