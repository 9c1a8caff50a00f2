import { Router, type RequestHandler } from 'express';
import type { Connection } from 'mongoose';

/**
 * Health checks for load balancers and orchestrators. Mounted before sessions, body
 * parsers and CSRF: a probe never creates a session or touches the session store.
 *
 * - GET /healthz: liveness of this process AND its database: a `ping` with a short timeout.
 *   200 {status:'ok'} or 503 {status:'unavailable'}.
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

export function healthRoutes(readiness: Readiness, connection: Connection): Router {
  const r = Router();
  const noCache: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
  r.get('/healthz', noCache, async (_req, res) => {
    const ok = await databaseReachable(connection);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', database: ok ? 'ok' : 'unreachable' });
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
