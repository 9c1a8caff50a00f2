/**
 * Accounts people can recover: e-mail verification, password reset, the account page
 * (display name, address, password, notification e-mail preferences, time zone). The public
 * entry of the accounts domain; it sits on auth (which owns user documents), notifications
 * (preferences) and the mail system (tokens, outbox).
 */
import type { Auth } from '../auth';
import type { CoreDeps } from '../kernel/deps';
import type { MailSystem } from '../mail';
import type { Notifications } from '../notifications';
import { createAccountsService } from './service';

export function createAccounts(core: CoreDeps, deps: { auth: Auth; notifications: Notifications; mail: MailSystem }) {
  const service = createAccountsService({
    models: core.models,
    clock: core.clock,
    events: core.events,
    logger: core.logger.child({ domain: 'accounts' }),
    auth: deps.auth,
    notifications: deps.notifications,
    mail: deps.mail,
  });
  // Every new account gets its verification link (registration, CLI).
  core.events.on('account.registered', (e) => service.sendVerification(e.userId));
  return service;
}

export type Accounts = ReturnType<typeof createAccounts>;

export { accountEndpoints } from './endpoints';
