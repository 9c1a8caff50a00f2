import type { Request } from 'express';
import { z } from 'zod';
import { FLAG_POST_TYPES, FLAG_REASONS } from '../../models/flag';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { safeRedirectPath } from '../http/redirect';
import { ROLES, type Actor } from '../kernel/actor';
import { objectIdString, parseId, parseInput } from '../kernel/validate';
import type { Moderation } from './index';
import type { QueueItem, QueuePage } from './flags';

/**
 * Moderation routes, each page with its JSON twin (docs/moderation.md lists the API):
 * flags, the moderation queue and its actions, direct hide/delete/restore, restrictions of
 * members, and the users pages of the administration.
 */
const flagBody = z
  .object({
    postType: z.enum(FLAG_POST_TYPES),
    postId: objectIdString,
    reason: z.enum(FLAG_REASONS),
    text: z.string().trim().max(1000).optional(),
  })
  .refine((f) => f.reason !== 'other' || !!f.text, { message: 'Say what is wrong with the post.', path: ['text'] });

const queueQuery = z.object({
  kind: z
    .enum(['flagged', 'held'])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  after: z
    .string()
    .regex(/^[01]\|[0-9TZ:.+-]+\|[0-9a-f]{24}$/)
    .optional(),
});
const usersQuery = z.object({
  q: z.string().trim().max(254).default(''),
  role: z
    .enum(ROLES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  after: z.string().max(30).optional(),
});
const roleBody = z.object({ role: z.enum(ROLES) });
const usernameParam = z.string().trim().min(1).max(30);
const postTypeParam = z.enum(FLAG_POST_TYPES);

export function queueItemJson(i: QueueItem) {
  return {
    id: i.id,
    flagId: i.flagId,
    kind: i.kind,
    postType: i.postType,
    postId: i.postId,
    reasons: i.reasons,
    privateInformation: i.privateInformation,
    flagCount: i.flagCount,
    trustedFlagCount: i.trustedFlagCount,
    staffFlagged: i.staffFlagged,
    hiddenPendingReview: i.hiddenPendingReview,
    openedAt: i.openedAt,
    author: i.author,
    post: i.post
      ? {
          url: i.post.url,
          threadId: i.post.threadId,
          threadTitle: i.post.threadTitle,
          title: i.post.title,
          bodySource: i.post.bodySource,
          visibility: i.post.visibility,
          createdAt: i.post.createdAt,
        }
      : null,
    message: i.message
      ? {
          conversationId: i.message.conversationId,
          subject: i.message.subject,
          body: i.message.body,
          fieldLabels: i.message.fieldLabels,
          visibility: i.message.visibility,
        }
      : null,
    flags: i.flags,
    redactionSuggestions: i.redactionSuggestions,
  };
}

export function moderationEndpoints(moderation: Moderation): AnyEndpoint[] {
  const { flags, actions, restrictions, users } = moderation;
  const userPage = async (actor: Actor | null, username: string) => ({
    title: `Member: ${username}`,
    detail: await users.detail(actor, username),
  });
  const userForm = async (req: Request) => ({ view: 'admin/user', locals: await userPage(req.user ?? null, String(req.params.username)) });
  const queueLocals = (queue: QueuePage) => ({ title: 'Moderation queue', queue });
  const back = (req: Request, fallback: string) => safeRedirectPath((req.body as Record<string, unknown> | undefined)?.next, fallback);

  return [
    endpoint({
      page: 'POST /flags',
      api: 'POST /api/flags',
      access: 'user',
      limit: 'vote',
      input: (req) => ({ flag: parseInput(flagBody, req.body ?? {}), next: back(req, '/') }),
      run: ({ actor, input }) => flags.flag(actor, input.flag),
      html: (res, flag, { input }) => res.render('moderation/flagged', { title: 'Thanks for flagging', flag, next: input.next }),
      json: (flag) => ({ flag }),
      status: 201,
    }),
    endpoint({
      page: 'GET /moderation/queue',
      api: 'GET /api/moderation/queue',
      access: 'staff',
      input: (req) => parseInput(queueQuery, req.query),
      run: ({ input }) => flags.queue(input),
      html: (res, queue) => res.render('moderation/queue', queueLocals(queue)),
      json: (queue) => ({ items: queue.items.map(queueItemJson), next: queue.next }),
    }),
    endpoint({
      page: 'POST /moderation/flags/:id',
      api: 'POST /api/moderation/flags/:id',
      access: 'staff',
      input: (req) => ({ id: parseId(req.params.id), body: req.body ?? {}, next: back(req, '/moderation/queue') }),
      run: ({ actor, input }) => actions.handle(actor, input.id, input.body),
      html: (res, _out, { input }) => res.redirect(303, input.next),
      json: (handled) => ({ handled }),
      form: async () => ({ view: 'moderation/queue', locals: queueLocals(await flags.queue({})) }),
    }),
    endpoint({
      page: 'POST /moderation/posts/:postType/:id',
      api: 'POST /api/moderation/posts/:postType/:id',
      access: 'staff',
      input: (req) => ({
        postType: parseInput(postTypeParam, req.params.postType),
        id: parseId(req.params.id),
        body: req.body ?? {},
        next: back(req, '/moderation/queue'),
      }),
      run: ({ actor, input }) => actions.moderatePost(actor, input.postType, input.id, input.body),
      html: (res, _out, { input }) => res.redirect(303, input.next),
      json: (post) => ({ post }),
    }),
    endpoint({
      page: 'POST /users/:username/suspend',
      api: 'POST /api/users/:username/suspend',
      access: 'staff',
      input: (req) => ({ username: parseInput(usernameParam, req.params.username), body: req.body ?? {} }),
      run: ({ actor, input }) => restrictions.restrict(actor, input.username, 'suspend', input.body),
      html: (res, out) => res.redirect(303, `/admin/users/${encodeURIComponent(out.username)}`),
      json: (standing) => ({ standing }),
      form: userForm,
    }),
    endpoint({
      page: 'POST /users/:username/suspend/lift',
      api: 'DELETE /api/users/:username/suspend',
      access: 'staff',
      input: (req) => parseInput(usernameParam, req.params.username),
      run: ({ actor, input }) => restrictions.lift(actor, input, 'suspend'),
      html: (res, out) => res.redirect(303, `/admin/users/${encodeURIComponent(out.username)}`),
      json: (standing) => ({ standing }),
      form: userForm,
    }),
    endpoint({
      page: 'POST /users/:username/silence',
      api: 'POST /api/users/:username/silence',
      access: 'staff',
      input: (req) => ({ username: parseInput(usernameParam, req.params.username), body: req.body ?? {} }),
      run: ({ actor, input }) => restrictions.restrict(actor, input.username, 'silence', input.body),
      html: (res, out) => res.redirect(303, `/admin/users/${encodeURIComponent(out.username)}`),
      json: (standing) => ({ standing }),
      form: userForm,
    }),
    endpoint({
      page: 'POST /users/:username/silence/lift',
      api: 'DELETE /api/users/:username/silence',
      access: 'staff',
      input: (req) => parseInput(usernameParam, req.params.username),
      run: ({ actor, input }) => restrictions.lift(actor, input, 'silence'),
      html: (res, out) => res.redirect(303, `/admin/users/${encodeURIComponent(out.username)}`),
      json: (standing) => ({ standing }),
      form: userForm,
    }),
    endpoint({
      page: 'POST /users/:username/ban',
      api: 'POST /api/users/:username/ban',
      access: 'admin',
      input: (req) => ({ username: parseInput(usernameParam, req.params.username), body: req.body ?? {} }),
      run: ({ actor, input }) => restrictions.ban(actor, input.username, input.body),
      html: (res, out) => res.redirect(303, `/admin/users/${encodeURIComponent(out.username)}`),
      json: (standing) => ({ standing }),
      form: userForm,
    }),
    endpoint({
      page: 'POST /users/:username/ban/lift',
      api: 'DELETE /api/users/:username/ban',
      access: 'admin',
      input: (req) => parseInput(usernameParam, req.params.username),
      run: ({ actor, input }) => restrictions.unban(actor, input),
      html: (res, out) => res.redirect(303, `/admin/users/${encodeURIComponent(out.username)}`),
      json: (standing) => ({ standing }),
      form: userForm,
    }),
    endpoint({
      page: 'GET /admin/users',
      api: 'GET /api/admin/users',
      access: 'staff',
      input: (req) => parseInput(usersQuery, req.query),
      run: ({ actor, input }) => users.search(actor, input),
      html: (res, result) => res.render('admin/users', { title: 'Users', ...result }),
    }),
    endpoint({
      page: 'GET /admin/users/:username',
      api: 'GET /api/admin/users/:username',
      access: 'staff',
      input: (req) => parseInput(usernameParam, req.params.username),
      run: ({ actor, input }) => users.detail(actor, input),
      html: (res, detail) => res.render('admin/user', { title: `Member: ${detail.username}`, detail }),
      json: (user) => ({ user }),
    }),
    endpoint({
      page: 'POST /admin/users/:username/role',
      api: 'PATCH /api/admin/users/:username',
      access: 'admin',
      input: (req) => ({ username: parseInput(usernameParam, req.params.username), ...parseInput(roleBody, req.body ?? {}) }),
      run: ({ actor, input }) => users.changeRole(actor, input.username, input.role),
      html: (res, user) => res.redirect(303, `/admin/users/${encodeURIComponent(user.username)}`),
      json: (user) => ({ user }),
      form: userForm,
    }),
  ];
}
