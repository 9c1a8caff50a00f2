import { DateTime } from 'luxon';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { Models } from '../../models';
import type { AuditLog } from '../audit';
import { isAdmin, isStaff, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../kernel/errors';
import type { EventBus } from '../kernel/events';
import { parseInput } from '../kernel/validate';
import { restrictionOf, type Restriction } from './standing';

/**
 * Suspending, silencing and banning members (docs/moderation.md, "Members and trust"). Staff
 * suspend and silence for a time with a reason the member reads; administrators ban (the
 * account cannot sign in, and its sessions end). Only members can be restricted: a staff
 * account's role is changed first. Every change is audited before it is made, with the person
 * it is about, and announced ('viewer.changed') so every cached view of the person follows.
 */
export const RESTRICTION_MAX_DAYS = 3650;

/** `until` (ISO 8601 with an offset, JSON) or `days` (the form's duration), and a reason. */
export const restrictBody = z
  .object({
    until: z.iso.datetime({ offset: true }).optional(),
    days: z.coerce.number().int().min(1).max(RESTRICTION_MAX_DAYS).optional(),
    reason: z.string().trim().min(3).max(500),
  })
  .refine((v) => (v.until === undefined) !== (v.days === undefined), { message: 'give either until or days', path: ['until'] });
export type RestrictInput = z.input<typeof restrictBody>;

export const banBody = z.object({ reason: z.string().trim().min(3).max(500) });

export interface StandingView {
  username: string;
  restriction: Restriction | null;
}

export function createRestrictions(deps: { models: Pick<Models, 'User'>; clock: Clock; audit: AuditLog; events: EventBus }) {
  const { clock, audit, events } = deps;
  const { User } = deps.models;

  async function member(actor: Actor | null, username: string, adminOnly: boolean) {
    if (!actor) throw new UnauthorizedError();
    if (adminOnly ? !isAdmin(actor) : !isStaff(actor)) {
      throw new ForbiddenError(adminOnly ? 'Only administrators can ban accounts.' : 'Only support moderators can restrict accounts.');
    }
    const u = await User.findOne({ usernameLower: String(username).trim().toLowerCase() }, { username: 1, role: 1 }).lean();
    if (!u) throw new NotFoundError('There is no such member.');
    if (u.role !== 'member') throw new ConflictError('Staff accounts cannot be restricted: change the role first.', 'not_a_member');
    return { who: actor, user: { id: String(u._id), username: u.username } };
  }

  async function view(userId: string, username: string): Promise<StandingView> {
    const u = await User.findById(new Types.ObjectId(userId)).lean();
    return { username, restriction: u ? restrictionOf(u, clock.now()) : null };
  }

  function untilOf(input: z.infer<typeof restrictBody>, now: Date): Date {
    const until = input.until ? new Date(input.until) : DateTime.fromJSDate(now).plus({ days: input.days! }).toJSDate();
    const latest = DateTime.fromJSDate(now).plus({ days: RESTRICTION_MAX_DAYS }).toJSDate();
    if (until <= now || until > latest) {
      const msg = `The end must be in the future and within ${RESTRICTION_MAX_DAYS} days.`;
      throw new ValidationError(msg, { until: msg });
    }
    return until;
  }

  /** Suspends (`suspend`: no posts, no messages) or silences (`silence`) a member until a date. */
  async function restrict(actor: Actor | null, username: string, kind: 'suspend' | 'silence', raw: RestrictInput): Promise<StandingView> {
    const input = parseInput(restrictBody, raw);
    const { who, user } = await member(actor, username, false);
    const now = clock.now();
    const until = untilOf(input, now);
    await audit.record({
      actor: who,
      action: kind === 'suspend' ? 'user_suspended' : 'user_silenced',
      targetType: 'user',
      targetId: user.id,
      subject: user,
      reason: `until ${until.toISOString()}: ${input.reason}`,
      at: now,
    });
    const set =
      kind === 'suspend' ? { suspendedUntil: until, suspendReason: input.reason } : { silencedUntil: until, silenceReason: input.reason };
    await User.updateOne({ _id: new Types.ObjectId(user.id) }, { $set: set });
    await events.emit('viewer.changed', { userIds: [user.id] });
    return view(user.id, user.username);
  }

  /** Ends a suspension or a silence early. */
  async function lift(actor: Actor | null, username: string, kind: 'suspend' | 'silence'): Promise<StandingView> {
    const { who, user } = await member(actor, username, false);
    const now = clock.now();
    await audit.record({
      actor: who,
      action: kind === 'suspend' ? 'user_suspension_lifted' : 'user_silence_lifted',
      targetType: 'user',
      targetId: user.id,
      subject: user,
      at: now,
    });
    const set = kind === 'suspend' ? { suspendedUntil: null, suspendReason: null } : { silencedUntil: null, silenceReason: null };
    await User.updateOne({ _id: new Types.ObjectId(user.id) }, { $set: set });
    await events.emit('viewer.changed', { userIds: [user.id] });
    return view(user.id, user.username);
  }

  /** Bans a member (administrators): no sign-in, and the account's sessions end. */
  async function ban(actor: Actor | null, username: string, raw: { reason: string }): Promise<StandingView> {
    const input = parseInput(banBody, raw);
    const { who, user } = await member(actor, username, true);
    const now = clock.now();
    await audit.record({
      actor: who,
      action: 'user_banned',
      targetType: 'user',
      targetId: user.id,
      subject: user,
      reason: input.reason,
      at: now,
    });
    await User.updateOne({ _id: new Types.ObjectId(user.id) }, { $set: { bannedAt: now, banReason: input.reason } });
    await events.emit('viewer.changed', { userIds: [user.id] });
    return view(user.id, user.username);
  }

  async function unban(actor: Actor | null, username: string): Promise<StandingView> {
    const { who, user } = await member(actor, username, true);
    const now = clock.now();
    await audit.record({ actor: who, action: 'user_unbanned', targetType: 'user', targetId: user.id, subject: user, at: now });
    await User.updateOne({ _id: new Types.ObjectId(user.id) }, { $set: { bannedAt: null, banReason: null } });
    await events.emit('viewer.changed', { userIds: [user.id] });
    return view(user.id, user.username);
  }

  return { restrict, lift, ban, unban };
}

export type Restrictions = ReturnType<typeof createRestrictions>;
