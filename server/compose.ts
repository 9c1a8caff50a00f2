/**
 * The composition root: the one place that builds every service of the forum with its
 * dependencies. main.ts, the CLI, the test kit (test/helpers/) and the browser tests' server
 * all boot through createServices(), so they run the same wiring. Nothing is module-level
 * state: two forums built in one process (tests, benchmarks) share nothing, not even models
 * (each is bound to its own database connection).
 */
import type { Connection } from 'mongoose';
import type { MailSystemDeps } from './mail';
import { createModels } from '../models';
import type { Config } from './config';
import { createAccounts } from './accounts';
import { createAdmin, createSupportSettings } from './admin';
import { createAudit } from './audit';
import { createAuth } from './auth';
import { businessDaysPhrase, formatInZone } from './calendar';
import { seedDemoContent } from './demo';
import { createFeedback } from './feedback';
import { CacheRegistry } from './kernel/cache';
import type { Clock } from './kernel/clock';
import type { CoreDeps } from './kernel/deps';
import { EventBus } from './kernel/events';
import { JobRegistry } from './kernel/jobs';
import type { Logger } from './kernel/logger';
import { createRenderer } from './markdown/bounded-renderer';
import { createMailSystem } from './mail';
import { createMetrics } from './kernel/metrics';
import { watchDatabase } from './db/health';
import { createMessages } from './messages';
import { createNotifications } from './notifications';
import { createModeration, createStanding } from './moderation';
import { createSearch } from './search';
import { createSupport } from './support';
import { createThreads } from './threads';
import { createUploads } from './uploads';
import { createTimeLabels } from './http/page-format';
import type { OcrPool } from './ocr';

export interface ServiceDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  /** This forum's database connection (server/db/connect.ts); models are bound to it. */
  db: Connection;
  /** The screenshot guard's OCR pool; default: one from configuration (OCR_WORKERS), closed by stop(). */
  ocrPool?: OcrPool | null;
}

/** How long the header's unread counts are taken from memory (the 'viewer-counts' cache). */
export const VIEWER_COUNTS_MS = 3_000;

export function createServices(deps: ServiceDeps & { mail?: Partial<Pick<MailSystemDeps, 'transport' | 'outbox'>> }) {
  const { config, clock, logger, db } = deps;
  const events = new EventBus(logger);
  const caches = new CacheRegistry(clock);
  const models = createModels(db);
  const core: CoreDeps = { config, clock, logger, models, events, caches };
  // One Markdown renderer per app: worker threads with a time budget (MARKDOWN_WORKERS,
  // MARKDOWN_BUDGET_MS) for posts, edits, previews, private messages and signatures; started
  // on the first render, closed in stop().
  const renderer = createRenderer({ workers: config.MARKDOWN_WORKERS, timeoutMs: config.MARKDOWN_BUDGET_MS });

  const audit = createAudit(models);
  // The support rules: the environment's, overridden by an administrator's stored settings.
  const settings = createSupportSettings({ models, audit, config, clock, logger, events });
  const rules = settings.rules;
  // Restrictions and new-account limits: asked by threads and messages before every write.
  // Restriction end times read like every other absolute time (server/calendar/display-time.ts), in the desk's zone.
  const standing = createStanding({
    models,
    config,
    clock,
    caches,
    events,
    formatDate: (d) => formatInZone(d, rules.current().calendar.settings.zone),
  });
  const auth = createAuth(core, { rules, renderer });
  // Uploads sit below threads and messages; who may read a conversation is messages' rule,
  // asked at request time (messages is built below). Moderation's restrictions apply to
  // uploading too: a suspended or banned account uploads nothing, a silenced one only for
  // private messages (Support stays reachable). A new account may upload; its public posts
  // showing images are held for review like posts with links (server/markdown/render.ts containsLink).
  const uploads = createUploads(core, {
    audit,
    conversationAccess: (actor, conversationId) => messages.conversationAccess(actor, conversationId),
    policy: (actor, request) => standing.gate.assert(actor, request.scope === 'public' ? 'post' : 'message_support'),
    ...(deps.ocrPool !== undefined ? { ocrPool: deps.ocrPool } : {}),
  });
  const threads = createThreads(core, {
    rules,
    audit,
    renderer,
    guardPost: uploads.guardPost,
    postImagesVisible: uploads.setPostImagesVisible,
    gate: standing.gate,
  });
  // The mail system (docs/email.md): SMTP or .eml files, the durable outbox, signed links,
  // account tokens, the reply-by-e-mail listener. Closed in stop().
  const mail = createMailSystem({
    config,
    clock,
    logger,
    connection: db,
    lockAfter: () => businessDaysPhrase(rules.current().lockAfterDays),
    ...deps.mail,
  });
  const notifications = createNotifications(core, { threads, auth, mail });
  const support = createSupport(core, { rules, threads, notifications });
  const messages = createMessages(core, {
    audit,
    threads,
    renderer,
    notifications,
    isEmailVerified: (id) => auth.isEmailVerified(id),
    uploads,
    gate: standing.gate,
  });
  const accounts = createAccounts(core, { auth, notifications, mail });
  const moderation = createModeration(core, { standing, threads, messages, notifications, audit, auth });
  const admin = createAdmin(core, { settings, audit });
  // The process where an administrator changed the rules recomputes the stored deadlines.
  events.on('support.rules.changed', async (e) => {
    if (e.changedHere) await threads.recomputeDeadlines();
  });
  const feedback = createFeedback(core, { rules, gate: standing.gate });
  const search = createSearch({ models, threads });
  // Operability: one metrics registry per forum, fed by the jobs, the database driver and the
  // caches and the mail outbox here, by the HTTP layer in app.ts.
  const metrics = createMetrics();
  const dbHealth = watchDatabase(db);
  metrics.observeDatabase(db.getClient(), dbHealth);
  metrics.watchCaches(() => caches.stats());
  metrics.watchOutbox(() => mail.mailer.stats());
  const jobs = new JobRegistry(logger, metrics);

  // The header's badges: one short cache per person, dropped when what it counts changes.
  const viewerCounts = caches.create<{ notifications: number; messages: number }>('viewer-counts', {
    max: 10_000,
    ttlMs: VIEWER_COUNTS_MS,
  });
  events.on('viewer.changed', (e) => e.userIds.forEach((id) => viewerCounts.delete(id)));
  events.on('viewers.changed', () => viewerCounts.clear());

  const services = {
    config,
    clock,
    logger,
    db,
    models,
    events,
    caches,
    rules,
    jobs,
    /** The app's Markdown renderer (closed by stop()). */
    renderer,
    metrics,
    /** Whether the database is reachable, as the driver sees it (server/db/health.ts). */
    dbHealth,
    audit,
    auth,
    mail,
    notifications,
    accounts,
    threads,
    support,
    messages,
    moderation,
    admin,
    feedback,
    search,
    /** The outbox's depth and failures (issue 17 exports it on /metrics). */
    mailStats: () => notifications.mailStats(),
    uploads,
    /** The words of times every page shows, shared by its requests (server/http/page-format.ts). */
    timeLabels: createTimeLabels(caches),
    /** Unread notifications and messages for the header (cached briefly per person). */
    headerCounts: (actor: { id: string; username: string; displayName: string; role: 'member' | 'moderator' | 'admin' }) =>
      viewerCounts.getOrLoad(actor.id, async () => {
        const [n, m] = await Promise.all([notifications.unreadCount(actor), messages.unreadCount(actor)]);
        return { notifications: n, messages: m };
      }),

    /**
     * Work done once per process after the database is connected, before serving: indexes,
     * the default products, demo content on an empty database (DEMO_CONTENT), and the
     * scheduled jobs (JOBS_ENABLED, unless `jobs: false`).
     */
    /** Builds the indexes of every model (idempotent): the CLI needs no more than this. */
    async init(): Promise<void> {
      await auth.migrateIndexes();
      await Promise.all(Object.values(models).map((m) => m.init()));
      await accounts.init();
    },

    async start(opts: { jobs?: boolean; demo?: boolean; inbound?: boolean } = {}): Promise<void> {
      await services.init();
      await threads.products.ensureDefaults();
      if (opts.demo ?? config.DEMO_CONTENT) {
        if (await seedDemoContent(services)) logger.info('empty database: demo content created');
      }
      support.registerJobs(jobs);
      messages.registerJobs(jobs, rules.current().calendar.settings.zone);
      notifications.registerJobs(jobs, rules.current().calendar.settings.zone);
      if (opts.jobs ?? config.JOBS_ENABLED) await jobs.start();
      // Reply by e-mail, when INBOUND_SMTP_PORT and INBOUND_DOMAIN are set (docs/email.md).
      if (opts.inbound ?? true) await notifications.startInbound();
    },

    /**
     * Graceful stop, before the database closes: jobs and account mail finish, buffered view
     * counts are written, the OCR workers stop (scans in flight record that they did not
     * finish), mail closes.
     */
    async stop(): Promise<void> {
      await jobs.stop();
      await accounts.idle();
      await uploads.stop().catch((err: unknown) => logger.error({ err }, 'could not stop the OCR workers cleanly'));
      await threads.flushViews().catch((err: unknown) => logger.error({ err }, 'could not write the buffered view counts'));
      threads.stop();
      await renderer.close();
      await mail.close();
    },
  };
  return services;
}

export type Services = ReturnType<typeof createServices>;
