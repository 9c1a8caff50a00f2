import type { Config } from '../config';
import { BusinessCalendar, calendarFromConfig, type CalendarSettings } from './business-calendar';

/**
 * The support rules a forum enforces: its business calendar and how long a thread may wait
 * for the asker (docs/support-policy.md). Built once per configuration (date-holidays is
 * slow to set up) by the composition root (server/compose.ts).
 */
export interface SupportRules {
  calendar: BusinessCalendar;
  /** LOCK_AFTER_BUSINESS_DAYS: an awaiting_asker thread locks this long after the staff reply. */
  lockAfterDays: number;
  /** The first-response target after a question or an asker reply (policy: 1 business day). */
  firstResponseDays: number;
}

/**
 * Where services read the rules in force. `current()` is synchronous and cheap; the source
 * behind it may change at run time (administrators edit the support settings), so callers ask
 * for the rules each time instead of keeping them.
 */
export interface SupportRulesSource {
  current(): SupportRules;
}

/** The rules from the environment (SUPPORT_* and LOCK_AFTER_BUSINESS_DAYS). */
export function supportRulesFromConfig(config: Config): SupportRules {
  return supportRulesFrom(calendarFromConfig(config), config.LOCK_AFTER_BUSINESS_DAYS);
}

/**
 * The rules from calendar settings and a lock rule (an administrator's support settings,
 * server/admin/support-settings.ts). Throws RangeError, naming the setting, for a value the
 * calendar refuses (unknown zone, holiday country or region, closing before opening...).
 */
export function supportRulesFrom(calendar: CalendarSettings, lockAfterDays: number): SupportRules {
  if (!Number.isInteger(lockAfterDays) || lockAfterDays < 1) {
    throw new RangeError(`Support rules: business days before a lock must be a whole number of at least 1, got ${lockAfterDays}`);
  }
  return Object.freeze({ calendar: new BusinessCalendar(calendar), lockAfterDays, firstResponseDays: 1 });
}

/** "two business days", "one business day", "12 business days": for notes and notices. */
export function businessDaysPhrase(days: number): string {
  const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
  const n = Number.isInteger(days) && days >= 0 && days < words.length ? words[days] : String(days);
  return `${n} business day${days === 1 ? '' : 's'}`;
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** "Monday to Friday", "Monday, Wednesday and Friday", "every day": ISO weekdays, 1 = Monday. */
function describeDays(days: number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 7) return 'every day';
  const contiguous = sorted.every((d, i) => i === 0 || d === sorted[i - 1]! + 1);
  if (contiguous && sorted.length > 2) return `${WEEKDAYS[sorted[0]! - 1]} to ${WEEKDAYS[sorted[sorted.length - 1]! - 1]}`;
  const names = sorted.map((d) => WEEKDAYS[d - 1]!);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? 'never');
}

/** "7:30" from "07:30". */
const clockTime = (hhmm: string): string => hhmm.replace(/^0(\d)/, '$1');

/** "Eastern Time" for America/New_York (the generic name, the same in winter and summer). */
function zoneName(zone: string): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longGeneric' })
    .formatToParts(new Date(0))
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? zone;
}

/** "US public holidays", "public holidays in Germany". */
function holidaysName(country: string, region?: string): string {
  if (country === 'US' && !region) return 'US public holidays';
  const name = new Intl.DisplayNames(['en'], { type: 'region' }).of(country) ?? country;
  return `public holidays in ${region ? `${region}, ` : ''}${name}`;
}

/**
 * The support policy in the words members read (footer, default staff signature, lock
 * notices), always derived from the rules in force, never typed out: change the hours or the
 * lock rule and every text follows. The shape of the sentences is the policy's own
 * (docs/support-policy.md).
 */
export function supportPolicyText(rules: SupportRules): { hours: string; response: string; lock: string } {
  // Every page shows it: worded once per rules object (Intl formatters cost ~0.3 ms to build).
  const known = POLICY_TEXTS.get(rules);
  if (known) return known;
  const text = wordPolicy(rules);
  POLICY_TEXTS.set(rules, text);
  return text;
}

/** Pure memo of supportPolicyText per rules object (rules are replaced, never mutated). */
const POLICY_TEXTS = new WeakMap<SupportRules, { hours: string; response: string; lock: string }>();

function wordPolicy(rules: SupportRules): { hours: string; response: string; lock: string } {
  const s = rules.calendar.settings;
  return {
    hours: `Support hours: ${describeDays(s.days)} ${clockTime(s.open)} – ${clockTime(s.close)} ${zoneName(s.zone)} (except ${holidaysName(s.holidayCountry, s.holidayRegion)})`,
    response: `Estimated response time: within ${rules.firstResponseDays} business day${rules.firstResponseDays === 1 ? '' : 's'}`,
    lock: `If we do not receive a response, the thread will be closed and locked after ${businessDaysPhrase(rules.lockAfterDays)}.`,
  };
}
