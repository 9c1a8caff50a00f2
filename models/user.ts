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
userSchema.index({ email: 1 }, { unique: true });
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

/** The session's view of a user (server/kernel/actor.ts Actor). Same shape as the public one today. */
export function toActor(u: Pick<UserRecord, '_id' | 'username' | 'displayName' | 'role'>): PublicUser {
  return toPublicUser(u);
}
