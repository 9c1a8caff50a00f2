import { z } from 'zod';
import type { Models } from '../../models';
import type { AuditLog } from '../audit';
import {
  calendarFromConfig,
  holidayCountries,
  holidayRegions,
  supportPolicyText,
  supportRulesFrom,
  type CalendarSettings,
  type SupportRules,
  type SupportRulesSource,
} from '../calendar';
import type { Config } from '../config';
import { isAdmin, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { ConflictError, ForbiddenError, UnauthorizedError, ValidationError } from '../kernel/errors';
import type { EventBus } from '../kernel/events';
import type { Logger } from '../kernel/logger';
import { parseInput } from '../kernel/validate';

/**
 * The support settings administrators change from the web (docs/administration.md): opening
 * hours, open days, zone, holiday country and region, extra closed dates and the business days
 * before a lock. Stored in the `settings` collection (models/setting.ts, `_id: 'support'`), each
 * field only when it differs from the environment (server/config.ts SUPPORT_*,
 * LOCK_AFTER_BUSINESS_DAYS), which stays the default.
 *
 * It is the forum's SupportRulesSource (server/calendar/rules.ts): `current()` answers from
 * memory, synchronously. A change made through `update` applies in this process at once; every
 * other process notices within SETTINGS_REFRESH_SECONDS: the first `current()` call after that
 * interval (measured on the injected clock) starts one small read of the document's `version`,
 * and loads the values only when it changed. Until that read completes, callers get the rules
 * they had, never an error.
 */
export const SUPPORT_SETTINGS_ID = 'support';

export interface SupportSettingsValues {
  zone: string;
  open: string;
  close: string;
  days: number[];
  holidayCountry: string;
  holidayRegion: string | null;
  closedDates: string[];
  lockAfterDays: number;
}

export type SupportSettingsField = keyof SupportSettingsValues;
const FIELDS: SupportSettingsField[] = ['zone', 'open', 'close', 'days', 'holidayCountry', 'holidayRegion', 'closedDates', 'lockAfterDays'];

export interface SupportSettingsView {
  settings: SupportSettingsValues;
  /** The environment's values: what a field returns to when reset. */
  defaults: SupportSettingsValues;
  /** Fields stored in the database (the others follow the environment). */
  overridden: SupportSettingsField[];
  version: number;
  updatedAt: Date | null;
  updatedBy: string | null;
  /** The wording members read with these settings (footer, signatures, lock notes). */
  policy: { hours: string; response: string; lock: string };
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d\d-\d\d$/;

/** A form's "one date per line or comma" and JSON's array both become a list of strings. */
const dateList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v),
  z.array(z.string().regex(DATE, 'must be YYYY-MM-DD dates')).max(366),
);
/** Form checkboxes send "1" or ["1","3"]; JSON sends numbers. */
const dayList = z.preprocess(
  (v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map((d) => (typeof d === 'string' && /^\d$/.test(d) ? Number(d) : d))),
  z.array(z.number().int().min(1).max(7)).min(1, { message: 'choose at least one open day' }).max(7),
);

/** PATCH body: any subset; `null` resets a field to the environment's value. */
export const supportSettingsPatch = z
  .object({
    zone: z.string().trim().min(1).max(64).nullable(),
    open: z.string().trim().regex(HHMM, 'must be HH:MM').nullable(),
    close: z.string().trim().regex(HHMM, 'must be HH:MM').nullable(),
    days: dayList.nullable(),
    holidayCountry: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'must be a two-letter country code')
      .nullable(),
    holidayRegion: z
      .string()
      .trim()
      .toUpperCase()
      .max(10)
      .transform((v) => v || null)
      .nullable(),
    closedDates: dateList.nullable(),
    lockAfterDays: z.coerce.number().int().min(1).max(30).nullable(),
  })
  .partial()
  .strict();
export type SupportSettingsPatch = z.infer<typeof supportSettingsPatch>;

function envValues(config: Config): SupportSettingsValues {
  const c = calendarFromConfig(config);
  return {
    zone: c.zone,
    open: c.open,
    close: c.close,
    days: [...c.days],
    holidayCountry: c.holidayCountry,
    holidayRegion: c.holidayRegion ?? null,
    closedDates: [...c.closedDates],
    lockAfterDays: config.LOCK_AFTER_BUSINESS_DAYS,
  };
}

function calendarOf(v: SupportSettingsValues): CalendarSettings {
  const c: CalendarSettings = {
    zone: v.zone,
    open: v.open,
    close: v.close,
    days: [...new Set(v.days)].sort((a, b) => a - b),
    holidayCountry: v.holidayCountry,
    closedDates: [...new Set(v.closedDates)].sort(),
  };
  if (v.holidayRegion) c.holidayRegion = v.holidayRegion;
  return c;
}

/** Which form field a calendar RangeError is about (server/calendar/business-calendar.ts messages). */
function fieldOfRangeError(message: string): SupportSettingsField {
  if (/time zone/.test(message)) return 'zone';
  if (/closing time/.test(message)) return 'close';
  if (/opening time/.test(message)) return 'open';
  if (/open days/.test(message)) return 'days';
  if (/closed date/.test(message)) return 'closedDates';
  if (/holiday region/.test(message)) return 'holidayRegion';
  if (/holiday country/.test(message)) return 'holidayCountry';
  return 'lockAfterDays';
}

export interface SupportSettingsDeps {
  models: Pick<Models, 'Setting'>;
  audit: AuditLog;
  config: Config;
  clock: Clock;
  logger: Logger;
  events: EventBus;
}

export function createSupportSettings(deps: SupportSettingsDeps) {
  const { config, clock, logger, events, audit } = deps;
  const { Setting } = deps.models;
  const refreshMs = config.SETTINGS_REFRESH_SECONDS * 1000;
  const defaults = envValues(config);
  const envRules = supportRulesFrom(calendarOf(defaults), defaults.lockAfterDays);

  let state: { version: number; values: Partial<SupportSettingsValues>; rules: SupportRules } = { version: 0, values: {}, rules: envRules };
  let checkedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | null = null;

  const merged = (values: Partial<SupportSettingsValues>): SupportSettingsValues => ({ ...defaults, ...values });

  /** Rules for stored values; the environment's when they no longer build (logged). */
  function rulesFor(values: Partial<SupportSettingsValues>, version: number): SupportRules {
    if (Object.keys(values).length === 0) return envRules;
    try {
      const v = merged(values);
      return supportRulesFrom(calendarOf(v), v.lockAfterDays);
    } catch (err) {
      logger.error({ err, version }, 'support settings in the database are invalid; using the environment defaults');
      return envRules;
    }
  }

  function apply(version: number, values: Partial<SupportSettingsValues>): boolean {
    if (version === state.version) return false;
    state = { version, values, rules: rulesFor(values, version) };
    return true;
  }

  /** Reads the stored version (one small read) and loads the values only when it changed. */
  async function refresh(): Promise<void> {
    checkedAt = clock.now().getTime();
    const head = await Setting.findById(SUPPORT_SETTINGS_ID, { version: 1 }).lean();
    const version = head?.version ?? 0;
    if (version === state.version) return;
    const doc = version ? await Setting.findById(SUPPORT_SETTINGS_ID).lean() : null;
    if (apply(doc?.version ?? 0, pickValues(doc?.values ?? {}))) {
      await events.emit('support.rules.changed', { version: state.version, changedHere: false });
    }
  }

  const rules: SupportRulesSource & { refresh(): Promise<void> } = {
    current() {
      if (!inflight && clock.now().getTime() - checkedAt >= refreshMs) {
        inflight = refresh()
          .catch((err: unknown) => logger.warn({ err }, 'could not read the support settings; keeping the rules in force'))
          .finally(() => (inflight = null));
      }
      return state.rules;
    },
    /** Checks the database now (start-up, tests); resolves when done. */
    async refresh() {
      if (inflight) await inflight;
      await refresh();
    },
  };

  let lastDoc: { updatedAt: Date | null; updatedByUsername: string } | null = null;

  function view(): SupportSettingsView {
    const r = state.rules;
    const doc = lastDoc;
    return {
      settings: merged(state.values),
      defaults,
      overridden: FIELDS.filter((f) => f in state.values),
      version: state.version,
      updatedAt: doc?.updatedAt ?? null,
      updatedBy: doc?.updatedByUsername || null,
      policy: supportPolicyText(r),
    };
  }

  function requireAdmin(actor: Actor | null): Actor {
    if (!actor) throw new UnauthorizedError();
    if (!isAdmin(actor)) throw new ForbiddenError('Only administrators can change the support settings.');
    return actor;
  }

  /** The settings in force, what the environment says, and who changed them last (admins). */
  async function get(actor: Actor | null): Promise<SupportSettingsView> {
    requireAdmin(actor);
    await rules.refresh();
    lastDoc = await Setting.findById(SUPPORT_SETTINGS_ID, { updatedAt: 1, updatedByUsername: 1 }).lean();
    return view();
  }

  /**
   * Changes some settings (admins). Every value is checked by building the business calendar
   * from it (unknown zone, country or region, closing before opening, no open day: 400 naming
   * the field, nothing stored). The write is conditional on the version read, so of two
   * administrators saving at once one gets 409 instead of silently undoing the other's change.
   * Audited ('support_settings_changed', with the changed fields). Emits 'support.rules.changed'.
   */
  async function update(actor: Actor | null, patch: SupportSettingsPatch): Promise<SupportSettingsView> {
    const who = requireAdmin(actor);
    const input = parseInput(supportSettingsPatch, patch);
    await rules.refresh();
    const values: Partial<SupportSettingsValues> = { ...state.values };
    const changed: SupportSettingsField[] = [];
    for (const f of FIELDS) {
      if (!(f in input)) continue;
      const v = input[f];
      const before = JSON.stringify(merged(values)[f]);
      if (v === null || JSON.stringify(v) === JSON.stringify(defaults[f])) delete values[f];
      else (values as Record<string, unknown>)[f] = v;
      if (JSON.stringify(merged(values)[f]) !== before) changed.push(f);
    }
    const next = merged(values);
    if (next.holidayRegion && !(next.holidayRegion in holidayRegions(next.holidayCountry))) {
      const msg = `Holiday region: "${next.holidayRegion}" is not a region of ${next.holidayCountry} that the holiday calendar knows.`;
      throw new ValidationError(msg, { holidayRegion: msg });
    }
    try {
      supportRulesFrom(calendarOf(next), next.lockAfterDays);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      const field = fieldOfRangeError(err.message);
      const msg = err.message.replace(/^(Business calendar|Support rules): /, '');
      throw new ValidationError(msg.charAt(0).toUpperCase() + msg.slice(1) + '.', { [field]: msg });
    }
    if (!changed.length) return get(who);

    const now = clock.now();
    const version = state.version + 1;
    try {
      const res = await Setting.updateOne(
        { _id: SUPPORT_SETTINGS_ID, version: state.version },
        { $set: { values, version, updatedAt: now, updatedBy: who.id, updatedByUsername: who.username } },
        { upsert: true },
      );
      if (!res.matchedCount && !res.upsertedCount) throw Object.assign(new Error('version moved'), { code: 11000 });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      throw new ConflictError('Another administrator changed the support settings at the same time. Reload the page and try again.');
    }
    await audit.record({
      actor: who,
      action: 'support_settings_changed',
      targetType: 'settings',
      reason: `changed: ${changed.join(', ')}`,
      at: now,
    });
    apply(version, values);
    checkedAt = now.getTime();
    await events.emit('support.rules.changed', { version, changedHere: true });
    return get(who);
  }

  return {
    rules,
    get,
    update,
    /** Holiday countries and the chosen country's regions, for the form. */
    choices: (country: string) => ({ countries: holidayCountries(), regions: holidayRegions(country) }),
  };
}

export type SupportSettings = ReturnType<typeof createSupportSettings>;

function pickValues(raw: Record<string, unknown>): Partial<SupportSettingsValues> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (raw[f] !== undefined) out[f] = raw[f];
  return out as Partial<SupportSettingsValues>;
}
