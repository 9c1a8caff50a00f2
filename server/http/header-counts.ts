import type { RequestHandler } from 'express';
import { actorOf } from '../http/guards';
import { unreadCount } from '../notifications/service';
import { unreadCountFor } from '../messages/service';
import { viewerCached } from './viewer-cache';

/**
 * The header's two badges (unread notifications, unread private messages) for signed-in
 * HTML page views only: JSON calls and form posts never pay for them. Both counts come
 * from the per-viewer cache (viewer-cache.ts) and, on a miss, load in parallel.
 */
export const headerCounts: RequestHandler = (req, res, next) => {
  res.locals.unreadNotifications = 0;
  res.locals.unreadMessages = 0;
  if (!req.user || req.originalUrl.startsWith('/api/') || req.method !== 'GET') return next();
  const actor = actorOf(req)!;
  Promise.all([
    viewerCached('notes', actor.id, () => unreadCount(actor)),
    viewerCached('msgs', actor.id, () => unreadCountFor(actor)),
  ]).then(([notes, msgs]) => {
    res.locals.unreadNotifications = notes;
    res.locals.unreadMessages = msgs;
    next();
  }, next);
};
