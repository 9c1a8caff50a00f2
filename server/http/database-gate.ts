import type { RequestHandler } from 'express';
import { ServiceUnavailableError } from '../kernel/errors';

/** Retry-After while the database is unreachable, in seconds. */
export const DATABASE_RETRY_AFTER_S = 5;

/**
 * The 503 for a request that needs the database while it is unreachable: `refused` before any
 * work began (the gate), or cut short by the database going away (the error handler).
 */
export const databaseUnavailable = (when: 'refused' | 'interrupted') =>
  new ServiceUnavailableError(
    'database_unavailable',
    when === 'refused'
      ? 'The forum cannot reach its database right now. Nothing was changed; please try again in a few seconds.'
      : 'The forum lost its database while answering. Please check in a few seconds whether what you sent was saved.',
    DATABASE_RETRY_AFTER_S,
  );

/**
 * While the database is known to be down (server/db/health.ts, from the driver's monitoring),
 * every request that would need it is answered 503 with Retry-After at once, instead of
 * waiting for the driver's server selection timeout (and holding a connection meanwhile).
 * Mounted after the health checks and static files, before sessions (app.ts); requests go
 * through again as soon as the driver sees the database back.
 */
export function databaseGate(health: { readonly up: boolean }): RequestHandler {
  return (_req, _res, next) => next(health.up ? undefined : databaseUnavailable('refused'));
}

/** Driver errors that mean "the database is unreachable", not "this request is wrong". */
const UNREACHABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
]);

/** True for an error the database driver (or mongoose) raised because the database is away. */
export function isDatabaseUnreachable(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name && UNREACHABLE.has(e.name)) return true;
  return e.name === 'MongooseServerSelectionError' || /buffering timed out|Client must be connected/.test(e.message ?? '');
}
