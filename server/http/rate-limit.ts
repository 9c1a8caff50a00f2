import type { RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Db } from 'mongodb';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { RateLimitedError } from '../kernel/errors';

/** The named rate limits (see the table below). */
export type RateAction = 'post' | 'question' | 'message' | 'vote' | 'login' | 'register' | 'preview' | 'upload';

/**
 * Rate limits for write actions (and the Markdown preview, which costs a render), keyed by the
 * signed-in user or else the client address. Counted in the database (rate-limiter-flexible's
 * MongoDB store, on the forum's own connection, collection `rate_limits`: models/rate-limit.ts),
 * one atomic upsert per request, so a limit holds across every app process sharing the
 * database. Fixed windows: a window starts with a client's first request and lasts its length.
 * Limits come from configuration; the defaults let a person ask a few questions and post a
 * dozen replies a minute, and stop a script posting hundreds. Over the limit: 429 with
 * Retry-After (the end of the window). Sign-in has its own per-account throttle as well
 * (server/auth/throttle.ts).
 */
export function rateLimiters(config: Config, db: Db): (action: RateAction) => RequestHandler {
  const minutes = 60;
  const table: Record<RateAction, { windowS: number; limit: number }> = {
    post: { windowS: config.RATE_POST_WINDOW_MIN * minutes, limit: config.RATE_POST_MAX },
    question: { windowS: config.RATE_QUESTION_WINDOW_MIN * minutes, limit: config.RATE_QUESTION_MAX },
    message: { windowS: config.RATE_MESSAGE_WINDOW_MIN * minutes, limit: config.RATE_MESSAGE_MAX },
    vote: { windowS: 1 * minutes, limit: 60 },
    // Bursts of pasted screenshots; the daily quota (UPLOAD_DAILY_MAX) bounds the rest.
    upload: { windowS: 1 * minutes, limit: 30 },
    login: { windowS: config.RATE_LOGIN_WINDOW_MIN * minutes, limit: config.RATE_LOGIN_MAX * 5 },
    register: { windowS: 60 * minutes, limit: 20 },
    preview: { windowS: config.RATE_PREVIEW_WINDOW_MIN * minutes, limit: config.RATE_PREVIEW_MAX },
  };
  const handlers = new Map<RateAction, RequestHandler>();
  for (const action of Object.keys(table) as RateAction[]) {
    const { windowS, limit } = table[action];
    const limiter = new RateLimiterMongo({
      storeClient: db,
      tableName: 'rate_limits',
      keyPrefix: action,
      points: limit,
      duration: windowS,
      // models/rate-limit.ts builds them with the other indexes.
      disableIndexesCreation: true,
    });
    handlers.set(action, (req, _res, next) => {
      const user = (req as { user?: { id?: string } }).user;
      const key = user?.id ? `u:${user.id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
      limiter.consume(key).then(
        () => next(),
        (rejection: unknown) => {
          if (rejection instanceof RateLimiterRes) next(new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))));
          else next(rejection); // the store failed (database unreachable: 503)
        },
      );
    });
  }
  return (action) => handlers.get(action)!;
}
