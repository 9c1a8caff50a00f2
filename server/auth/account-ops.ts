import { IANAZone } from 'luxon';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { Models } from '../../models';
import type { Role } from '../kernel/actor';
import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/events';
import { NotFoundError, UnauthorizedError, ValidationError } from '../kernel/errors';
import { parseInput } from '../kernel/validate';
import { hashPassword, verifyPassword } from './passwords';

const noControlChars = (s: string) => !/[\p{Cc}\p{Cf}]/u.test(s);

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .toLowerCase()
  .pipe(z.email({ message: 'must be a valid email address' }));

export const displayNameSchema = z.string().trim().min(1).max(60).refine(noControlChars, { message: 'may not contain control characters' });

/** An IANA zone name luxon knows ("Europe/Berlin"), or null for "not chosen". */
export const timeZoneSchema = z
  .string()
  .trim()
  .max(64)
  .refine((z) => IANAZone.isValidZone(z), { message: 'is not a known time zone (use a name like "Europe/Berlin")' })
  .nullable();

/** What mail needs about a person: where to write, what to call them, whether they may get mail. */
export interface RecipientFacts {
  userId: string;
  email: string;
  displayName: string;
  role: Role;
  /** Only verified addresses get mail other than the verification mail itself. */
  verified: boolean;
  timeZone: string | null;
}

/** The account page's facts about the signed-in person. */
export interface AccountFacts {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  email: string;
  emailVerified: boolean;
  /** A new address waiting for its verification link. */
  pendingEmail: string | null;
  timeZone: string | null;
}

/** The outcome of confirming an address with a verification link. */
export type ConfirmEmailResult = 'verified' | 'already' | 'taken' | 'stale';

const WRONG_PASSWORD = 'Your current password is not correct.';
const HEX24 = /^[0-9a-fA-F]{24}$/;

/**
 * Account writes behind the account page, e-mail verification and password reset (the
 * accounts domain, server/accounts/, decides when; this file owns the user documents).
 * Uniqueness of addresses holds among VERIFIED accounts only (models/user.ts), so a
 * confirmation can lose to another account that confirmed the same address first: 'taken'.
 */
export function createAccountOps(deps: { User: Models['User']; clock: Clock; events: EventBus }) {
  const { User, clock, events } = deps;
  const changed = (userId: string) => events.emit('viewer.changed', { userIds: [userId] });

  function requireSelf(actor: Actor | null): Actor {
    if (!actor) throw new UnauthorizedError();
    return actor;
  }

  async function checkPassword(userId: string, password: unknown): Promise<void> {
    const user = await User.findById(userId, { passwordHash: 1 }).lean();
    if (!user) throw new NotFoundError('Your account no longer exists.');
    if (typeof password !== 'string' || !(await verifyPassword(user.passwordHash, password))) {
      throw new ValidationError(WRONG_PASSWORD, { currentPassword: WRONG_PASSWORD });
    }
  }

  /**
   * Mail facts of several people in one indexed query (the notification fan-out). Unknown ids
   * are left out.
   */
  async function recipients(userIds: readonly string[]): Promise<Map<string, RecipientFacts>> {
    const ids = [...new Set(userIds)].filter((id) => HEX24.test(id)).map((id) => new Types.ObjectId(id));
    if (!ids.length) return new Map();
    const rows = await User.find({ _id: { $in: ids } }, { email: 1, displayName: 1, role: 1, emailVerified: 1, timeZone: 1 }).lean();
    return new Map(
      rows.map((u) => [
        String(u._id),
        {
          userId: String(u._id),
          email: u.email,
          displayName: u.displayName,
          role: u.role as Role,
          verified: u.emailVerified === true,
          timeZone: u.timeZone ?? null,
        },
      ]),
    );
  }

  async function recipient(userId: string): Promise<RecipientFacts | null> {
    return (await recipients([userId])).get(userId) ?? null;
  }

  async function isEmailVerified(userId: string): Promise<boolean> {
    return (await recipient(userId))?.verified ?? false;
  }

  async function accountOf(actor: Actor | null): Promise<AccountFacts> {
    const who = requireSelf(actor);
    const u = await User.findById(who.id, {
      username: 1,
      displayName: 1,
      role: 1,
      email: 1,
      emailVerified: 1,
      pendingEmail: 1,
      timeZone: 1,
    }).lean();
    if (!u) throw new NotFoundError('Your account no longer exists.');
    return {
      id: String(u._id),
      username: u.username,
      displayName: u.displayName,
      role: u.role as Role,
      email: u.email,
      emailVerified: u.emailVerified === true,
      pendingEmail: u.pendingEmail ?? null,
      timeZone: u.timeZone ?? null,
    };
  }

  /** Sets (or with null clears) the time zone of displayed times. @throws ValidationError for an unknown zone. */
  async function setTimeZone(actor: Actor | null, zone: string | null): Promise<void> {
    const who = requireSelf(actor);
    // parseInput reads a missing input as {}: null (clear) is checked here, not by the schema.
    const timeZone = zone === null ? null : parseInput(timeZoneSchema, zone);
    await User.updateOne({ _id: who.id }, { $set: { timeZone: timeZone || null } });
    await changed(who.id);
  }

  /**
   * Starts a change of address: the new one waits in `pendingEmail` until its verification
   * link is followed (confirmEmail); mail keeps going to the confirmed address meanwhile. The
   * current password is required (OWASP: re-authenticate before changing the recovery address).
   * Returns the address a verification link must go to, or null when nothing changes.
   * @throws ValidationError for a bad address or a wrong password.
   */
  async function requestEmailChange(actor: Actor | null, input: { email: string; currentPassword?: string }): Promise<string | null> {
    const who = requireSelf(actor);
    const email = parseInput(emailSchema, input.email);
    await checkPassword(who.id, input.currentPassword);
    const u = await User.findById(who.id, { email: 1, emailVerified: 1 }).lean();
    if (!u) throw new NotFoundError('Your account no longer exists.');
    if (email === u.email) {
      await User.updateOne({ _id: who.id }, { $set: { pendingEmail: null } });
      return u.emailVerified ? null : email;
    }
    await User.updateOne({ _id: who.id }, { $set: { pendingEmail: email } });
    return email;
  }

  /**
   * A verification link for `email` was followed: the address becomes the account's confirmed
   * one if it still is its address or its pending one. 'taken': another account confirmed it
   * first (the unique index on verified addresses refused); 'stale': the account has moved on
   * to another address since the link was sent.
   */
  async function confirmEmail(userId: string, email: string | null): Promise<ConfirmEmailResult> {
    const u = await User.findById(userId, { email: 1, emailVerified: 1, pendingEmail: 1 }).lean();
    if (!u || !email) return 'stale';
    const now = clock.now();
    try {
      if (email === u.pendingEmail) {
        const res = await User.updateOne(
          { _id: u._id, pendingEmail: email },
          { $set: { email, emailVerified: true, emailVerifiedAt: now, pendingEmail: null } },
        );
        if (!res.modifiedCount) return 'stale';
      } else if (email === u.email) {
        if (u.emailVerified) return 'already';
        const res = await User.updateOne({ _id: u._id, email }, { $set: { emailVerified: true, emailVerifiedAt: now } });
        if (!res.modifiedCount) return 'stale';
      } else {
        return 'stale';
      }
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return 'taken';
      throw err;
    }
    await changed(userId);
    return 'verified';
  }

  /** Replaces the password hash (a reset, or a change with the current password checked by the caller). */
  async function setPassword(userId: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    const res = await User.updateOne({ _id: userId }, { $set: { passwordHash, passwordChangedAt: clock.now() } });
    if (!res.matchedCount) throw new NotFoundError('Your account no longer exists.');
  }

  /**
   * Changes the signed-in person's password; the current one is required.
   * @throws ValidationError (400) for a wrong current password or a new one outside the rules.
   */
  async function changePassword(actor: Actor | null, input: { currentPassword: string; newPassword: string }): Promise<void> {
    const who = requireSelf(actor);
    await checkPassword(who.id, input.currentPassword);
    await setPassword(who.id, input.newPassword);
  }

  /**
   * The account a password reset for `email` concerns: the one that confirmed this address,
   * else the newest unconfirmed one that uses it (which gets a verification link instead:
   * unconfirmed addresses get no other mail). Null when no account uses it.
   */
  async function resetTarget(email: string): Promise<RecipientFacts | null> {
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) return null;
    const u =
      (await User.findOne({ email: parsed.data, emailVerified: true }, { _id: 1 }).lean()) ??
      (await User.findOne({ email: parsed.data }, { _id: 1 }).sort({ createdAt: -1 }).lean());
    return u ? recipient(String(u._id)) : null;
  }

  /**
   * Databases from before verification had a unique index on every address ('email_1'); it
   * would keep refusing a second, unconfirmed account with a taken address (and so reveal that
   * the address is taken). Dropped once, before the models build their indexes.
   */
  async function migrateIndexes(): Promise<void> {
    const indexes = await User.collection.indexes().catch(() => []);
    if (indexes.some((i) => i.name === 'email_1' && i.unique)) await User.collection.dropIndex('email_1');
  }

  return {
    migrateIndexes,
    recipients,
    recipient,
    isEmailVerified,
    accountOf,
    setTimeZone,
    requestEmailChange,
    confirmEmail,
    setPassword,
    changePassword,
    resetTarget,
  };
}
