import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../kernel/logger';
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

const BUSY_MESSAGE = 'The forum is very busy right now. Please try again in a moment.';
const TIMEOUT_MESSAGE = 'The forum took too long to answer. What you sent may still be saved: check before sending it again.';

/**
 * The bodies of a refusal, built once: JSON as every API error is shaped (server/http/error-handler.ts)
 * and a small HTML page. A refusal is answered here, not through the error handler: no page
 * template, no per-request log line (see RefusalLog), so refusing costs a fraction of serving
 * (under a 200-connection storm, refusals are most of what the process answers).
 */
function refusalBodies(code: 'overloaded' | 'timeout', message: string) {
  return {
    json: Buffer.from(JSON.stringify({ error: { code, message, retryAfterSeconds: SHED_RETRY_AFTER_S } })),
    html: Buffer.from(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>Try again · Support Community</title><link rel="stylesheet" href="/public/css/forum.css"></head>` +
        `<body><main class="card"><h1>Try again in a moment</h1><p>${message}</p><p><a href="/">Support Community home</a></p></main></body></html>`,
    ),
  };
}
const REFUSED = { overloaded: refusalBodies('overloaded', BUSY_MESSAGE), timeout: refusalBodies('timeout', TIMEOUT_MESSAGE) };

/**
 * Headers a route may have set for its own answer before a timeout cut it short (a file's
 * download: server/uploads/endpoints.ts sets Content-Length and Content-Disposition, then
 * streams); the 503 must not carry them.
 */
const ROUTE_ENTITY_HEADERS = ['Content-Disposition', 'Content-Encoding', 'Content-Range', 'ETag', 'Last-Modified', 'Vary'];

/**
 * 503 with Retry-After (RFC 9110 15.6.4) and the prebuilt body for the request's kind, with its
 * own Content-Length and none of the route's entity headers (ROUTE_ENTITY_HEADERS).
 */
function answerUnavailable(req: Request, res: Response, code: 'overloaded' | 'timeout'): void {
  const api = isApiRequest(req);
  const body = api ? REFUSED[code].json : REFUSED[code].html;
  for (const name of ROUTE_ENTITY_HEADERS) res.removeHeader(name);
  res.status(503).setHeader('Retry-After', String(SHED_RETRY_AFTER_S));
  res.setHeader('Cache-Control', 'no-store');
  res.type(api ? 'json' : 'html');
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}

/**
 * At most one warn line per `intervalMs` (10 s) about refused requests, instead of one per
 * refused request (hundreds a second in a storm): the first refusal is logged at once; later
 * ones are counted, and their counts are logged when the interval since the last line ends
 * (a timer, unref'd: it never keeps the process alive). `refused`: counts per reason;
 * `overSeconds`: the span they were counted over. The exact counts are the
 * forum_http_shed_total metric.
 */
export class RefusalLog {
  private counts = { in_flight: 0, event_loop_delay: 0 };
  private since: number | null = null;
  private pending: { log: Logger | undefined; delayMs: number } | null = null;

  /**
   * `now`: a monotonic reading in ms (performance.now); `schedule`: runs a function after ms
   * (an unref'd setTimeout). A test passes its own of both.
   */
  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = () => performance.now(),
    private readonly schedule: (run: () => void, ms: number) => void = (run, ms) => void setTimeout(run, ms).unref(),
  ) {}

  /** Counts one refusal of `req`; logs through `req.log` when a line is due, or schedules it. */
  note(req: Pick<Request, 'log'>, reason: 'in_flight' | 'event_loop_delay', delayMs: number): void {
    this.counts[reason]++;
    const now = this.now();
    if (this.since === null || now - this.since >= this.intervalMs) return this.write(req.log, delayMs, now);
    if (this.pending) {
      this.pending.delayMs = delayMs;
      return;
    }
    this.pending = { log: req.log, delayMs };
    this.schedule(
      () => {
        const due = this.pending;
        this.pending = null;
        if (due && this.counts.in_flight + this.counts.event_loop_delay > 0) this.write(due.log, due.delayMs, this.now());
      },
      this.intervalMs - (now - this.since),
    );
  }

  private write(log: Logger | undefined, delayMs: number, now: number): void {
    const overSeconds = this.since === null ? 0 : Math.round((now - this.since) / 1000);
    log?.warn(
      { refused: this.counts, overSeconds, eventLoopDelayMs: Math.round(delayMs) },
      'shedding load: new requests refused with 503 overloaded',
    );
    this.counts = { in_flight: 0, event_loop_delay: 0 };
    this.since = now;
    this.pending = null;
  }
}

export function loadShedding(opts: LoadSheddingOptions): RequestHandler {
  const loop = opts.maxDelayMs > 0 ? new EventLoopDelay() : null;
  const shed = opts.metrics?.http.shed;
  const refusals = new RefusalLog();
  let inFlight = 0;
  return (req, res, next) => {
    const reason =
      opts.maxInFlight > 0 && inFlight >= opts.maxInFlight
        ? 'in_flight'
        : loop && loop.delayMs > opts.maxDelayMs
          ? 'event_loop_delay'
          : null;
    if (reason) {
      shed?.inc({ reason });
      refusals.note(req, reason, loop?.delayMs ?? 0);
      return answerUnavailable(req, res, 'overloaded');
    }
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
        res.setHeader('Connection', 'close');
        answerUnavailable(req, res, 'timeout');
      }, opts.timeoutMs);
    }
    next();
  };
}
