/**
 * Private messages: conversations between members and support, linked to threads; secure
 * fields (encrypted, masked, audited reveals, purged after expiry). The public entry of the
 * messages domain.
 */
import type { AuditLog } from '../audit';
import type { Model } from 'mongoose';
import type { CoreDeps } from '../kernel/deps';
import type { MarkdownRenderer } from '../markdown/bounded-renderer';
import { rebakeCollection } from '../markdown/rebake';
import type { JobRegistry } from '../kernel/jobs';
import type { NotificationService } from '../notifications';
import { OPEN_GATE, type StandingGate } from '../kernel/standing';
import type { Threads } from '../threads';
import type { Uploads } from '../uploads';
import { createMessageModeration } from './moderation';
import { recountConversations } from './repair';
import { checkSecretsKey, encryptStoredHints, purgeExpiredSecureFields, secretBoxFor } from './secure-fields';
import { createMessageService } from './service';

/** Daily at 03:15 in the desk's zone, when nobody is waiting for anything. */
export const SECURE_FIELD_PURGE_SCHEDULE = '15 3 * * *';

export function createMessages(
  core: CoreDeps,
  deps: {
    audit: AuditLog;
    threads: Threads;
    renderer: MarkdownRenderer;
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
    renderer: deps.renderer,
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
    /** Re-renders stored message bodies after a renderer change (CLI `rebake`). */
    rebake: (log?: (line: string) => void) =>
      rebakeCollection(
        models.Message as unknown as Model<Record<string, unknown>>,
        { label: 'messages', sourceField: 'body', htmlField: 'html', versionField: 'rendererVersion' },
        deps.renderer,
        log,
      ),
    /**
     * Encrypts the plaintext masked forms stored before issue 18 (CLI `encrypt-secure-hints`;
     * see encryptStoredHints). Throws when no secure-field key is configured.
     */
    encryptStoredHints: (log?: (line: string) => void) => encryptStoredHints(models.Message, secretBoxFor(core.config), clock.now(), log),
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
