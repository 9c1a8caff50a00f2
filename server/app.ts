import express from 'express';
import session from 'express-session';
import cookieParser from 'cookie-parser';
import { MongoStore } from 'connect-mongo';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Services } from './compose';
import { PROJECT_ROOT } from './kernel/paths';
import { reenterRequestScope, requestContext } from './http/request-context';
import { Readiness, closeConnectionsWhileDraining, healthRoutes } from './http/health';
import { databaseGate } from './http/database-gate';
import { loadShedding } from './http/load-shedding';
import { metricsRoute } from './http/metrics';
import { securityHeaders } from './http/security';
import { csrfProtection } from './http/csrf';
import { rateLimiters } from './http/rate-limit';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { headerCounts } from './http/header-counts';
import { mountEndpoints, type EndpointPlumbing } from './http/endpoint';
import { businessDaysPhrase, isKnownZone, supportPolicyText } from './calendar';
import { pageFormat } from './http/page-format';
import { partialRenderer, viewOptions } from './http/view-options';
import { authEndpoints } from './auth';
import { threadEndpoints, STATUS_LABELS, type ThreadPageExtras } from './threads';
import { accountEndpoints } from './accounts';
import { supportEndpoints } from './support';
import { notificationEndpoints } from './notifications';
import { feedbackEndpoints, parseFeedbackFlash } from './feedback';
import { messageEndpoints } from './messages';
import { searchEndpoints } from './search';
import { formAttachments, uploadEndpoints } from './uploads';
import { moderationEndpoints } from './moderation';
import { adminEndpoints } from './admin';

const root = PROJECT_ROOT;

/**
 * Builds the express app from the services of one forum (server/compose.ts). No listening,
 * no connecting: main.ts listens, and the test kit drives it with supertest.
 */
export function createApp(services: Services, opts: { readiness?: Readiness } = {}): express.Express {
  const { config, logger, clock } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('view engine', 'ejs');
  app.set('views', path.join(root, 'views'));
  app.set('view options', viewOptions(path.join(root, 'views')));
  if (config.isProduction) app.set('view cache', true);
  app.locals.partial = partialRenderer(path.join(root, 'views'), () => app.enabled('view cache'));
  if (config.TRUST_PROXY) app.set('trust proxy', parseTrustProxy(config.TRUST_PROXY));

  // Health checks and metrics first: no session, no CSRF, no request log line for every probe,
  // and never shed (docs/operations.md).
  const readiness = opts.readiness ?? new Readiness('ready');
  app.use(closeConnectionsWhileDraining(readiness));
  app.use(healthRoutes(readiness, services.db, services.dbHealth));
  if (config.METRICS_ENABLED) app.use(metricsRoute(services.metrics, config.METRICS_TOKEN));
  app.use(requestContext(logger, { level: config.isProduction ? 'info' : 'debug', metrics: services.metrics }));
  // Overload: new work past the limits gets 503 + Retry-After; admitted requests get a time limit.
  app.use(
    loadShedding({
      maxInFlight: config.SHED_MAX_IN_FLIGHT,
      maxDelayMs: config.SHED_EVENT_LOOP_DELAY_MS,
      timeoutMs: config.REQUEST_TIMEOUT_MS,
      metrics: services.metrics,
    }),
  );
  app.use(securityHeaders(config.isProduction));
  app.use('/public', express.static(path.join(root, 'public'), { maxAge: config.isProduction ? '7d' : 0, index: false }));
  app.get('/favicon.ico', (_req, res) => res.status(204).end());
  // Everything below needs the database: while it is down, 503 at once.
  app.use(databaseGate(services.dbHealth));

  const limit = `${config.BODY_LIMIT_KB}kb`;
  app.use(express.json({ limit, strict: true }));
  app.use(express.urlencoded({ extended: false, limit, parameterLimit: 200 }));
  // The body parsers continue from stream events, outside the request's log scope.
  app.use(reenterRequestScope);
  // csrf-csrf reads req.cookies (unsigned: its token cookie carries its own HMAC).
  app.use(cookieParser());

  const secret = config.SESSION_SECRET ?? randomBytes(32).toString('hex');
  app.use(
    session({
      name: config.isProduction ? '__Host-forum.sid' : 'forum.sid',
      secret,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      store: MongoStore.create({
        client: services.db.getClient() as never,
        dbName: services.db.name,
        collectionName: 'sessions',
        ttl: 14 * 24 * 3600,
        touchAfter: 3600,
        autoRemove: 'native',
        // Sessions are stored as documents (not JSON strings) so a password reset can end a
        // person's sessions by `session.passport.user` (server/accounts/service.ts). Sessions
        // written as strings before this change are still read.
        unserialize: (stored: unknown) => (typeof stored === 'string' ? JSON.parse(stored) : stored) as never,
      }),
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.isProduction, maxAge: 14 * 24 * 3600 * 1000, path: '/' },
    }),
  );

  const csrf = csrfProtection({ secret, isProduction: config.isProduction });
  app.use(services.auth.passport.initialize());
  app.use(services.auth.passport.session());
  app.use(headerCounts(services.headerCounts));
  app.use(csrf.provideToken);
  app.use((req, res, next) => {
    const rules = services.rules.current();
    res.locals.currentUser = req.user ?? null;
    res.locals.currentPath = req.originalUrl;
    res.locals.error = null;
    res.locals.fieldErrors = {};
    res.locals.title = '';
    // Shared by every page: the one way of showing times (relative, absolute tooltip, in the
    // reader's zone when they chose one on the account page, else the desk's), the request's
    // "now", status names, and the support policy's wording from the rules in force (footer,
    // lock banner, notice).
    const now = clock.now();
    const zone = isKnownZone(req.user?.timeZone) ? req.user.timeZone : rules.calendar.settings.zone;
    res.locals.fmt = pageFormat({ now, zone, labels: services.timeLabels });
    res.locals.now = now;
    res.locals.STATUS_LABELS = STATUS_LABELS;
    res.locals.supportPolicy = supportPolicyText(rules);
    res.locals.lockAfterPhrase = businessDaysPhrase(rules.lockAfterDays);
    next();
  });

  const plumbing: EndpointPlumbing = {
    csrf: csrf.verify,
    limit: rateLimiters(config, services.db.db!),
    // The post and message forms take a file without JavaScript (multipart; server/uploads).
    attach: formAttachments(services.uploads, services.uploads.multipart),
  };
  const extras: ThreadPageExtras = {
    async viewerLocals(actor, thread, replyIds, query) {
      if (!actor) return { pmLinked: [], feedbackVotes: new Map(), feedbackFlash: null, watch: null };
      const [pmLinked, feedbackVotes, watch] = await Promise.all([
        services.messages.linkedConversationsFor(actor, thread.id),
        services.feedback.votesForReplies(actor, replyIds),
        services.notifications.watchState(actor, thread.id, thread),
      ]);
      // The no-JS "thanks" message (?fb=<replyId>:<kind>); never for anonymous pages, which are cached.
      return { pmLinked, feedbackVotes, feedbackFlash: parseFeedbackFlash(query.fb), watch };
    },
    similar: (actor, title) => services.search.similarThreads(actor, { title }),
  };
  for (const endpoints of [
    authEndpoints(services.auth, config, { activity: (userId) => services.threads.activityOf(userId) }),
    accountEndpoints(services.accounts),
    threadEndpoints(services.threads, extras),
    supportEndpoints(services.support),
    notificationEndpoints(services.notifications),
    feedbackEndpoints(services.feedback),
    messageEndpoints(services.messages),
    searchEndpoints(services.search, services.threads),
    uploadEndpoints(services.uploads, services.uploads.multipart),
    moderationEndpoints(services.moderation),
    adminEndpoints(services.admin),
  ]) {
    app.use(mountEndpoints(endpoints, plumbing));
  }

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

function parseTrustProxy(v: string): boolean | number | string {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}
