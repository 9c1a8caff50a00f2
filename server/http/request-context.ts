import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../kernel/logger';

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
 * A request id on every request and response, a child logger that carries it, and one
 * log line per finished request: method, url (path only), status, ms, reqId. At `info` in
 * production (app.ts), `debug` otherwise. Headers and bodies are never logged here, and
 * the logger redacts secret-looking fields whatever else logs them (server/logger.ts).
 */
export function requestContext(logger: Logger, opts: { level?: 'info' | 'debug' } = {}): RequestHandler {
  const level = opts.level ?? 'debug';
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    req.id = typeof incoming === 'string' && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    req.log = logger.child({ reqId: req.id });
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;
      req.log[level]({ method: req.method, url: loggableUrl(req.originalUrl), status: res.statusCode, ms }, 'request');
    });
    next();
  };
}
