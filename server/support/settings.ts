import type { Config } from '../config';
import { BusinessCalendar, DEFAULT_CALENDAR, calendarFromConfig } from '../calendar';

/**
 * The support rules a process enforces: its business calendar and how long a thread may
 * wait for the asker. Built once per configuration (date-holidays is slow to set up).
 *
 * Most callers have the configuration at hand (routers get ctx, jobs get deps) and call
 * `supportRulesFor(config)`. A few entry points have a fixed signature without it (the
 * private-message hook `onAskerResponded(threadId, at)`), so the app and the job registry
 * also record the process's rules here with `useSupportConfig`; until then the policy
 * defaults apply.
 */
export interface SupportRules {
  calendar: BusinessCalendar;
  /** LOCK_AFTER_BUSINESS_DAYS: an awaiting_asker thread locks this long after the staff reply. */
  lockAfterDays: number;
  /** The first-response target after a question or an asker reply (policy: 1 business day). */
  firstResponseDays: number;
}

const byConfig = new WeakMap<Config, SupportRules>();
let current: SupportRules | null = null;
let defaults: SupportRules | null = null;

export function supportRulesFor(config: Config): SupportRules {
  let rules = byConfig.get(config);
  if (!rules) {
    rules = Object.freeze({
      calendar: new BusinessCalendar(calendarFromConfig(config)),
      lockAfterDays: config.LOCK_AFTER_BUSINESS_DAYS,
      firstResponseDays: 1,
    });
    byConfig.set(config, rules);
  }
  return rules;
}

/** Records the rules of this process (createApp and registerSupportJobs call it). */
export function useSupportConfig(config: Config): SupportRules {
  current = supportRulesFor(config);
  return current;
}

/** The rules recorded by useSupportConfig, or the policy defaults. */
export function currentSupportRules(): SupportRules {
  if (current) return current;
  defaults ??= Object.freeze({ calendar: new BusinessCalendar(DEFAULT_CALENDAR), lockAfterDays: 2, firstResponseDays: 1 });
  return defaults;
}

/** "two business days", "one business day", "5 business days": for notes and notices. */
export function businessDaysPhrase(days: number): string {
  const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
  const n = Number.isInteger(days) && days >= 0 && days < words.length ? words[days] : String(days);
  return `${n} business day${days === 1 ? '' : 's'}`;
}
