import type { RequestHandler } from 'express';
import type { Actor } from '../kernel/actor';

/**
 * The header's two badges (unread notifications, unread private messages) for signed-in
 * HTML page views only: JSON calls and form posts never pay for them. The counts come from
 * `load`, which the composition root (server/compose.ts) backs with a short per-person cache.
 */
export function headerCounts(load: (actor: Actor) => Promise<{ notifications: number; messages: number }>): RequestHandler {
  return (req, res, next) => {
    res.locals.unreadNotifications = 0;
    res.locals.unreadMessages = 0;
    if (!req.user || req.method !== 'GET' || req.originalUrl.startsWith('/api/')) return next();
    load(req.user).then(({ notifications, messages }) => {
      res.locals.unreadNotifications = notifications;
      res.locals.unreadMessages = messages;
      next();
    }, next);
  };
}
