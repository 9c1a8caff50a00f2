/**
 * Private messages: conversations between members and support, linked to threads; secure
 * fields (encrypted, masked, audited reveals, purged after expiry). The public entry of the
 * messages domain.
 */
import type { AuditLog } from '../audit';
import type { CoreDeps } from '../kernel/deps';
import type { JobRegistry } from '../kernel/jobs';
import type { NotificationService } from '../notifications';
import { OPEN_GATE, type StandingGate } from '../kernel/standing';
import type { Threads } from '../threads';
import type { Uploads } from '../uploads';
import { createMessageModeration } from './moderation';
import { recountConversations } from './repair';
import { checkSecretsKey, purgeExpiredSecureFields } from './secure-fields';
import { createMessageService } from './service';

/** Daily at 03:15 in the desk's zone, when nobody is waiting for anything. */
export const SECURE_FIELD_PURGE_SCHEDULE = '15 3 * * *';

export function createMessages(
  core: CoreDeps,
  deps: {
    audit: AuditLog;
    threads: Threads;
    notifications: Pick<NotificationService, 'notifyMany'>;
    isEmailVerified(userId: string): Promise<boolean>;
    uploads: Pick<Uploads, 'checkMessage' | 'attachToConversation' | 'setMessageFilesVisible'>;
    gate?: StandingGate;
  },
) {
  const { models, events, clock } = core;
  const service = createMessageService({
    models,
    config: core.config,
    clock,
    events,
    audit: deps.audit,
    threads: deps.threads,
    notifications: deps.notifications,
    isEmailVerified: deps.isEmailVerified,
    uploads: deps.uploads,
    gate: deps.gate ?? OPEN_GATE,
  });
  const purge = (now: Date = clock.now()) => purgeExpiredSecureFields(models.Message, now);

  function registerJobs(jobs: JobRegistry, timezone: string): void {
    jobs.register({ name: 'secure-field-purge', schedule: SECURE_FIELD_PURGE_SCHEDULE, timezone, run: () => purge() });
  }

  return {
    ...service,
    /** Flagging, reviewing and hiding messages (the moderation domain's side). */
    moderation: createMessageModeration({ models, clock, events, filesVisible: deps.uploads.setMessageFilesVisible }),
    /** Removes expired secure-field ciphertexts (the daily job; CLI `purge-secure-fields`). */
    purgeExpiredSecureFields: purge,
    /** Recomputes conversation counters (CLI `recount-messages`). */
    recount: () => recountConversations(models, events),
    registerJobs,
    /** Start-up check of the secure-field key (main.ts): throws a message for the operator. */
    checkSecretsKey: () => checkSecretsKey(core.config, models.Message, core.logger),
  };
}

export type Messages = ReturnType<typeof createMessages>;

export { messageEndpoints } from './endpoints';
export type { ReviewMessage } from './moderation';
