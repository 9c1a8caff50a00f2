import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { actorOf } from '../http/guards';
import { objectIdString, pageParam, parseInput } from '../kernel/validate';
import { createNotificationService, notificationJson } from './service';

/** Form checkboxes send one string or several; JSON sends an array. Omitted = all. */
const markReadSchema = z.object({
  ids: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(objectIdString).min(1).max(200)).optional(),
});
const listSchema = z.object({ page: pageParam });

export function notificationHandlers(ctx: AppContext) {
  const service = createNotificationService(ctx);

  return {
    page: (async (req, res) => {
      const { page } = parseInput(listSchema, { page: req.query.page });
      const result = await service.listNotifications(actorOf(req), { page });
      res.render('notifications/index', { title: 'Notifications', ...result, unreadNotifications: result.unread });
    }) satisfies RequestHandler,

    markRead: (async (req, res) => {
      const input = parseInput(markReadSchema, { ids: req.body?.ids });
      await service.markRead(actorOf(req), input);
      res.redirect(303, '/notifications');
    }) satisfies RequestHandler,

    apiList: (async (req, res) => {
      const { page } = parseInput(listSchema, { page: req.query.page });
      const result = await service.listNotifications(actorOf(req), { page });
      res.json({
        notifications: result.notifications.map(notificationJson),
        unread: result.unread,
        page: result.page,
        hasMore: result.hasMore,
      });
    }) satisfies RequestHandler,

    apiMarkRead: (async (req, res) => {
      const input = parseInput(markReadSchema, { ids: req.body?.ids });
      res.json(await service.markRead(actorOf(req), input));
    }) satisfies RequestHandler,
  };
}
