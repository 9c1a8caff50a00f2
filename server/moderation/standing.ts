import { Types } from 'mongoose';
import type { Models } from '../../models';
import type { Config } from '../config';
import { isStaff, type Actor } from '../kernel/actor';
import type { CacheRegistry } from '../kernel/cache';
import type { Clock } from '../kernel/clock';
import { RestrictedError } from '../kernel/errors';
import type { EventBus } from '../kernel/events';
import type { HoldReason, Participation, StandingGate } from '../kernel/standing';

/**
 * An account's standing (docs/moderation.md, "Members and trust"): its restrictions and whether
 * it counts as new or trusted. It answers the StandingGate (server/kernel/standing.ts) that
 * threads, messages and feedback ask before every write.
 *
 * Definitions (configuration, server/config.ts):
 * - new: younger than NEW_ACCOUNT_DAYS days, or fewer than NEW_ACCOUNT_POSTS visible public
 *   posts (questions and replies nobody held, hid or deleted). Staff are never new.
 * - trusted: at least TRUSTED_ACCOUNT_DAYS days old, at least TRUSTED_ACCOUNT_POSTS visible
 *   posts, and not restricted now. Staff are always trusted.
 * - restricted: suspended (until a date: no posts, no messages, no votes, no flags), or silenced
 *   (until a date: no public posts and no messages to members; support stays reachable), or
 *   banned (cannot sign in; any other entry point is refused too).
 *
 * Restrictions are read from the database on every check (one _id read): a suspension applies to
 * the very next request in every process. "New" and "trusted" change slowly and are cached per
 * person for LEVEL_CACHE_MS.
 */
export const LEVEL_CACHE_MS = 60_000;
/** The restriction shown in the member's page banner (cached briefly; enforcement never uses it). */
export const BANNER_CACHE_MS = 3_000;
const DAY_MS = 24 * 3600 * 1000;

export type TrustLevel = 'staff' | 'trusted' | 'member' | 'new';

export interface Restriction {
  kind: 'suspended' | 'silenced' | 'banned';
  /** End of a suspension or silence; null for a ban (until lifted). */
  until: Date | null;
  reason: string;
}

/** Which restriction refuses which participation. */
const REFUSES: Record<Restriction['kind'], readonly Participation[]> = {
  banned: ['post', 'message_member', 'message_support', 'vote', 'flag'],
  suspended: ['post', 'message_member', 'message_support', 'vote', 'flag'],
  silenced: ['post', 'message_member'],
};

type StandingFields = {
  createdAt: Date;
  role: string;
  suspendedUntil?: Date | null;
  suspendReason?: string | null;
  silencedUntil?: Date | null;
  silenceReason?: string | null;
  bannedAt?: Date | null;
  banReason?: string | null;
};

/** The user fields restrictionOf reads (a projection; users.ts reads them too). */
export const RESTRICTION_FIELDS = {
  suspendedUntil: 1,
  suspendReason: 1,
  silencedUntil: 1,
  silenceReason: 1,
  bannedAt: 1,
  banReason: 1,
} as const;

const STANDING_PROJECTION = {
  createdAt: 1,
  role: 1,
  ...RESTRICTION_FIELDS,
} as const;

/** The restriction in force at `now` (a ban, then a suspension, then a silence), or null. */
export function restrictionOf(u: StandingFields, now: Date): Restriction | null {
  if (u.bannedAt) return { kind: 'banned', until: null, reason: u.banReason ?? '' };
  if (u.suspendedUntil && u.suspendedUntil > now) return { kind: 'suspended', until: u.suspendedUntil, reason: u.suspendReason ?? '' };
  if (u.silencedUntil && u.silencedUntil > now) return { kind: 'silenced', until: u.silencedUntil, reason: u.silenceReason ?? '' };
  return null;
}

/** The sentence a restricted member reads when something is refused, and on every page. */
export function restrictionMessage(r: Restriction, formatDate: (d: Date) => string): string {
  const why = r.reason ? ` Reason: ${r.reason}` : '';
  if (r.kind === 'banned') return `This account is banned.${why}`;
  const until = r.until ? formatDate(r.until) : '';
  if (r.kind === 'suspended') return `Your account is suspended until ${until}: you cannot post or send messages.${why}`;
  return `Your account is silenced until ${until}: you cannot post publicly or message other members; you can still write to Support.${why}`;
}

export interface StandingDeps {
  models: Pick<Models, 'User' | 'Thread' | 'Reply'>;
  config: Pick<Config, 'NEW_ACCOUNT_DAYS' | 'NEW_ACCOUNT_POSTS' | 'TRUSTED_ACCOUNT_DAYS' | 'TRUSTED_ACCOUNT_POSTS'>;
  clock: Clock;
  caches: CacheRegistry;
  events: EventBus;
  /** How dates appear in messages ("Tuesday, November 24, 2026 at 4:00 PM ET"). */
  formatDate: (d: Date) => string;
}

export function createStanding(deps: StandingDeps) {
  const { config, clock, formatDate } = deps;
  const { User, Thread, Reply } = deps.models;
  const levels = deps.caches.create<{ level: TrustLevel }>('account-level', { max: 20_000, ttlMs: LEVEL_CACHE_MS });
  const banners = deps.caches.create<{ restriction: Restriction | null }>('account-restriction', { max: 20_000, ttlMs: BANNER_CACHE_MS });
  deps.events.on('viewer.changed', (e) => e.userIds.forEach((id) => (levels.delete(id), banners.delete(id))));
  deps.events.on('viewers.changed', () => (levels.clear(), banners.clear()));

  const load = (userId: string) =>
    User.findById(new Types.ObjectId(userId), STANDING_PROJECTION).lean<StandingFields & { _id: Types.ObjectId }>();

  /** Visible public posts, counted up to `cap` (two index walks on the author indexes, at most `cap` each). */
  async function visiblePosts(userId: string, cap: number): Promise<number> {
    if (cap <= 0) return 0;
    const author = new Types.ObjectId(userId);
    const threads = await Thread.countDocuments({ author, visibility: null }, { limit: cap });
    if (threads >= cap) return threads;
    return threads + (await Reply.countDocuments({ author, visibility: null }, { limit: cap - threads }));
  }

  /** 'staff', 'trusted', 'member' or 'new' (cached per person for LEVEL_CACHE_MS). */
  async function level(actor: Actor): Promise<TrustLevel> {
    if (isStaff(actor)) return 'staff';
    const cached = await levels.getOrLoad(actor.id, async () => {
      const u = await load(actor.id);
      if (!u) return { level: 'new' as TrustLevel };
      const now = clock.now();
      const ageDays = (now.getTime() - u.createdAt.getTime()) / DAY_MS;
      const cap = Math.max(config.NEW_ACCOUNT_POSTS, config.TRUSTED_ACCOUNT_POSTS);
      const posts = await visiblePosts(actor.id, cap);
      if (ageDays < config.NEW_ACCOUNT_DAYS || posts < config.NEW_ACCOUNT_POSTS) return { level: 'new' as TrustLevel };
      const trusted = ageDays >= config.TRUSTED_ACCOUNT_DAYS && posts >= config.TRUSTED_ACCOUNT_POSTS && !restrictionOf(u, now);
      return { level: (trusted ? 'trusted' : 'member') as TrustLevel };
    });
    return cached.level;
  }

  /** The restriction in force for a person now, read from the database (null: none). */
  async function restriction(userId: string): Promise<Restriction | null> {
    const u = await load(userId);
    return u ? restrictionOf(u, clock.now()) : null;
  }

  const gate: StandingGate = {
    async assert(actor: Actor, what: Participation): Promise<void> {
      if (isStaff(actor)) return;
      const r = await restriction(actor.id);
      if (!r || !REFUSES[r.kind].includes(what)) return;
      throw new RestrictedError(r.kind, restrictionMessage(r, formatDate), { until: r.until, reason: r.reason });
    },
    async holdReason(actor: Actor, post: { hasLinks: boolean }): Promise<HoldReason | null> {
      if (!post.hasLinks || isStaff(actor)) return null;
      return (await level(actor)) === 'new' ? 'new_account_links' : null;
    },
    async isNew(actor: Actor): Promise<boolean> {
      return (await level(actor)) === 'new';
    },
  };

  return {
    gate,
    level,
    restriction,
    /** The banner's restriction for a signed-in page view (cached for BANNER_CACHE_MS). */
    banner: async (actor: Actor) =>
      isStaff(actor) ? null : (await banners.getOrLoad(actor.id, async () => ({ restriction: await restriction(actor.id) }))).restriction,
    message: (r: Restriction) => restrictionMessage(r, formatDate),
  };
}

export type Standing = ReturnType<typeof createStanding>;
