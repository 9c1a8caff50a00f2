import { z } from 'zod';
import { Types } from 'mongoose';
import type { Models } from '../../models';
import { DELIVERIES, NOTIFICATION_KINDS } from '../../models/notification';
import {
  PASSWORD_MAX,
  PASSWORD_MIN,
  displayNameSchema,
  emailSchema,
  timeZoneSchema,
  type AccountFacts,
  type Auth,
  type ConfirmEmailResult,
} from '../auth';
import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/events';
import { AppError, ConflictError, UnauthorizedError, ValidationError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import { parseInput } from '../kernel/validate';
import { hashToken, type MailSystem } from '../mail';
import type { Notifications, PreferenceRow } from '../notifications';

/** A verification link works for a day; a reset link for an hour (OWASP Forgot Password Cheat Sheet). */
export const VERIFY_TTL_MS = 24 * 3600 * 1000;
export const RESET_TTL_MS = 3600 * 1000;
/** At most one reset mail per account this often: repeated requests are answered alike and send nothing. */
export const RESET_MIN_INTERVAL_MS = 60 * 1000;

export const passwordSchema = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);

export const resetRequestSchema = z.object({ email: z.string().max(320) });
export const resetSchema = z.object({ password: passwordSchema });
export const changePasswordSchema = z.object({ currentPassword: z.string().min(1).max(PASSWORD_MAX), newPassword: passwordSchema });

/** PATCH /api/account: any subset; an empty time zone clears it. */
export const accountPatchSchema = z
  .object({
    displayName: displayNameSchema.optional(),
    email: emailSchema.optional(),
    currentPassword: z.string().max(PASSWORD_MAX).optional(),
    timeZone: z.preprocess((v) => (v === '' ? null : v), timeZoneSchema).optional(),
    notifications: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type AccountPatch = z.infer<typeof accountPatchSchema>;

/** The outcome of following a link, as the page tells it. */
export type LinkOutcome = ConfirmEmailResult | 'invalid' | 'expired' | 'used';

export interface AccountPage {
  account: AccountFacts;
  preferences: PreferenceRow[];
}

export interface AccountsDeps {
  models: Pick<Models, 'User' | 'AccountToken'>;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  auth: Auth;
  notifications: Pick<Notifications, 'preferences'>;
  mail: Pick<MailSystem, 'mailer' | 'accountTokens'>;
}

class InvalidLinkError extends AppError {
  constructor(reason: 'invalid' | 'expired' | 'used') {
    const why =
      reason === 'expired' ? 'This link has expired.' : reason === 'used' ? 'This link was already used.' : 'This link is not valid.';
    super(400, `link_${reason}`, `${why} Ask for a new one.`);
  }
}

/**
 * Accounts people can recover (docs/accounts.md): e-mail verification, password reset, the
 * account page. Tokens are the mail library's single-use hashed account tokens; mail goes
 * through the outbox. Every user document write is the auth domain's (server/auth/account-ops.ts).
 *
 * Password reset answers the same whether or not the address belongs to an account, and does
 * its work (lookup, token, mail) after answering, so the timing says nothing either
 * (OWASP Forgot Password Cheat Sheet); `idle()` waits for that work (shutdown, tests).
 */
export function createAccountsService(deps: AccountsDeps) {
  const { models, clock, logger, auth, notifications, mail } = deps;
  const sessions = () => models.User.db.collection('sessions');
  const background = new Set<Promise<void>>();

  function later(work: () => Promise<void>): void {
    const p = work()
      .catch((err: unknown) => logger.error({ err }, 'account mail not queued'))
      .finally(() => background.delete(p));
    background.add(p);
  }

  /** Issues a verification link for `email` (the account's address or its pending one) and queues the mail. */
  async function sendVerification(userId: string, email?: string): Promise<void> {
    const person = await auth.recipient(userId);
    if (!person) return;
    const account = await models.User.findById(userId, { pendingEmail: 1 }).lean();
    const to = email ?? account?.pendingEmail ?? person.email;
    const { token, expiresAt } = await mail.accountTokens.issue({ userId, purpose: 'verify_email', ttlMs: VERIFY_TTL_MS, email: to });
    await mail.mailer.enqueue({
      key: `verify_email:${hashToken(token).slice(0, 32)}`,
      recipient: { userId, email: to, displayName: person.displayName },
      mail: { kind: 'verify_email', token, expiresAt },
    });
  }

  /** "Send the link again" on the account page. @throws 409 when there is nothing to confirm. */
  async function requestVerification(actor: Actor | null): Promise<{ sentTo: string }> {
    if (!actor) throw new UnauthorizedError();
    const account = await auth.accountOf(actor);
    const to = account.pendingEmail ?? (account.emailVerified ? null : account.email);
    if (!to) throw new ConflictError('Your e-mail address is already confirmed.');
    await sendVerification(actor.id, to);
    return { sentTo: to };
  }

  /** Follows a verification link (single use): the address becomes confirmed, unless another account confirmed it first. */
  async function verifyEmail(token: string): Promise<LinkOutcome> {
    const used = await mail.accountTokens.consume(token, 'verify_email');
    if (!used.ok) return used.reason;
    const result = await auth.confirmEmail(used.userId, used.email);
    logger.info({ userId: used.userId, result }, 'e-mail verification link followed');
    return result;
  }

  /** Always resolves the same way; the mail (if any) is queued in the background. */
  function requestPasswordReset(input: unknown): void {
    const { email } = parseInput(resetRequestSchema, input);
    later(async () => {
      const target = await auth.resetTarget(email);
      if (!target) return;
      if (!target.verified) return sendVerification(target.userId, target.email);
      const recent = await models.AccountToken.exists({
        userId: new Types.ObjectId(target.userId),
        purpose: 'reset_password',
        usedAt: null,
        createdAt: { $gt: new Date(clock.now().getTime() - RESET_MIN_INTERVAL_MS) },
      });
      if (recent) return;
      const { token, expiresAt } = await mail.accountTokens.issue({
        userId: target.userId,
        purpose: 'reset_password',
        ttlMs: RESET_TTL_MS,
        email: target.email,
      });
      await mail.mailer.enqueue({
        key: `password_reset:${hashToken(token).slice(0, 32)}`,
        recipient: { userId: target.userId, email: target.email, displayName: target.displayName },
        mail: { kind: 'password_reset', token, expiresAt },
      });
    });
  }

  /**
   * Sets a new password with a reset link (single use, one hour). The new password is checked
   * before the link is used up. Every session of the account ends, and other reset links stop
   * working. @throws ValidationError for a password outside the rules, InvalidLinkError (400).
   */
  async function resetPassword(token: string, input: unknown): Promise<void> {
    const { password } = parseInput(resetSchema, input);
    const used = await mail.accountTokens.consume(token, 'reset_password');
    if (!used.ok) throw new InvalidLinkError(used.reason);
    await auth.setPassword(used.userId, password);
    await mail.accountTokens.revokeAll(used.userId, 'reset_password');
    const ended = await endSessions(used.userId);
    logger.info({ userId: used.userId, sessionsEnded: ended }, 'password reset');
  }

  /** Deletes the person's sessions from the store (connect-mongo's `sessions`), except `keep`. Returns how many. */
  async function endSessions(userId: string, keep?: string): Promise<number> {
    const filter: Record<string, unknown> = { 'session.passport.user': userId };
    if (keep) filter._id = { $ne: keep };
    const res = await sessions().deleteMany(filter);
    await deps.events.emit('viewer.changed', { userIds: [userId] }); // cached actors
    return res.deletedCount;
  }

  async function page(actor: Actor | null): Promise<AccountPage> {
    if (!actor) throw new UnauthorizedError();
    const [account, preferences] = await Promise.all([auth.accountOf(actor), notifications.preferences.rowsFor(actor)]);
    return { account, preferences };
  }

  /**
   * The account page's changes, all or nothing as far as checking goes: every field is
   * validated (and the current password checked for an e-mail change) before anything is
   * written. A new address is confirmed by a link before it replaces the old one.
   */
  async function update(actor: Actor | null, input: unknown): Promise<AccountPage & { verificationSentTo: string | null }> {
    if (!actor) throw new UnauthorizedError();
    const patch = parseInput(accountPatchSchema, input);
    if (patch.notifications) checkPreferences(patch.notifications);
    let verificationSentTo: string | null = null;
    if (patch.email !== undefined) {
      verificationSentTo = await auth.requestEmailChange(actor, { email: patch.email, currentPassword: patch.currentPassword });
      if (verificationSentTo) await sendVerification(actor.id, verificationSentTo);
    }
    if (patch.displayName !== undefined) await auth.setDisplayName(actor, patch.displayName);
    if (patch.timeZone !== undefined) await auth.setTimeZone(actor, patch.timeZone);
    if (patch.notifications) await notifications.preferences.set(actor.id, patch.notifications);
    return { ...(await page(actor)), verificationSentTo };
  }

  /** Checks the preferences part of a PATCH; each mistake is reported under `notifications.<kind>`. */
  function checkPreferences(prefs: Record<string, unknown>): void {
    const known = new Set<string>(NOTIFICATION_KINDS);
    const fields: Record<string, string> = {};
    for (const [kind, delivery] of Object.entries(prefs)) {
      if (!known.has(kind)) fields[`notifications.${kind}`] = `${kind} is not a notification kind.`;
      else if (!(DELIVERIES as readonly unknown[]).includes(delivery))
        fields[`notifications.${kind}`] = `${kind} must be one of: ${DELIVERIES.join(', ')}.`;
    }
    const first = Object.values(fields)[0];
    if (first) throw new ValidationError(first, fields);
  }

  /** Changes the password (the current one required); the person's other sessions end. */
  async function changePassword(actor: Actor | null, input: unknown, currentSessionId?: string): Promise<{ sessionsEnded: number }> {
    if (!actor) throw new UnauthorizedError();
    const { currentPassword, newPassword } = parseInput(changePasswordSchema, input);
    await auth.changePassword(actor, { currentPassword, newPassword });
    await mail.accountTokens.revokeAll(actor.id, 'reset_password');
    return { sessionsEnded: await endSessions(actor.id, currentSessionId) };
  }

  return {
    sendVerification,
    requestVerification,
    verifyEmail,
    requestPasswordReset,
    resetPassword,
    endSessions,
    page,
    update,
    changePassword,
    /** Resolves when the background account mail work has finished. */
    idle: async () => {
      while (background.size) await Promise.allSettled([...background]);
    },
    /** The session store's index for ending a person's sessions (connect-mongo creates the collection). */
    init: () =>
      sessions()
        .createIndex({ 'session.passport.user': 1 }, { name: 'session_user' })
        .then(() => undefined),
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
