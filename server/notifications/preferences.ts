import { Types } from 'mongoose';
import { z } from 'zod';
import {
  DELIVERIES,
  NOTIFICATION_KIND_TABLE,
  NOTIFICATION_KINDS,
  type Delivery,
  type NotificationKind,
  type NotificationSettingsDoc,
} from '../../models/notification';
import type { Models } from '../../models';
import { isStaff, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { parseInput } from '../kernel/validate';

/**
 * Per-person e-mail preferences per notification kind: immediately, in the daily digest, or
 * off. Stored as the person's choices only (notification_settings, keyed by user id); a kind
 * never chosen follows the default in models/notification.ts, so a new kind gets its default
 * for everyone with no migration. In-app notifications are always kept.
 */
export type Preferences = Record<NotificationKind, Delivery>;

/** What an unsubscribe link names: a kind, 'digest' (the daily summary) or 'all'. */
export type UnsubscribeScope = NotificationKind | 'digest' | 'all';

export const DEFAULT_PREFERENCES = Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, NOTIFICATION_KIND_TABLE[k].email])) as Preferences;

/** PATCH input: any subset of kinds, each one of the deliveries. Unknown kinds are a 400. */
const preferencesSchema = z.partialRecord(z.enum(NOTIFICATION_KINDS as [NotificationKind, ...NotificationKind[]]), z.enum(DELIVERIES));

export interface PreferenceRow {
  kind: NotificationKind;
  label: string;
  delivery: Delivery;
  default: Delivery;
}

/** Mail kinds whose preference has another name (server/mail/kinds.ts names the reminder 'close_reminder'). */
const MAIL_KIND_TO_PREFERENCE: Record<string, NotificationKind> = { close_reminder: 'lock_reminder' };

/** The scope an unsubscribe token's kind stands for; null for a kind this forum does not know. */
export function unsubscribeScope(kind: string): UnsubscribeScope | null {
  if (kind === 'all' || kind === 'digest') return kind;
  const mapped = MAIL_KIND_TO_PREFERENCE[kind] ?? kind;
  return (NOTIFICATION_KINDS as string[]).includes(mapped) ? (mapped as NotificationKind) : null;
}

function merged(doc: Pick<NotificationSettingsDoc, 'email'> | null | undefined): Preferences {
  const own = doc?.email instanceof Map ? Object.fromEntries(doc.email) : (doc?.email ?? {});
  const out = { ...DEFAULT_PREFERENCES };
  for (const k of NOTIFICATION_KINDS) {
    const v = own[k];
    if (v && (DELIVERIES as readonly string[]).includes(v)) out[k] = v as Delivery;
  }
  return out;
}

export function createPreferences(deps: { models: Pick<Models, 'NotificationSettings'>; clock: Clock }) {
  const { clock } = deps;
  const { NotificationSettings } = deps.models;

  async function of(userId: string): Promise<Preferences> {
    return merged(await NotificationSettings.findById(new Types.ObjectId(userId), { email: 1 }).lean());
  }

  /** Preferences of many people in one query (the fan-out). */
  async function ofMany(userIds: readonly string[]): Promise<Map<string, Preferences>> {
    const ids = [...new Set(userIds)];
    const rows = ids.length
      ? await NotificationSettings.find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { email: 1 }).lean()
      : [];
    const byId = new Map(rows.map((r) => [String(r._id), r]));
    return new Map(ids.map((id) => [id, merged(byId.get(id))]));
  }

  /** The account page's rows: every kind the person can receive, with label, choice and default. */
  async function rowsFor(actor: Actor): Promise<PreferenceRow[]> {
    const prefs = await of(actor.id);
    return NOTIFICATION_KINDS.filter((k) => isStaff(actor) || !('staffOnly' in NOTIFICATION_KIND_TABLE[k])).map((kind) => ({
      kind,
      label: NOTIFICATION_KIND_TABLE[kind].label,
      delivery: prefs[kind],
      default: DEFAULT_PREFERENCES[kind],
    }));
  }

  /**
   * Sets some kinds' delivery. @throws ValidationError (400) for an unknown kind or value;
   * nothing is stored then.
   */
  async function set(userId: string, input: unknown): Promise<Preferences> {
    const choice = parseInput(preferencesSchema, input) as Partial<Preferences>;
    const $set: Record<string, unknown> = { updatedAt: clock.now() };
    for (const [k, v] of Object.entries(choice)) if (v) $set[`email.${k}`] = v;
    await NotificationSettings.updateOne({ _id: new Types.ObjectId(userId) }, { $set }, { upsert: true });
    return of(userId);
  }

  /**
   * One-click unsubscribe: a kind goes off; 'digest' turns off every kind that was going to
   * the digest; 'all' turns off every kind. Idempotent.
   */
  async function unsubscribe(userId: string, scope: UnsubscribeScope): Promise<Preferences> {
    const current = await of(userId);
    const kinds =
      scope === 'all' ? NOTIFICATION_KINDS : scope === 'digest' ? NOTIFICATION_KINDS.filter((k) => current[k] === 'digest') : [scope];
    return set(userId, Object.fromEntries(kinds.map((k) => [k, 'off'])));
  }

  return { of, ofMany, rowsFor, set, unsubscribe };
}

export type PreferenceStore = ReturnType<typeof createPreferences>;
