/**
 * Telling people (docs/notifications.md): in-app notifications grouped per thread, watching
 * threads, e-mail per person and kind (immediately, a daily digest, or off) through the mail
 * library's durable outbox, one-click unsubscribe, reply by e-mail. The public entry of the
 * notifications domain. It sits on threads (titles, watchers' threads, the same-question
 * counter) and auth (addresses and whether they are verified); support, messages and later
 * domains tell people through `notify`.
 */
import type { Types } from 'mongoose';
import type { Auth } from '../auth';
import { isAdmin, type Actor } from '../kernel/actor';
import type { CoreDeps } from '../kernel/deps';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '../kernel/errors';
import type { JobRegistry } from '../kernel/jobs';
import type { InboundServer, MailSystem, OutboxStats, RetryResult } from '../mail';
import type { Threads } from '../threads';
import { createDelivery } from './delivery';
import { createDigestJob } from './digest';
import { subscribeFanout } from './fanout';
import { createInboundHandlers } from './inbound';
import { createPreferences, unsubscribeScope, type UnsubscribeScope } from './preferences';
import { createNotificationStore, type NotifyInput } from './store';
import { createWatching } from './watching';

/** The outbox job: every minute (and at start), in every process (claims are exclusive). */
export const MAIL_SEND_SCHEDULE = '* * * * *';
/** The digest job: hourly at :05, so each person's digest goes out soon after 07:00 their time. */
export const DIGEST_SCHEDULE = '5 * * * *';

export interface NotificationsDeps {
  threads: Threads;
  auth: Pick<Auth, 'recipients' | 'recipient' | 'findActor'>;
  /** The mail system (server/mail/index.ts createMailSystem), made and closed by the composition root. */
  mail: MailSystem;
}

export function createNotifications(core: CoreDeps, deps: NotificationsDeps) {
  const { models, clock, events } = core;
  const { mail, auth, threads } = deps;
  const logger = core.logger.child({ domain: 'notifications' });
  const store = createNotificationStore({ models, clock, events });
  const preferences = createPreferences({ models, clock });
  const recipients = (ids: readonly string[]) => auth.recipients(ids);
  const delivery = createDelivery({ models, mailer: mail.mailer, preferences, recipients, timeZone: mail.settings.timeZone, logger });
  const digest = createDigestJob({ models, mailer: mail.mailer, preferences, recipients, logger });
  const watching = createWatching({ models, clock, threads });

  /**
   * Tells one person: adds the event to their in-app entry for the thread (or conversation)
   * and e-mails it as their preference for the kind says. `at` defaults to the clock.
   * Returns the in-app entry's id. Never put private message text or a secure field in `text`.
   */
  async function notify(userId: string | Types.ObjectId, input: NotifyInput, at: Date = clock.now()): Promise<string> {
    const { id } = await store.addToGroup(userId, input, at);
    await delivery.deliver([String(userId)], input, at);
    await events.emit('viewer.changed', { userIds: [String(userId)] });
    return id;
  }

  /** The same event for several people (bulk writes: a thread's watchers). */
  async function notifyMany(userIds: readonly string[], input: NotifyInput, at: Date = clock.now()): Promise<void> {
    const ids = [...new Set(userIds.map(String))];
    if (!ids.length) return;
    await store.addToGroups(ids, input, at);
    await delivery.deliver(ids, input, at);
    await events.emit('viewer.changed', { userIds: ids });
  }

  subscribeFanout({ events, logger, threads, watching, recipients, notifyMany });

  /** What an unsubscribe link stands for. @throws NotFoundError for a malformed or tampered token. */
  function readUnsubscribeToken(token: string): { userId: string; scope: UnsubscribeScope } {
    const claim = mail.tokens.verifyUnsubscribeToken(token);
    const scope = claim ? unsubscribeScope(claim.kind) : null;
    if (!claim || !scope) throw new NotFoundError('This unsubscribe link is not valid. Change your e-mail settings on your account page.');
    return { userId: claim.userId, scope };
  }

  /** One-click unsubscribe (RFC 8058): no sign-in, the signed token is the credential. Idempotent. */
  async function unsubscribe(token: string): Promise<{ scope: UnsubscribeScope }> {
    const { userId, scope } = readUnsubscribeToken(token);
    await preferences.unsubscribe(userId, scope);
    logger.info({ userId, scope }, 'unsubscribed by link');
    return { scope };
  }

  function requireAdmin(actor: Actor | null): void {
    if (!actor) throw new UnauthorizedError();
    if (!isAdmin(actor)) throw new ForbiddenError('Only administrators can do that.');
  }

  let inbound: InboundServer | null = null;

  return {
    notify,
    notifyMany,
    unreadCount: store.unreadCount,
    listNotifications: store.listNotifications,
    markRead: store.markRead,
    watchState: watching.stateFor,
    setWatchLevel: watching.setLevel,
    setSameQuestion: watching.setSameQuestion,
    preferences,
    readUnsubscribeToken,
    unsubscribe,

    /** The outbox's state (queued, sending, failed, sent today, due, latest failures): admins, and issue 17's /metrics. */
    mailStats: (now?: Date): Promise<OutboxStats> => mail.mailer.stats(now),
    async mailAdmin(actor: Actor | null): Promise<OutboxStats> {
      requireAdmin(actor);
      return mail.mailer.stats();
    },
    async retryMail(actor: Actor | null, id: string): Promise<RetryResult> {
      requireAdmin(actor);
      const result = await mail.mailer.retryFailed(id);
      if (result === 'not_found') throw new NotFoundError('That mail does not exist.');
      if (result === 'secret')
        throw new ConflictError('Verification and password-reset mail cannot be sent again: the person asks for a new link.');
      if (result === 'not_failed') throw new ConflictError('That mail has not failed.');
      return result;
    },
    /** The outbox job's body: sends due mail. */
    sendMail: (now?: Date) => mail.mailer.sendDue(now),
    /** The digest job's body: queues each person's digest of a finished day. */
    sendDigests: (now: Date = clock.now()) => digest.run(now),

    /** Starts reply by e-mail when configured (INBOUND_SMTP_PORT, INBOUND_DOMAIN); the port, or null when off. */
    async startInbound(): Promise<number | null> {
      inbound ??= await mail.startInbound(
        createInboundHandlers({
          models,
          clock,
          logger,
          recipient: (id) => auth.recipient(id),
          findActor: (id) => auth.findActor(id),
          threads,
          notify: (userId, input) => notify(userId, input),
          unsubscribe: async (userId, kind) => {
            const scope = unsubscribeScope(kind);
            if (scope) await preferences.unsubscribe(userId, scope);
          },
          publicUrl: mail.settings.publicUrl,
        }),
      );
      return inbound?.port ?? null;
    },

    registerJobs(jobs: JobRegistry, timezone: string): void {
      jobs.register({ name: 'mail-send', schedule: MAIL_SEND_SCHEDULE, runAtStart: true, run: () => mail.mailer.sendDue() });
      jobs.register({ name: 'mail-digest', schedule: DIGEST_SCHEDULE, timezone, runAtStart: true, run: () => digest.run(clock.now()) });
    },
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
/** What other domains use to tell people (support's sweeps, messages, moderation). */
export type NotificationService = Pick<Notifications, 'notify' | 'notifyMany'>;

export { notificationEndpoints } from './endpoints';
export type { NotifyInput, NotificationView } from './store';
export type { Preferences, PreferenceRow } from './preferences';
