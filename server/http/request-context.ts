import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { runInRequest, type Logger } from '../kernel/logger';
import type { Metrics } from '../kernel/metrics';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

/**
 * The path of a request URL for a log line: the query string is dropped, because links
 * may carry tokens or search terms that do not belong in logs.
 */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * The route pattern that answered a request (`/threads/:id{/:slug}`), never the raw URL, so a
 * metric has one series per route however many threads exist. Requests no route answered are
 * grouped: static files, refused before routing (load shedding, database down), and 404s.
 */
export function routeLabel(req: Request, status: number): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  if (req.originalUrl.startsWith('/public/')) return '/public';
  if (status === 503) return '(refused)';
  return status === 404 ? '(not found)' : '(no route)';
}

/**
 * A request id on every request and response, and one log line per finished request: method,
 * url (path only), status, ms, reqId. At `info` in production (app.ts), `debug` otherwise.
 * The rest of the request runs inside the request's log scope (server/kernel/logger.ts), so
 * every line any code logs while serving it carries `reqId`; `reenterRequestScope` restores
 * the scope after middleware that continues from a stream event (body parsers). Headers and
 * bodies are never logged here, and the logger redacts secret-looking fields whatever else
 * logs them. With `metrics`, the request is counted and timed per route pattern.
 */
export function requestContext(logger: Logger, opts: { level?: 'info' | 'debug'; metrics?: Metrics } = {}): RequestHandler {
  const level = opts.level ?? 'debug';
  const http = opts.metrics?.http;
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    req.id = typeof incoming === 'string' && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    req.log = logger;
    const start = process.hrtime.bigint();
    http?.inFlight.inc();
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      http?.inFlight.dec();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const status = res.statusCode;
      if (http) {
        const route = routeLabel(req, status);
        http.requests.inc({ method: req.method, route, status: String(status) });
        http.duration.observe({ method: req.method, route }, seconds);
      }
      if (res.writableFinished) {
        const ms = Math.round(seconds * 1e5) / 100;
        req.log[level]({ reqId: req.id, method: req.method, url: loggableUrl(req.originalUrl), status, ms }, 'request');
      }
    };
    res.once('finish', finished);
    res.once('close', finished);
    runInRequest(req.id, next);
  };
}

/** Puts the rest of the request back in its log scope (after the body parsers). */
export const reenterRequestScope: RequestHandler = (req, _res, next) => {
  if (req.id) runInRequest(req.id, next);
  else next();
};
