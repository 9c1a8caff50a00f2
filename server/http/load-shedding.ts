import type { RequestHandler } from 'express';
import { ServiceUnavailableError } from '../kernel/errors';
import type { Metrics } from '../kernel/metrics';
import { isApiRequest } from './endpoint';

/**
 * Overload protection. One Node process serves every request on one event loop; past its
 * capacity, queueing only makes everyone wait (at 200 connections p99 reached 18 s and
 * requests timed out at 30 s). So new work is refused early, with 503 and Retry-After (RFC
 * 9110 15.6.4), while the requests already admitted finish quickly:
 *
 * - in flight: at most `maxInFlight` requests are being served at once (0: no limit);
 * - event-loop delay: while the loop runs late by more than `maxDelayMs` on average (sampled
 *   every 50 ms, smoothed so one garbage collection does not trip it), new requests are
 *   refused (0: off);
 * - timeout: a request still unanswered after `timeoutMs` gets 503 `timeout` (0: none). Its work
 *   may still complete; the answer says so.
 *
 * Health checks and /metrics are mounted before this middleware (app.ts): a load balancer
 * keeps seeing the process as alive while it sheds.
 */
export interface LoadSheddingOptions {
  maxInFlight: number;
  maxDelayMs: number;
  timeoutMs: number;
  metrics?: Metrics;
}

/** Retry-After for a refused request, in seconds: soon, but not at once. */
export const SHED_RETRY_AFTER_S = 2;
const SAMPLE_MS = 50;

/** The event loop's recent delay in ms, sampled by a timer (unref'd: it never keeps a process alive). */
export class EventLoopDelay {
  private smoothed = 0;
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = Math.max(0, now - this.last - SAMPLE_MS);
      this.last = now;
      this.smoothed = this.smoothed * 0.6 + late * 0.4;
    }, SAMPLE_MS);
    this.timer.unref();
  }

  /** Milliseconds the loop has recently been running late. */
  get delayMs(): number {
    // A loop blocked since the last sample is late now, even before the timer can say so.
    const pending = Math.max(0, performance.now() - this.last - SAMPLE_MS);
    return Math.max(this.smoothed, pending);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export function loadShedding(opts: LoadSheddingOptions): RequestHandler {
  const loop = opts.maxDelayMs > 0 ? new EventLoopDelay() : null;
  const shed = opts.metrics?.http.shed;
  let inFlight = 0;
  const refuse = (reason: 'in_flight' | 'event_loop_delay') => {
    shed?.inc({ reason });
    return new ServiceUnavailableError('overloaded', 'The forum is very busy right now. Please try again in a moment.', SHED_RETRY_AFTER_S);
  };
  return (req, res, next) => {
    if (opts.maxInFlight > 0 && inFlight >= opts.maxInFlight) return next(refuse('in_flight'));
    if (loop && loop.delayMs > opts.maxDelayMs) return next(refuse('event_loop_delay'));
    inFlight++;
    let timer: NodeJS.Timeout | undefined;
    res.once('close', () => {
      inFlight--;
      if (timer) clearTimeout(timer);
    });
    if (opts.timeoutMs > 0) {
      timer = setTimeout(() => {
        if (res.headersSent) return;
        shed?.inc({ reason: 'timeout' });
        req.log?.warn({ reqId: req.id, ms: opts.timeoutMs }, 'request timed out');
        // Answered here, not through next(): the route is still running and will find the
        // response sent (its own answer is then dropped by the error handler).
        const message = 'The forum took too long to answer. What you sent may still be saved: check before sending it again.';
        res.status(503).setHeader('Retry-After', String(SHED_RETRY_AFTER_S));
        res.setHeader('Connection', 'close');
        if (isApiRequest(req)) res.json({ error: { code: 'timeout', message } });
        else res.type('html').send(`<!doctype html><meta charset="utf-8"><title>Try again</title><p>${message}</p>`);
      }, opts.timeoutMs);
    }
    next();
  };
}
