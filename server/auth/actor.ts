import type { RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../http/errors';

export const ROLES = ['member', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The signed-in person as services see it. Services take `(actor, input)`; they never
 * see `req`. `null` is an anonymous reader.
 */
export interface Actor {
  id: string;
  username: string;
  displayName: string;
  role: Role;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User extends Actor {}
  }
}

export const isStaff = (actor: Actor | null | undefined): boolean => !!actor && (actor.role === 'moderator' || actor.role === 'admin');

export const isAdmin = (actor: Actor | null | undefined): boolean => !!actor && actor.role === 'admin';

/** Route guard: signed in. HTML requests are sent to the sign-in page and come back after. */
export const requireUser: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  if (req.method === 'GET' && !req.originalUrl.startsWith('/api/')) {
    return res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
  }
  next(new UnauthorizedError());
};

/** Route guard: moderator or admin. */
export const requireStaff: RequestHandler = (req, _res, next) => {
  if (!req.user) return next(new UnauthorizedError());
  if (!isStaff(req.user)) return next(new ForbiddenError('Only support moderators can do that.'));
  next();
};

export const requireAdmin: RequestHandler = (req, _res, next) => {
  if (!req.user) return next(new UnauthorizedError());
  if (!isAdmin(req.user)) return next(new ForbiddenError('Only administrators can do that.'));
  next();
};

/** The actor for a request (or null). */
export const actorOf = (req: { user?: Express.User }): Actor | null => (req.user ? { ...req.user } : null);
