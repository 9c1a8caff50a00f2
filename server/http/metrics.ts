import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Metrics } from '../kernel/metrics';

/**
 * GET /metrics: the app's metrics in the Prometheus text format (server/kernel/metrics.ts).
 * Who may read it (docs/operations.md):
 * - with METRICS_TOKEN set: a request carrying `Authorization: Bearer <METRICS_TOKEN>`;
 * - without it: only a client connected directly from this machine (loopback address) and not
 *   through a proxy (no X-Forwarded-For / Forwarded header), since a reverse proxy on the same
 *   machine also connects from loopback on behalf of anyone.
 * Anyone else gets 404, as if there were no such page. Mounted before sessions, CSRF and load
 * shedding (app.ts): scraping creates no session and still works while the process sheds.
 */
export function metricsRoute(metrics: Metrics, token: string | undefined): Router {
  const r = Router();
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  r.get('/metrics', async (req, res, next) => {
    if (!allowed(req.headers, req.socket.remoteAddress, expected)) return next();
    try {
      const { contentType, body } = await metrics.scrape();
      res.setHeader('Cache-Control', 'no-store');
      res.type(contentType).send(body);
    } catch (err) {
      next(err);
    }
  });
  return r;
}

function allowed(headers: Record<string, string | string[] | undefined>, remote: string | undefined, expected: Buffer | null): boolean {
  if (expected) {
    const given = Buffer.from(typeof headers.authorization === 'string' ? headers.authorization : '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
  if (headers['x-forwarded-for'] !== undefined || headers.forwarded !== undefined) return false;
  return remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1';
}
