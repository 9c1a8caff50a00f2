import { Router } from 'express';
import type { AppContext } from '../context';
import { requireUser } from '../http/guards';
import { notificationHandlers } from './handlers';

/** In-app notifications (the header bell). One line per route. */
export function notificationRoutes(ctx: AppContext): Router {
  const h = notificationHandlers(ctx);
  const { csrf } = ctx;
  const r = Router();
  r.get('/notifications', requireUser, h.page);
  r.post('/notifications/read', csrf, requireUser, h.markRead);

  r.get('/api/notifications', requireUser, h.apiList);
  r.post('/api/notifications/read', csrf, requireUser, h.apiMarkRead);
  return r;
}
