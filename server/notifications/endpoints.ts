import { z } from 'zod';
import { NOTIFICATION_KIND_TABLE } from '../../models/notification';
import { WATCH_LEVELS } from '../../models/watch';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { MAIL_PATHS } from '../mail';
import { objectIdString, pageParam, parseId, parseInput } from '../kernel/validate';
import type { Notifications } from './index';
import type { UnsubscribeScope } from './preferences';
import { notificationJson } from './store';
import type { WatchState } from './watching';

/** Form checkboxes send one string or several; JSON sends an array. Omitted = all. */
const markReadSchema = z.object({
  ids: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(objectIdString).min(1).max(200)).optional(),
});
const listSchema = z.object({ page: pageParam });
const watchSchema = z.object({ level: z.enum(WATCH_LEVELS) });
/** Unsubscribe tokens are short base32 strings with dots (server/mail/signed-tokens.ts); anything longer is not one. */
const tokenParam = z.string().min(1).max(64);

function scopeLabel(scope: UnsubscribeScope): string {
  if (scope === 'all') return 'all e-mail from the forum (account mail such as password resets still comes)';
  if (scope === 'digest') return 'the daily summary';
  return `e-mail about: ${NOTIFICATION_KIND_TABLE[scope].label.toLowerCase()}`;
}

const watchJson = (s: WatchState) => ({
  threadId: s.threadId,
  level: s.level,
  sameQuestion: s.sameQuestion,
  sameQuestionCount: s.sameQuestionCount,
});

/**
 * Notification routes: the bell's page and "mark read"; watching a thread and "I have the
 * same question"; one-click unsubscribe (no sign-in, no CSRF: RFC 8058); the outbox for admins.
 */
export function notificationEndpoints(service: Notifications): AnyEndpoint[] {
  const threadPath = (id: string) => `/threads/${id}`;
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
    endpoint({
      page: 'POST /threads/:id/watch',
      api: 'POST /api/threads/:id/watch',
      access: 'user',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(watchSchema, { level: req.body?.level }) }),
      run: ({ actor, input }) => service.setWatchLevel(actor, input.id, input.level),
      html: (res, state) => res.redirect(303, `${threadPath(state.threadId)}#watch`),
      json: (state) => ({ watch: watchJson(state) }),
    }),
    endpoint({
      page: 'POST /threads/:id/same-question',
      api: 'POST /api/threads/:id/same-question',
      access: 'user',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => service.setSameQuestion(actor, input, true),
      html: (res, state) => res.redirect(303, `${threadPath(state.threadId)}#watch`),
      json: (state) => ({ watch: watchJson(state) }),
    }),
    endpoint({
      page: 'POST /threads/:id/same-question/undo',
      api: 'DELETE /api/threads/:id/same-question',
      access: 'user',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => service.setSameQuestion(actor, input, false),
      html: (res, state) => res.redirect(303, `${threadPath(state.threadId)}#watch`),
      json: (state) => ({ watch: watchJson(state) }),
    }),
    endpoint({
      page: `GET ${MAIL_PATHS.unsubscribe}`,
      access: 'public',
      noStore: true,
      input: (req) => parseInput(tokenParam, req.params.token),
      run: ({ input }) => ({ token: input, ...service.readUnsubscribeToken(input) }),
      html: (res, r) =>
        res.render('notifications/unsubscribe', { title: 'Unsubscribe', token: r.token, what: scopeLabel(r.scope), done: false }),
    }),
    // RFC 8058 §3.2: the mail provider POSTs "List-Unsubscribe=One-Click" here with no cookies
    // and no token; a 2xx answer is the confirmation it needs.
    endpoint({
      page: `POST ${MAIL_PATHS.unsubscribe}`,
      access: 'public',
      csrf: false,
      noStore: true,
      input: (req) => parseInput(tokenParam, req.params.token),
      run: ({ input }) => service.unsubscribe(input),
      html: (res, r) =>
        res.render('notifications/unsubscribe', { title: 'Unsubscribed', token: null, what: scopeLabel(r.scope), done: true }),
    }),
    endpoint({
      page: 'GET /admin/mail',
      api: 'GET /api/admin/mail',
      access: 'admin',
      run: ({ actor }) => service.mailAdmin(actor),
      html: (res, stats, { req }) => res.render('admin/mail', { title: 'Outgoing mail', stats, retried: req.query.retried === '1' }),
      json: (stats) => ({ outbox: stats }),
    }),
    endpoint({
      page: 'POST /admin/mail/:id/retry',
      api: 'POST /api/admin/mail/:id/retry',
      access: 'admin',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => service.retryMail(actor, input),
      html: (res) => res.redirect(303, '/admin/mail?retried=1'),
      json: (result) => ({ result }),
    }),
  ];
}
