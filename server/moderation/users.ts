import { Types } from 'mongoose';
import type { Models } from '../../models';
import type { AuditLog } from '../audit';
import type { Auth } from '../auth';
import { isAdmin, isStaff, ROLES, type Actor, type Role } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../kernel/errors';
import { renderPlainExcerpt } from '../markdown/render';
import type { Flags } from './flags';
import { RESTRICTION_FIELDS, restrictionOf, type Restriction, type TrustLevel } from './standing';

/**
 * The users pages of the administration (docs/administration.md): search, a person's activity
 * (recent questions and replies, flags against them, what the audit log says about them), role
 * changes (administrators; audited) and their restrictions. Staff see everything but e-mail
 * addresses, which only administrators see.
 */
export const USERS_PAGE_SIZE = 50;
const ACTIVITY_LIMIT = 10;

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  joinedAt: Date;
  lastLoginAt: Date | null;
  restriction: Restriction | null;
}

export interface UserDetail extends UserRow {
  email: string | null;
  level: TrustLevel;
  threads: { id: string; title: string; url: string; createdAt: Date; visibility: string | null }[];
  replies: { id: string; threadId: string; url: string; excerpt: string; createdAt: Date; visibility: string | null }[];
  flagsAgainst: Awaited<ReturnType<Flags['against']>>;
  audit: { action: string; actor: string; reason: string | null; at: Date }[];
}

type UserLean = {
  _id: Types.ObjectId;
  username: string;
  usernameLower: string;
  displayName: string;
  role: string;
  email?: string;
  createdAt: Date;
  lastLoginAt?: Date | null;
  suspendedUntil?: Date | null;
  suspendReason?: string | null;
  silencedUntil?: Date | null;
  silenceReason?: string | null;
  bannedAt?: Date | null;
  banReason?: string | null;
};

const ROW_PROJECTION = {
  username: 1,
  usernameLower: 1,
  displayName: 1,
  role: 1,
  createdAt: 1,
  lastLoginAt: 1,
  ...RESTRICTION_FIELDS,
} as const;

export function createUsersAdmin(deps: {
  models: Pick<Models, 'User' | 'Thread' | 'Reply' | 'AuditEntry'>;
  clock: Clock;
  audit: AuditLog;
  auth: Pick<Auth, 'setRole'>;
  flags: Pick<Flags, 'against'>;
  level: (actor: Actor) => Promise<TrustLevel>;
}) {
  const { clock, audit, auth, flags } = deps;
  const { User, Thread, Reply, AuditEntry } = deps.models;

  function requireStaff(actor: Actor | null): Actor {
    if (!actor) throw new UnauthorizedError();
    if (!isStaff(actor)) throw new ForbiddenError('Only support moderators and administrators can see the users pages.');
    return actor;
  }

  const row = (u: UserLean, now: Date): UserRow => ({
    id: String(u._id),
    username: u.username,
    displayName: u.displayName,
    role: u.role as Role,
    joinedAt: u.createdAt,
    lastLoginAt: u.lastLoginAt ?? null,
    restriction: restrictionOf(u, now),
  });

  /**
   * Users by username prefix (or one exact e-mail address when `q` has an @), in username
   * order, keyset-paged by `after` (the last username of the previous page): one range on the
   * unique username index, so any page costs the same.
   */
  async function search(actor: Actor | null, input: { q?: string; role?: Role; after?: string }) {
    requireStaff(actor);
    const q = (input.q ?? '').trim().toLowerCase();
    const filter: Record<string, unknown> = {};
    if (q.includes('@')) filter.email = q;
    const range: Record<string, string> = {};
    if (q && !q.includes('@')) Object.assign(range, { $gte: q, $lt: `${q}\uffff` });
    if (input.after) range.$gt = input.after.toLowerCase();
    if (Object.keys(range).length) filter.usernameLower = range;
    if (input.role) filter.role = input.role;
    const rows = await User.find(filter, ROW_PROJECTION)
      .sort({ usernameLower: 1 })
      .limit(USERS_PAGE_SIZE + 1)
      .lean<UserLean[]>();
    const now = clock.now();
    const page = rows.slice(0, USERS_PAGE_SIZE);
    return {
      users: page.map((u) => row(u, now)),
      next: rows.length > USERS_PAGE_SIZE ? page[page.length - 1]!.usernameLower : null,
      q: input.q ?? '',
      role: input.role ?? null,
    };
  }

  async function find(username: string): Promise<UserLean> {
    const u = await User.findOne(
      { usernameLower: String(username).trim().toLowerCase() },
      { ...ROW_PROJECTION, email: 1 },
    ).lean<UserLean>();
    if (!u) throw new NotFoundError('There is no such member.');
    return u;
  }

  /** One person's page: standing, recent activity, flags against them, audit entries about them. */
  async function detail(actor: Actor | null, username: string): Promise<UserDetail> {
    const who = requireStaff(actor);
    const u = await find(username);
    const author = u._id;
    const [threads, replies, flagsAgainst, entries, level] = await Promise.all([
      Thread.find({ author }, { title: 1, slug: 1, createdAt: 1, visibility: 1 }).sort({ createdAt: -1 }).limit(ACTIVITY_LIMIT).lean(),
      Reply.find({ author }, { threadId: 1, bodySource: 1, createdAt: 1, visibility: 1 })
        .sort({ createdAt: -1 })
        .limit(ACTIVITY_LIMIT)
        .lean(),
      flags.against(String(author)),
      AuditEntry.find({ subjectId: author }, { action: 1, actorUsername: 1, reason: 1, at: 1 }).sort({ at: -1, _id: -1 }).limit(20).lean(),
      deps.level({ id: String(u._id), username: u.username, displayName: u.displayName, role: u.role as Role }),
    ]);
    return {
      ...row(u, clock.now()),
      email: isAdmin(who) ? (u.email ?? null) : null,
      level,
      threads: threads.map((t) => ({
        id: String(t._id),
        title: t.title,
        url: t.slug ? `/threads/${String(t._id)}/${t.slug}` : `/threads/${String(t._id)}`,
        createdAt: t.createdAt,
        visibility: t.visibility ?? null,
      })),
      replies: replies.map((r) => ({
        id: String(r._id),
        threadId: String(r.threadId),
        url: `/threads/${String(r.threadId)}#reply-${String(r._id)}`,
        excerpt: renderPlainExcerpt(r.bodySource, 160),
        createdAt: r.createdAt,
        visibility: r.visibility ?? null,
      })),
      flagsAgainst,
      audit: entries.map((e) => ({ action: e.action, actor: e.actorUsername, reason: e.reason ?? null, at: e.at })),
    };
  }

  /** Changes a person's role (administrators; not their own, so an admin cannot lock the team out). Audited. */
  async function changeRole(actor: Actor | null, username: string, role: Role): Promise<UserRow> {
    if (!actor) throw new UnauthorizedError();
    if (!isAdmin(actor)) throw new ForbiddenError('Only administrators can change roles.');
    if (!(ROLES as readonly string[]).includes(role))
      throw new ValidationError('Choose member, moderator or admin.', { role: 'is not a role' });
    const u = await find(username);
    if (String(u._id) === actor.id) throw new ConflictError('You cannot change your own role: ask another administrator.', 'own_role');
    if (u.role === role) return row(u, clock.now());
    const now = clock.now();
    await audit.record({
      actor,
      action: 'role_changed',
      targetType: 'user',
      targetId: u._id,
      subject: { id: String(u._id), username: u.username },
      reason: `${u.role} -> ${role}`,
      at: now,
    });
    await auth.setRole(u.username, role);
    return row({ ...u, role }, now);
  }

  return { search, detail, changeRole };
}

export type UsersAdmin = ReturnType<typeof createUsersAdmin>;
