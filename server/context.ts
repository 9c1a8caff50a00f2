import type { RequestHandler } from 'express';
import type { Config } from './config';
import type { Logger } from './kernel/logger';
import type { Clock } from './kernel/clock';
import type { Readiness } from './http/health';

/** What createApp needs from the outside world. Everything with side effects is passed in. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  /** Start-up/draining state for GET /readyz (main.ts owns it); ready at once when omitted. */
  readiness?: Readiness;
}

/** What every domain router receives: the deps plus the shared web plumbing. */
export interface AppContext extends AppDeps {
  /** Verifies the CSRF token on a state-changing request (form field `_csrf` or `X-CSRF-Token`). */
  csrf: RequestHandler;
  /** Rate limiter for a named write action, keyed by user id (or IP when signed out). */
  limit: (action: RateAction) => RequestHandler;
}

export type RateAction = 'post' | 'question' | 'message' | 'vote' | 'login' | 'register';
