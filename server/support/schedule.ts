import type { AppDeps } from '../context';
import type { JobRegistry } from './jobs';
import { runLockSweep, runReminderSweep } from './sweep';
import { useSupportConfig } from './settings';

/** Every five minutes in the desk's zone: a thread locks at most five minutes after its deadline. */
export const LOCK_SWEEP_SCHEDULE = '*/5 * * * *';
/** Daily at 03:15, when nobody is waiting for anything. */
export const SECURE_FIELD_PURGE_SCHEDULE = '15 3 * * *';

// A variable specifier: the messages domain may not provide the purge (yet), and the
// support jobs must still start without it.
const SECURE_FIELDS_MODULE = '../messages/secure-fields';

/**
 * The support domain's scheduled jobs. Every process may run them (JOBS_ENABLED): each
 * state change is a conditional single-document update, so exactly one process wins.
 */
export function registerSupportJobs(jobs: JobRegistry, deps: AppDeps): void {
  const { config, logger, clock } = deps;
  const rules = useSupportConfig(config);
  const { calendar, lockAfterDays } = rules;
  const log = logger.child({ domain: 'support' });

  jobs.register({
    name: 'lock-sweep',
    schedule: LOCK_SWEEP_SCHEDULE,
    timezone: calendar.settings.zone,
    runAtStart: true,
    run: async () => {
      const now = clock.now();
      const { reminded } = await runReminderSweep({ now, calendar, logger: log });
      const { locked, skipped } = await runLockSweep({ now, calendar, logger: log, lockAfterDays });
      return { reminded: reminded.length, locked: locked.length, skipped };
    },
  });

  jobs.register({
    name: 'secure-field-purge',
    schedule: SECURE_FIELD_PURGE_SCHEDULE,
    timezone: calendar.settings.zone,
    run: async () => {
      let purge: unknown;
      try {
        purge = ((await import(SECURE_FIELDS_MODULE)) as Record<string, unknown>).purgeExpiredSecureFields;
      } catch (err) {
        log.warn({ err }, 'secure-field purge skipped: the messages module could not be loaded');
        return { skipped: 'unavailable' };
      }
      if (typeof purge !== 'function') {
        log.warn('secure-field purge skipped: server/messages/secure-fields.ts does not export purgeExpiredSecureFields');
        return { skipped: 'unavailable' };
      }
      return (purge as (now: Date) => Promise<unknown>)(clock.now());
    },
  });
}
