import { Router, type RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import { DATABASE_RETRY_AFTER_S } from './database-gate';

/** What the driver's monitoring knows about the database (server/db/health.ts). */
export interface DatabaseState {
  readonly up: boolean;
  readonly downSince: Date | null;
}

/**
 * Health checks for load balancers and orchestrators. Mounted before sessions, body
 * parsers and CSRF: a probe never creates a session or touches the session store.
 *
 * - GET /healthz: liveness of this process AND its database: a `ping` with a short timeout.
 *   200 {status:'ok'} or 503 {status:'unavailable', database:'unreachable', since} with
 *   Retry-After. While the driver already knows the database is down (server/db/health.ts)
 *   the answer comes at once, without waiting for the ping.
 * - GET /readyz: should this process get traffic? 503 {status:'starting'} until start-up has
 *   finished (main.ts calls markReady once it listens), 503 {status:'draining'} from the
 *   moment a graceful shutdown begins, so the balancer stops routing here while in-flight
 *   requests finish.
 */
export type ReadinessState = 'starting' | 'ready' | 'draining';

export class Readiness {
  private current: ReadinessState;
  constructor(initial: ReadinessState = 'starting') {
    this.current = initial;
  }
  get state(): ReadinessState {
    return this.current;
  }
  markReady(): void {
    if (this.current === 'starting') this.current = 'ready';
  }
  markDraining(): void {
    this.current = 'draining';
  }
}

export const PING_TIMEOUT_MS = 1000;

/** Resolves true when this app's database answers a ping within the timeout. */
export async function databaseReachable(connection: Connection, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  const db = connection.readyState === 1 ? connection.db : undefined;
  if (!db) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([db.command({ ping: 1 }).then((r) => r.ok === 1), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(readiness: Readiness, connection: Connection, database?: DatabaseState): Router {
  const r = Router();
  const noCache: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
  r.get('/healthz', noCache, async (_req, res) => {
    const ok = (database?.up ?? true) && (await databaseReachable(connection));
    if (ok) return void res.json({ status: 'ok', database: 'ok' });
    res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_S));
    const since = database?.downSince;
    res.status(503).json({ status: 'unavailable', database: 'unreachable', ...(since ? { since: since.toISOString() } : {}) });
  });
  r.get('/readyz', noCache, (_req, res) => {
    const state = readiness.state;
    res.status(state === 'ready' ? 200 : 503).json({ status: state });
  });
  return r;
}

/** While draining, ask keep-alive clients to reconnect (to another process) after this response. */
export function closeConnectionsWhileDraining(readiness: Readiness): RequestHandler {
  return (_req, res, next) => {
    if (readiness.state === 'draining') res.setHeader('Connection', 'close');
    next();
  };
}
