import express from 'express';
import session from 'express-session';
import cookieParser from 'cookie-parser';
import { MongoStore } from 'connect-mongo';
import mongoose from 'mongoose';
import passport from 'passport';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { AppContext, AppDeps } from './context';
import { requestContext } from './http/request-context';
import { Readiness, closeConnectionsWhileDraining, healthRoutes } from './http/health';
import { securityHeaders } from './http/security';
import { csrfProtection } from './http/csrf';
import { rateLimiters } from './http/rate-limit';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { setupPassport } from './auth/passport';
import { authRoutes } from './auth/router';
import { threadRoutes } from './threads/router';
import { supportRoutes } from './support/router';
import { notificationRoutes } from './notifications/router';
import { feedbackRoutes } from './feedback/router';
import { messageRoutes } from './messages/router';
import { headerCounts } from './http/header-counts';
import { searchRoutes } from './search/router';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds the express app. No listening, no connecting: the mongoose default
 * connection must already be open (server/db/connect.ts), and main.ts listens.
 */
export function createApp(deps: AppDeps): express.Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('view engine', 'ejs');
  app.set('views', path.join(root, 'views'));
  if (config.isProduction) app.set('view cache', true);
  if (config.TRUST_PROXY) app.set('trust proxy', parseTrustProxy(config.TRUST_PROXY));

  // Health checks first: no session, no CSRF, no request log line for every probe.
  const readiness = deps.readiness ?? new Readiness('ready');
  app.use(closeConnectionsWhileDraining(readiness));
  app.use(healthRoutes(readiness));
  app.use(requestContext(logger, { level: config.isProduction ? 'info' : 'debug' }));
  app.use(securityHeaders(config.isProduction));
  app.use('/public', express.static(path.join(root, 'public'), { maxAge: config.isProduction ? '7d' : 0, index: false }));
  app.get('/favicon.ico', (_req, res) => res.status(204).end());

  const limit = `${config.BODY_LIMIT_KB}kb`;
  app.use(express.json({ limit, strict: true }));
  app.use(express.urlencoded({ extended: false, limit, parameterLimit: 200 }));
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
        client: mongoose.connection.getClient() as never,
        collectionName: 'sessions',
        ttl: 14 * 24 * 3600,
        touchAfter: 3600,
        autoRemove: 'native',
      }),
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.isProduction, maxAge: 14 * 24 * 3600 * 1000, path: '/' },
    }),
  );

  const csrf = csrfProtection({ secret, isProduction: config.isProduction });
  const ctx: AppContext = { ...deps, csrf: csrf.verify, limit: rateLimiters(config) };

  setupPassport(ctx);
  app.use(passport.session());
  app.use(headerCounts);
  app.use(csrf.provideToken);
  app.use((req, res, next) => {
    res.locals.currentUser = req.user ?? null;
    res.locals.currentPath = req.originalUrl;
    res.locals.error = null;
    res.locals.fieldErrors = {};
    res.locals.title = '';
    next();
  });

  app.use(authRoutes(ctx));
  app.use(threadRoutes(ctx));
  app.use(supportRoutes(ctx));
  app.use(notificationRoutes(ctx));
  app.use(feedbackRoutes(ctx));
  app.use(messageRoutes(ctx));

  app.use(searchRoutes(ctx));
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
