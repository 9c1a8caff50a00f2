/**
 * Administration (docs/administration.md): the support settings stored in the database (the
 * forum's SupportRulesSource), the audit log screen and CSV, and the administration's front
 * page. The users pages live with moderation (server/moderation/), products with threads. The
 * public entry of the admin domain.
 *
 * `createSupportSettings` is built first by the composition root (every domain reads the rules
 * from it); `createAdmin` later.
 */
import type { AuditLog } from '../audit';
import type { CoreDeps } from '../kernel/deps';
import { createAuditScreen } from './audit-log';
import type { SupportSettings } from './support-settings';

export function createAdmin(core: CoreDeps, deps: { settings: SupportSettings; audit: AuditLog }) {
  const auditScreen = createAuditScreen({
    models: core.models,
    audit: deps.audit,
    zone: () => deps.settings.rules.current().calendar.settings.zone,
  });
  return { settings: deps.settings, auditScreen };
}

export type Admin = ReturnType<typeof createAdmin>;

export { createSupportSettings, type SupportSettings } from './support-settings';
export { adminEndpoints } from './endpoints';
