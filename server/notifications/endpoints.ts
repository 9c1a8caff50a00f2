import { z } from 'zod';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { objectIdString, pageParam, parseInput } from '../kernel/validate';
import { notificationJson, type NotificationService } from './service';

/** Form checkboxes send one string or several; JSON sends an array. Omitted = all. */
const markReadSchema = z.object({
  ids: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(objectIdString).min(1).max(200)).optional(),
});
const listSchema = z.object({ page: pageParam });

/** In-app notifications (the header bell): the page and its JSON twin, and "mark read". */
export function notificationEndpoints(service: NotificationService): AnyEndpoint[] {
  return [
    endpoint({
      page: 'GET /notifications',
      api: 'GET /api/notifications',
      access: 'user',
      input: (req) => parseInput(listSchema, { page: req.query.page }),
      run: ({ actor, input }) => service.listNotifications(actor, input),
      html: (res, result) => res.render('notifications/index', { title: 'Notifications', ...result, unreadNotifications: result.unread }),
      json: (result) => ({
        notifications: result.notifications.map(notificationJson),
        unread: result.unread,
        page: result.page,
        hasMore: result.hasMore,
      }),
    }),
    endpoint({
      page: 'POST /notifications/read',
      api: 'POST /api/notifications/read',
      access: 'user',
      input: (req) => parseInput(markReadSchema, { ids: req.body?.ids }),
      run: ({ actor, input }) => service.markRead(actor, input),
      html: (res) => res.redirect(303, '/notifications'),
    }),
  ];
}
