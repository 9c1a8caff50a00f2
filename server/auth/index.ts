/**
 * Accounts: registration, sign-in (passport, one instance per app), roles, profiles, staff
 * signatures. The public entry of the auth domain.
 */
import type { SupportRulesSource } from '../calendar';
import type { Actor } from '../kernel/actor';
import type { CoreDeps } from '../kernel/deps';
import { createPassport } from './passport';
import { createAuthService } from './service';

/** How long a signed-in person's role and name are taken from memory (VIEWER_CACHE_MS). */
export const VIEWER_CACHE_MS = 3_000;

export function createAuth(core: CoreDeps, deps: { rules: SupportRulesSource }) {
  const { caches, events } = core;
  const service = createAuthService({ models: core.models, clock: core.clock, config: core.config, events, rules: deps.rules });
  const actors = caches.create<{ actor: Actor | null }>('viewer-actor', { max: 10_000, ttlMs: VIEWER_CACHE_MS });
  events.on('viewer.changed', (e) => e.userIds.forEach((id) => actors.delete(id)));
  events.on('viewers.changed', () => actors.clear());
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
