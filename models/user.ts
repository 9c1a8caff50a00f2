import { Schema, type InferSchemaType, type Types } from 'mongoose';

/**
 * A forum account. Uniqueness lives in the indexes (usernameLower, email), so two
 * concurrent registrations cannot both win; the service maps the duplicate-key error.
 * The username keeps the case it was typed with for display; `usernameLower` is the key.
 */
/** Account roles: members ask and answer; moderators and admins are the support team. */
export const ROLES = ['member', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const userSchema = new Schema(
  {
    username: { type: String, required: true, trim: true },
    usernameLower: { type: String, required: true },
    email: { type: String, required: true, lowercase: true, trim: true },
    displayName: { type: String, required: true, trim: true },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ROLES, required: true, default: 'member' },
    /** Staff signature: Markdown source and the HTML cooked from it at write time. */
    signature: { type: String, default: null },
    signatureHtml: { type: String, default: null },
    signatureRendererVersion: { type: Number, default: null },
    createdAt: { type: Date, required: true },
    lastLoginAt: { type: Date, default: null },
    /**
     * E-mail verification (server/accounts/): `emailVerified` is true once the person followed
     * a verification link sent to `email`. Unverified accounts get no e-mail but the
     * verification mail and cannot write privately to members. Accounts from before this field
     * existed are unverified until they confirm.
     */
    emailVerified: { type: Boolean, default: false },
    emailVerifiedAt: { type: Date, default: null },
    /** A new address waiting for its verification link; `email` changes only when it is confirmed. */
    pendingEmail: { type: String, default: null, lowercase: true, trim: true },
    /** IANA time zone for times shown to this person; null: UTC on pages, the desk's zone for deadlines. */
    timeZone: { type: String, default: null },
    passwordChangedAt: { type: Date, default: null },

    // Moderation restrictions (docs/moderation.md). Each exists only while it applies to the
    // member: `suspendedUntil` (no posting, no messages), `silencedUntil` (no public posts, no
    // messages to members; support stays reachable), `bannedAt` (cannot sign in). The reason
    // is shown to the member; who set it is in the audit log.
    suspendedUntil: { type: Date, default: null },
    suspendReason: { type: String, default: null, maxlength: 500 },
    silencedUntil: { type: Date, default: null },
    silenceReason: { type: String, default: null, maxlength: 500 },
    bannedAt: { type: Date, default: null },
    banReason: { type: String, default: null, maxlength: 500 },
  },
  { collection: 'users', versionKey: false },
);

userSchema.index({ usernameLower: 1 }, { unique: true });
// An address belongs to at most one VERIFIED account. Unverified accounts may share one, so
// registration answers the same whether or not an address is taken (OWASP Authentication
// Cheat Sheet, account enumeration); the first to confirm it wins (server/auth/service.ts).
userSchema.index(
  { email: 1, emailVerified: 1 },
  { unique: true, partialFilterExpression: { emailVerified: true }, name: 'email_verified_unique' },
);
// Password reset looks accounts up by address.
userSchema.index({ email: 1 }, { name: 'email_lookup' });
// The staff list (CLI `users`, moderator pickers) reads by role.
userSchema.index({ role: 1, usernameLower: 1 });

export type UserFields = InferSchemaType<typeof userSchema>;
export type UserRecord = UserFields & { _id: Types.ObjectId };

/** What anyone may see about a person. Never the hash, never the email. */
export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
}

export function toPublicUser(u: Pick<UserRecord, '_id' | 'username' | 'displayName' | 'role'>): PublicUser {
  return { id: String(u._id), username: u.username, displayName: u.displayName, role: u.role as Role };
}

/** The session's view of a user (server/kernel/actor.ts Actor): the public fields and the person's time zone. */
export function toActor(
  u: Pick<UserRecord, '_id' | 'username' | 'displayName' | 'role'> & { timeZone?: string | null },
): PublicUser & { timeZone?: string } {
  const actor: PublicUser & { timeZone?: string } = toPublicUser(u);
  if (u.timeZone) actor.timeZone = u.timeZone;
  return actor;
}
