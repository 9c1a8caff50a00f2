import { Schema, type Types } from 'mongoose';

/**
 * Expiring, single-use account tokens (e-mail verification, password reset), created and
 * consumed by server/mail/account-tokens.ts. The token itself goes only into the e-mail; the
 * database keeps its SHA-256 hash, so a leaked database cannot be turned into working links
 * (OWASP Forgot Password Cheat Sheet).
 *
 * Only the schema lives here; the mail module receives the bound model (server/mail/index.ts).
 */
export const ACCOUNT_TOKEN_PURPOSES = ['verify_email', 'reset_password'] as const;
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

export const ACCOUNT_TOKEN_MODEL = 'AccountToken';

export const accountTokenSchema = new Schema(
  {
    /** hex SHA-256 of the token's bytes. */
    tokenHash: { type: String, required: true },
    purpose: { type: String, enum: ACCOUNT_TOKEN_PURPOSES, required: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    /** The address a verification token proves (so a changed address needs a new token). */
    email: { type: String, default: null },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
  },
  { collection: 'account_tokens', versionKey: false },
);

accountTokenSchema.index({ tokenHash: 1 }, { unique: true });
accountTokenSchema.index({ userId: 1, purpose: 1 });
// Expired tokens are useless; the TTL monitor removes them (consume() checks expiry itself).
accountTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export interface AccountTokenDoc {
  _id: Types.ObjectId;
  tokenHash: string;
  purpose: AccountTokenPurpose;
  userId: Types.ObjectId;
  email: string | null;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}
