import { createHash, randomBytes } from 'node:crypto';
import { Types, type Model } from 'mongoose';
import type { AccountTokenDoc, AccountTokenPurpose } from '../../models/account-token';
import type { Clock } from '../kernel/clock';

/**
 * Expiring, single-use account tokens for e-mail verification and password reset.
 *
 * A token is 32 random bytes (node:crypto randomBytes), base64url in the link. Only its
 * SHA-256 hash is stored (OWASP Forgot Password Cheat Sheet: store a hash, single use,
 * expiry). A high-entropy random token needs no salt or slow hash: guessing is hopeless and
 * the hash only has to keep a database reader from using the links.
 *
 * consume() is one conditional findOneAndUpdate (usedAt: null -> now), so two requests with
 * the same token cannot both succeed, whichever process serves them.
 */
export const TOKEN_BYTES = 32;

export interface IssueTokenInput {
  userId: string;
  purpose: AccountTokenPurpose;
  /** Lifetime in milliseconds (e.g. 3_600_000 for a password reset). */
  ttlMs: number;
  /** The address a verification token proves; stored so a later change of address needs a new token. */
  email?: string | null;
}

export interface IssuedToken {
  /** The secret for the link; shown once, never stored. */
  token: string;
  expiresAt: Date;
}

export type ConsumeResult =
  { ok: true; userId: string; email: string | null; createdAt: Date } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

export interface AccountTokens {
  /**
   * Creates a token. With `revokeOthers` (default true) the person's earlier unused tokens of
   * the same purpose stop working, so only the newest link in their mailbox is valid.
   * @throws TypeError on a bad userId or ttlMs.
   */
  issue(input: IssueTokenInput & { revokeOthers?: boolean }): Promise<IssuedToken>;
  /** Uses a token up. 'invalid' also covers a token of another purpose (never says which). */
  consume(token: string, purpose: AccountTokenPurpose): Promise<ConsumeResult>;
  /** Ends every unused token of the person for a purpose (e.g. all resets after a password change). Returns how many. */
  revokeAll(userId: string, purpose: AccountTokenPurpose): Promise<number>;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function createAccountTokens(deps: { model: Model<AccountTokenDoc>; clock: Clock }): AccountTokens {
  const { model, clock } = deps;

  async function revokeAll(userId: string, purpose: AccountTokenPurpose): Promise<number> {
    if (!Types.ObjectId.isValid(userId)) throw new TypeError('userId must be an ObjectId');
    const res = await model.updateMany({ userId: new Types.ObjectId(userId), purpose, usedAt: null }, { $set: { usedAt: clock.now() } });
    return res.modifiedCount;
  }

  return {
    async issue({ userId, purpose, ttlMs, email = null, revokeOthers = true }) {
      if (!Types.ObjectId.isValid(userId)) throw new TypeError('userId must be an ObjectId');
      if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new TypeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
      if (revokeOthers) await revokeAll(userId, purpose);
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + ttlMs);
      await model.create({
        tokenHash: hashToken(token),
        purpose,
        userId: new Types.ObjectId(userId),
        email: email ? email.toLowerCase() : null,
        createdAt: now,
        expiresAt,
        usedAt: null,
      });
      return { token, expiresAt };
    },

    async consume(token, purpose) {
      if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return { ok: false, reason: 'invalid' };
      const now = clock.now();
      const tokenHash = hashToken(token);
      const before = await model
        .findOneAndUpdate({ tokenHash, purpose, usedAt: null }, { $set: { usedAt: now } }, { returnDocument: 'before' })
        .lean<AccountTokenDoc>();
      if (!before) {
        const seen = await model.exists({ tokenHash, purpose });
        return { ok: false, reason: seen ? 'used' : 'invalid' };
      }
      // Used up even when expired: an expired link must not become valid by any later change.
      if (before.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
      return { ok: true, userId: String(before.userId), email: before.email, createdAt: before.createdAt };
    },

    revokeAll,
  };
}
