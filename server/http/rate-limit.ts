import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
/** The named rate limits (see the table below). */
export type RateAction = 'post' | 'question' | 'message' | 'vote' | 'login' | 'register' | 'upload';
import { RateLimitedError } from '../kernel/errors';

/**
 * Rate limits for write actions, keyed by the signed-in user (or the client IP).
 * Limits come from configuration; the defaults let a person ask a few questions and
 * post a dozen replies a minute, and stop a script posting hundreds.
 * The store is per process: with several app processes each enforces its own share.
 */
export function rateLimiters(config: Config): (action: RateAction) => RequestHandler {
  const minutes = 60_000;
  const table: Record<RateAction, { windowMs: number; limit: number }> = {
    post: { windowMs: config.RATE_POST_WINDOW_MIN * minutes, limit: config.RATE_POST_MAX },
    question: { windowMs: config.RATE_QUESTION_WINDOW_MIN * minutes, limit: config.RATE_QUESTION_MAX },
    message: { windowMs: config.RATE_MESSAGE_WINDOW_MIN * minutes, limit: config.RATE_MESSAGE_MAX },
    vote: { windowMs: 1 * minutes, limit: 60 },
    // Bursts of pasted screenshots; the daily quota (UPLOAD_DAILY_MAX) bounds the rest.
    upload: { windowMs: 1 * minutes, limit: 30 },
    login: { windowMs: config.RATE_LOGIN_WINDOW_MIN * minutes, limit: config.RATE_LOGIN_MAX * 5 },
    register: { windowMs: 60 * minutes, limit: 20 },
  };
  // Every limiter is built now, at app start (express-rate-limit refuses to be built in a request).
  const handlers = new Map<RateAction, RequestHandler>();
  for (const action of Object.keys(table) as RateAction[]) {
    const { windowMs, limit } = table[action];
    handlers.set(
      action,
      rateLimit({
        windowMs,
        limit,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        keyGenerator: (req) => {
          const user = (req as { user?: { id?: string } }).user;
          return user?.id ? `u:${user.id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
        },
        handler: (_req, _res, next, options) => {
          next(new RateLimitedError(Math.ceil(options.windowMs / 1000)));
        },
      }),
    );
  }
  return (action) => handlers.get(action)!;
}
