import { ipKeyGenerator } from 'express-rate-limit';
import type { Models } from '../../models';
import { RateLimitedError } from '../kernel/errors';
import type { Clock } from '../kernel/clock';

export interface ThrottleOptions {
  LoginAttempt: Models['LoginAttempt'];
  clock: Clock;
  /** Sign-in attempts per account per window. */
  accountMax: number;
  /** Failed sign-ins per client address per window (shared by everyone behind a NAT, so higher). */
  ipMax: number;
  windowMs: number;
}

export const accountKey = (login: string): string => `acct:${login.trim().toLowerCase().slice(0, 300)}`;
export const ipKey = (ip: string): string => `ip:${ipKeyGenerator(ip || 'unknown')}`;

/**
 * Sign-in throttling in MongoDB, so every app process shares the counters.
 *
 * An attempt is counted *before* the password is checked (one atomic $inc upsert per key),
 * so parallel requests cannot slip past the limit between a check and a write: exactly
 * `max` attempts per window reach the password check. Unknown accounts are counted like
 * real ones, so the 429 says nothing about whether an account exists.
 * A successful sign-in clears the account's counter and gives the address its attempt back.
 * A lockout ends at most one window after the last counted failure, whatever the clock did
 * (moved back, a window whose end is further away than one window starts again).
 */
export function createLoginThrottle(opts: ThrottleOptions) {
  const { clock, windowMs, LoginAttempt } = opts;

  async function bump(key: string): Promise<{ count: number; expiresAt: Date }> {
    const now = clock.now();
    const fresh = new Date(now.getTime() + windowMs);
    // A window that has passed starts again (conditional, so one concurrent caller resets it);
    // so does one ending more than a window from now: the clock was moved back, and the
    // lockout must still end at most one window after the last failure.
    await LoginAttempt.updateOne(
      { _id: key, $or: [{ expiresAt: { $lte: now } }, { expiresAt: { $gt: fresh } }] },
      { $set: { count: 0, expiresAt: fresh } },
    );
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await LoginAttempt.findOneAndUpdate(
          { _id: key },
          { $inc: { count: 1 }, $setOnInsert: { expiresAt: fresh } },
          { upsert: true, returnDocument: 'after', lean: true },
        );
        return { count: doc!.count, expiresAt: doc!.expiresAt };
      } catch (err) {
        // Two first attempts raced to insert the same key: the loser increments the winner's.
        if ((err as { code?: number }).code === 11000 && attempt < 2) continue;
        throw err;
      }
    }
  }

  /** Counts one attempt for the account and the address; throws 429 when either is over. */
  async function begin(login: string, ip: string): Promise<void> {
    const [acct, addr] = await Promise.all([bump(accountKey(login)), bump(ipKey(ip))]);
    const over = [acct.count > opts.accountMax ? acct.expiresAt : null, addr.count > opts.ipMax ? addr.expiresAt : null].filter(
      (d): d is Date => d !== null,
    );
    if (over.length) {
      const until = Math.max(...over.map((d) => d.getTime()));
      const seconds = Math.max(1, Math.ceil((until - clock.now().getTime()) / 1000));
      throw new RateLimitedError(seconds, 'Too many sign-in attempts. Please wait and try again.');
    }
  }

  async function succeeded(login: string, ip: string): Promise<void> {
    await Promise.all([
      LoginAttempt.deleteOne({ _id: accountKey(login) }),
      LoginAttempt.updateOne({ _id: ipKey(ip), count: { $gt: 0 } }, { $inc: { count: -1 } }),
    ]);
  }

  return { begin, succeeded };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
