import { z } from 'zod';
import { toActor, toPublicUser, type PublicUser } from '../../models/user';
import type { Models } from '../../models';
import type { EventBus } from '../kernel/events';
import type { SupportRulesSource } from '../calendar';
import { ConflictError, ForbiddenError, NotFoundError, RestrictedError, UnauthorizedError, ValidationError } from '../kernel/errors';
import { parseInput } from '../kernel/validate';
import { renderMarkdown, RENDERER_VERSION } from '../markdown/render';
import type { MarkdownRenderer } from '../markdown/bounded-renderer';
import { renderVisible } from '../markdown/visible';
import {
  checkDisplayName,
  fieldMessages,
  findImpersonation,
  staffNameIndex,
  type ContentProblem,
  type StaffNameIndex,
} from '../content-rules';
import type { Cache } from '../kernel/cache';
import type { Clock } from '../kernel/clock';
import type { Config } from '../config';
import { ROLES, isStaff, type Actor, type Role } from '../kernel/actor';
import { PASSWORD_MAX, PASSWORD_MIN, hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords';
import { SIGNATURE_MAX, defaultSignatureFor } from './signature';
import { createLoginThrottle } from './throttle';
import { createAccountOps } from './account-ops';

export const INCORRECT_LOGIN = 'Incorrect username or password.';

/** Longest display name read from a form before the content rules look at it (they allow 40 characters). */
const DISPLAY_NAME_INPUT_MAX = 400;

export const usernameSchema = z
  .string()
  .trim()
  .min(3)
  .max(30)
  .regex(/^[a-z0-9_.-]+$/i, { message: 'may contain only letters, digits, "_", "." and "-"' });

export const registerSchema = z.object({
  username: usernameSchema,
  email: z
    .string()
    .trim()
    .max(254)
    .toLowerCase()
    .pipe(z.email({ message: 'must be a valid email address' })),
  password: z.string().min(PASSWORD_MIN).max(PASSWORD_MAX),
  // The rules (length, characters, staff look-alikes) are server/content-rules/names.ts's,
  // applied by the service; this only bounds what is read.
  displayName: z
    .string()
    .max(DISPLAY_NAME_INPUT_MAX)
    .optional()
    .transform((v) => (v && v.trim() ? v : undefined)),
});
export type RegisterInput = z.input<typeof registerSchema>;

export const loginSchema = z.object({
  username: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(PASSWORD_MAX),
});
export type LoginInput = z.infer<typeof loginSchema>;

export const signatureSchema = z.object({
  signature: z.string().max(SIGNATURE_MAX),
});

export const roleSchema = z.enum(ROLES);

const SIGNATURE_FIELD = { field: 'signature', label: 'Signature', what: 'signature' };

export interface AuthDeps {
  models: Pick<Models, 'User' | 'LoginAttempt'>;
  clock: Clock;
  config: Pick<Config, 'RATE_LOGIN_MAX' | 'RATE_LOGIN_WINDOW_MIN'>;
  events: EventBus;
  rules: SupportRulesSource;
  /** Renders staff signatures (the app's bounded renderer, server/compose.ts). */
  renderer: MarkdownRenderer;
  /** The staff's names for the impersonation check (a 'staff-names' cache, dropped on 'viewer.changed'). */
  staffNames: Cache<StaffNameIndex>;
}

export interface Profile extends PublicUser {
  joinedAt: Date;
}

export interface SignatureSettings {
  signature: string;
  signatureHtml: string;
  isDefault: boolean;
  defaultSignature: string;
}

/**
 * Accounts and sign-in. Takes its dependencies once; the web handlers, passport, the CLI
 * and tests all call the same functions.
 */
export function createAuthService(deps: AuthDeps) {
  const { clock, config, events, rules } = deps;
  const { User } = deps.models;
  const throttle = createLoginThrottle({
    LoginAttempt: deps.models.LoginAttempt,
    clock,
    accountMax: config.RATE_LOGIN_MAX,
    ipMax: config.RATE_LOGIN_MAX * 3,
    windowMs: config.RATE_LOGIN_WINDOW_MIN * 60_000,
  });

  /** The staff's display names and usernames, as comparison keys (cached; a handful of people). */
  const staffIndex = () =>
    deps.staffNames.getOrLoad('all', async () => {
      const staff = await User.find({ role: { $in: ['moderator', 'admin'] } }, { username: 1, displayName: 1 }).lean();
      return staffNameIndex(staff.map((u) => ({ id: String(u._id), username: u.username, displayName: u.displayName })));
    });

  /**
   * A display name as it will be stored, or a 400 naming `field`: the content rules
   * (server/content-rules/names.ts checkDisplayName), then, unless `trusted`, the staff
   * look-alike check (findImpersonation) on the name and on `alsoCheck` (the username at
   * registration). Staff renaming themselves may use the reserved words ("Support") and their
   * own names, never another staff member's.
   */
  async function acceptableName(
    raw: string,
    opts: { field: string; label: string; trusted?: boolean; self?: Actor; alsoCheck?: { value: string; field: string; label: string } },
  ): Promise<string> {
    const { value, problems } = checkDisplayName(raw, { field: opts.field, label: opts.label });
    if (!problems.length && !opts.trusted) {
      const index = await staffIndex();
      // Staff: only the other staff members' names count, never the reserved words.
      const forCheck = opts.self && isStaff(opts.self) ? { entries: index.entries, reserved: new Set<string>() } : index;
      const found: ContentProblem | null =
        findImpersonation(value, forCheck, { field: opts.field, label: opts.label, selfId: opts.self?.id }) ??
        (opts.alsoCheck
          ? findImpersonation(opts.alsoCheck.value, forCheck, { field: opts.alsoCheck.field, label: opts.alsoCheck.label })
          : null);
      if (found) problems.push(found);
    }
    if (problems.length) throw new ValidationError(problems[0]!.message, fieldMessages(problems));
    return value;
  }

  /**
   * Creates a member account. Duplicates are caught by the unique indexes, not a pre-check.
   * The display name (the username when none is given) follows the content rules; a name or
   * username a reader could take for a staff member's is refused (400 naming the field).
   * `trusted`: an administrator creates the account (CLI `create-admin`, the demo content),
   * so the staff look-alike check does not apply.
   */
  async function register(input: RegisterInput, opts: { trusted?: boolean } = {}): Promise<PublicUser> {
    const data = parseInput(registerSchema, input);
    // Without a display name the username is shown, so it is the name checked (and named in the error).
    const displayName = await acceptableName(
      data.displayName ?? data.username,
      data.displayName === undefined
        ? { field: 'username', label: 'Username', trusted: opts.trusted }
        : {
            field: 'displayName',
            label: 'Display name',
            trusted: opts.trusted,
            alsoCheck: { value: data.username, field: 'username', label: 'Username' },
          },
    );
    const passwordHash = await hashPassword(data.password);
    try {
      const user = await User.create({
        username: data.username,
        usernameLower: data.username.toLowerCase(),
        email: data.email,
        displayName,
        passwordHash,
        role: 'member',
        createdAt: clock.now(),
      });
      // The accounts domain sends the verification mail (server/accounts/).
      await events.emit('account.registered', { userId: String(user._id), at: clock.now() });
      return toPublicUser(user);
    } catch (err) {
      throw duplicateToConflict(err);
    }
  }

  /**
   * Checks a username and password. Unknown users and wrong passwords take the same time
   * and give the same message.
   */
  async function authenticate(username: string, password: string): Promise<Actor> {
    const user = await User.findOne({ usernameLower: String(username).trim().toLowerCase() })
      .select({ username: 1, displayName: 1, role: 1, passwordHash: 1, bannedAt: 1, banReason: 1 })
      .lean();
    if (!user) {
      await verifyAgainstDummy(password);
      throw new UnauthorizedError(INCORRECT_LOGIN);
    }
    if (!(await verifyPassword(user.passwordHash, password))) throw new UnauthorizedError(INCORRECT_LOGIN);
    // A ban (docs/moderation.md) is told only to someone who knows the password.
    if (user.bannedAt) {
      throw new RestrictedError(
        'banned',
        `This account is banned and cannot sign in.${user.banReason ? ` Reason: ${user.banReason}` : ''}`,
        {
          until: null,
          reason: user.banReason ?? '',
        },
      );
    }
    const update: Record<string, unknown> = { lastLoginAt: clock.now() };
    if (needsRehash(user.passwordHash)) update.passwordHash = await hashPassword(password);
    await User.updateOne({ _id: user._id }, { $set: update });
    return toActor(user);
  }

  /** authenticate() behind the per-account and per-address throttle. */
  async function signIn(input: LoginInput & { ip: string }): Promise<Actor> {
    const { username, password } = parseInput(loginSchema, input);
    await throttle.begin(username, input.ip);
    const actor = await authenticate(username, password);
    await throttle.succeeded(username, input.ip);
    return actor;
  }

  async function setRole(username: string, role: Role): Promise<PublicUser> {
    const r = parseInput(roleSchema, role);
    const user = await User.findOneAndUpdate(
      { usernameLower: String(username).trim().toLowerCase() },
      { $set: { role: r } },
      { returnDocument: 'after', lean: true },
    );
    if (!user) throw new NotFoundError(`There is no user called "${username}".`);
    await events.emit('viewer.changed', { userIds: [String(user._id)] });
    return toPublicUser(user);
  }

  /** An administrator account (CLI, first start). */
  async function createAdmin(input: RegisterInput): Promise<PublicUser> {
    const user = await register(input, { trusted: true });
    return setRole(user.username, 'admin');
  }

  /**
   * Changes the signed-in person's display name (the account page, issue 14, calls it).
   * Input: the name as typed. Result: the PublicUser with the name as stored (NFC, invisible
   * formatting removed, whitespace collapsed). Errors: 401 without an actor; 400 ValidationError
   * with `fields.displayName` when the name breaks the content rules (blank, over 40
   * characters, no letter or digit, control or text-direction characters, stacked marks) or a
   * reader could take it for a support team member's (confusable with a moderator's or admin's
   * display name or username, or containing "Support", "Moderator", "Admin"...: members only;
   * staff may use those words but not another staff member's name); 404 when the account is gone.
   * Posts keep the name they were written under; the header, new posts and (for staff) the
   * default signature use the new one at once ('viewer.changed').
   */
  async function setDisplayName(actor: Actor | null, name: string): Promise<PublicUser> {
    if (!actor) throw new UnauthorizedError();
    const raw = typeof name === 'string' ? name.slice(0, DISPLAY_NAME_INPUT_MAX) : '';
    const displayName = await acceptableName(raw, { field: 'displayName', label: 'Display name', self: actor });
    const user = await User.findOneAndUpdate({ _id: actor.id }, { $set: { displayName } }, { returnDocument: 'after', lean: true });
    if (!user) throw new NotFoundError('Your account no longer exists.');
    await events.emit('viewer.changed', { userIds: [actor.id] });
    return toPublicUser(user);
  }

  async function profile(username: string): Promise<Profile> {
    const parsed = usernameSchema.safeParse(username);
    if (!parsed.success) throw new NotFoundError('There is no such member.');
    const user = await User.findOne({ usernameLower: parsed.data.toLowerCase() })
      .select({ username: 1, displayName: 1, role: 1, createdAt: 1 })
      .lean();
    if (!user) throw new NotFoundError('There is no such member.');
    return { ...toPublicUser(user), joinedAt: user.createdAt };
  }

  async function listStaff(): Promise<Profile[]> {
    const users = await User.find({ role: { $in: ['moderator', 'admin'] } })
      .select({ username: 1, displayName: 1, role: 1, createdAt: 1 })
      .sort({ usernameLower: 1 })
      .lean();
    return users.map((u) => ({ ...toPublicUser(u), joinedAt: u.createdAt }));
  }

  async function signatureSettings(actor: Actor | null): Promise<SignatureSettings> {
    requireStaffActor(actor);
    const user = await User.findById(actor!.id).select({ displayName: 1, signature: 1, signatureHtml: 1 }).lean();
    if (!user) throw new NotFoundError('Your account no longer exists.');
    const defaultSignature = defaultSignatureFor(user, rules.current());
    const own = user.signature ?? '';
    return {
      signature: own,
      signatureHtml: own ? (user.signatureHtml ?? '') : renderMarkdown(defaultSignature),
      isDefault: !own,
      defaultSignature,
    };
  }

  /** Stores a staff member's signature (Markdown and cooked HTML). Empty means "use the default". */
  async function updateSignature(actor: Actor | null, input: { signature: string }): Promise<SignatureSettings> {
    requireStaffActor(actor);
    const { signature } = parseInput(signatureSchema, input);
    const source = signature.replace(/\r\n?/g, '\n').trim();
    const set = source
      ? {
          signature: source,
          signatureHtml: await renderVisible(deps.renderer, source, SIGNATURE_FIELD),
          signatureRendererVersion: RENDERER_VERSION,
        }
      : { signature: null, signatureHtml: null, signatureRendererVersion: null };
    const res = await User.updateOne({ _id: actor!.id }, { $set: set });
    if (res.matchedCount === 0) throw new NotFoundError('Your account no longer exists.');
    await events.emit('viewer.changed', { userIds: [actor!.id] }); // thread pages cache signatures
    return signatureSettings(actor);
  }

  /**
   * The session's user: one indexed _id lookup (the app caches it briefly per person,
   * invalidated by 'viewer.changed'). Null when the id is malformed, the account is gone or banned.
   */
  async function findActor(id: unknown): Promise<Actor | null> {
    if (typeof id !== 'string' || !/^[0-9a-f]{24}$/i.test(id)) return null;
    const user = await User.findById(id).select({ username: 1, displayName: 1, role: 1, timeZone: 1, bannedAt: 1 }).lean();
    // A banned account's sessions end with the ban (within the viewer cache's few seconds elsewhere).
    return user && !user.bannedAt ? toActor(user) : null;
  }

  return {
    register,
    authenticate,
    signIn,
    setRole,
    createAdmin,
    setDisplayName,
    profile,
    listStaff,
    signatureSettings,
    updateSignature,
    findActor,
    ...createAccountOps({ User, clock, events }),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

function requireStaffActor(actor: Actor | null): void {
  if (!actor) throw new UnauthorizedError();
  if (!isStaff(actor)) throw new ForbiddenError('Only support moderators can have a signature.');
}

/** Maps a duplicate-key error on users to a 409 naming the field; anything else passes through. */
function duplicateToConflict(err: unknown): unknown {
  const e = err as { code?: number; keyPattern?: Record<string, unknown>; keyValue?: Record<string, unknown>; message?: string };
  if (e?.code !== 11000) return err;
  const keys = Object.keys(e.keyPattern ?? e.keyValue ?? {});
  const onEmail = keys.includes('email') || (!keys.length && /email/.test(e.message ?? ''));
  if (onEmail) {
    const msg = 'An account with that email address already exists.';
    return new ConflictError(msg, 'conflict', { fields: { email: msg } });
  }
  const msg = 'That username is taken. Please choose another.';
  return new ConflictError(msg, 'conflict', { fields: { username: msg } });
}
