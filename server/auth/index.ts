/**
 * Accounts: registration, sign-in (passport, one instance per app), roles, profiles, staff
 * signatures. The public entry of the auth domain.
 */
import type { SupportRulesSource } from '../calendar';
import type { Actor } from '../kernel/actor';
import type { CoreDeps } from '../kernel/deps';
import type { StaffNameIndex } from '../content-rules';
import type { MarkdownRenderer } from '../markdown/bounded-renderer';
import { createPassport } from './passport';
import { createAuthService } from './service';

/** How long a signed-in person's role and name are taken from memory (VIEWER_CACHE_MS). */
export const VIEWER_CACHE_MS = 3_000;

/** How long the staff's names for the impersonation check are taken from memory (another process's promotion shows within this). */
const STAFF_NAMES_MS = 60_000;

export function createAuth(core: CoreDeps, deps: { rules: SupportRulesSource; renderer: MarkdownRenderer }) {
  const { caches, events } = core;
  const staffNames = caches.create<StaffNameIndex>('staff-names', { max: 1, ttlMs: STAFF_NAMES_MS });
  const service = createAuthService({
    models: core.models,
    clock: core.clock,
    config: core.config,
    events,
    rules: deps.rules,
    renderer: deps.renderer,
    staffNames,
  });
  const actors = caches.create<{ actor: Actor | null }>('viewer-actor', { max: 10_000, ttlMs: VIEWER_CACHE_MS });
  events.on('viewer.changed', (e) => e.userIds.forEach((id) => actors.delete(id)));
  events.on('viewers.changed', () => actors.clear());
  // A role or a name changed somewhere: rebuild the staff's names at the next check (one query).
  events.on('viewer.changed', () => staffNames.clear());
  events.on('viewers.changed', () => staffNames.clear());
  return { ...service, ...createPassport(service, actors) };
}

export type Auth = ReturnType<typeof createAuth>;

export { authEndpoints, type ProfileActivity, type ProfileExtras } from './endpoints';
export { cookDefaultSignature, defaultSignatureFor, signatureHtmlFor } from './signature';
export { type Profile, type RegisterInput } from './service';
export {
  displayNameSchema,
  emailSchema,
  timeZoneSchema,
  type AccountFacts,
  type ConfirmEmailResult,
  type RecipientFacts,
} from './account-ops';
export { PASSWORD_MAX, PASSWORD_MIN } from './passwords';
