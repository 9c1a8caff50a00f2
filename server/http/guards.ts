import type { RequestHandler } from 'express';
import type { Actor } from '../kernel/actor';
import { isAdmin, isStaff } from '../kernel/actor';
import { ForbiddenError, UnauthorizedError } from '../kernel/errors';

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
