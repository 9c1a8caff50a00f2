import type { Request } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError } from '../kernel/errors';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { assignBody, objectIdString, parseId, parseInput, stringList } from '../kernel/validate';
import { safeRedirectPath } from '../http/redirect';
import { SECURE_FIELD_KINDS } from '../../models/message';
import type { MessageService } from './service';
import type { SecureFieldInput } from './secure-fields';
import type { TakenReveals } from './reveal';
import { SUPPORT_FILTERS } from './support';

/**
 * Private message routes: pages and their JSON twins. Every response may hold a secure
 * field, so none is ever cached (noStore). A conversation the actor may not read is a 404 on
 * every route. Never log request bodies here: they can hold secure-field values.
 */

const optionalId = z.preprocess((v) => (v === '' ? undefined : v), objectIdString.optional());
const username = z.string().trim().min(1).max(30);

const fieldSchema = z
  .object({
    kind: z.enum(SECURE_FIELD_KINDS).optional(),
    label: z.string().trim().max(80).optional(),
    value: z.string().trim().min(1).max(200),
    expiresInDays: z.coerce.number().int().min(1).max(365).optional(),
  })
  .refine((f) => (f.kind !== undefined && f.kind !== 'other' ? true : !!f.label), {
    message: 'needs a label',
    path: ['label'],
  });

/** A form checkbox ("1", "on") or a JSON boolean. */
const flag = z.preprocess((v) => v === true || v === '1' || v === 'on' || v === 'true', z.boolean());

const startSchema = z
  .object({
    to: z.preprocess((v) => (typeof v === 'string' ? v.split(/[,\s]+/).filter(Boolean) : (v ?? [])), z.array(username).max(10)),
    /** Write to the support team (the shared inbox) instead of named people. */
    toSupport: flag.default(false),
    subject: z.string().trim().min(1).max(200),
    body: z.string().trim().max(20_000).default(''),
    threadId: optionalId,
    fields: z.array(fieldSchema).max(5).optional(),
  })
  .refine((v) => v.toSupport || v.to.length > 0, { message: 'needs at least one recipient, or Support', path: ['to'] });

const replySchema = z.object({
  body: z.string().trim().max(20_000).default(''),
  fields: z.array(fieldSchema).max(5).optional(),
  /** Staff on a support conversation: a note only the team sees. */
  internal: flag.default(false),
});

const inboxQuery = z.object({
  q: z.string().trim().max(100).default(''),
  before: z.string().max(60).optional(),
});
const supportInboxQuery = inboxQuery.extend({ filter: z.enum(SUPPORT_FILTERS).default('all') });
const statusSchema = z.object({ status: z.enum(['open', 'closed']) });

const fromPostSchema = z.object({
  title: z.string().trim().max(200).optional(),
  body: z.string().trim().min(1).max(20_000),
  threadId: optionalId,
});

const breakGlassSchema = z.object({ reason: z.string().trim().min(10).max(500) });
const threadRefSchema = z.object({ threadId: objectIdString });
const draftQuerySchema = z.object({ thread: optionalId, to: z.string().trim().max(200).optional() });
const fieldIdParam = z.string().regex(/^[0-9a-f]{16}$/);

/**
 * HTML forms cannot send nested objects (urlencoded, extended: false): a secure field comes
 * as parallel lists `secureKind`/`secureLabel`/`secureValue`/`secureExpiresInDays`; rows
 * with an empty value are skipped.
 */
const formFieldsSchema = z.object({
  secureKind: stringList(5),
  secureLabel: stringList(5),
  secureValue: stringList(5),
  secureExpiresInDays: stringList(5),
});
function formFields(body: unknown): SecureFieldInput[] | undefined {
  const f = parseInput(formFieldsSchema, body);
  const rows = f.secureValue
    .map((value, i) => ({
      kind: f.secureKind[i] || undefined,
      label: f.secureLabel[i] || undefined,
      value,
      expiresInDays: f.secureExpiresInDays[i] || undefined,
    }))
    .filter((r) => r.value.trim() !== '');
  // Still untrusted strings: startSchema/replySchema validate kinds and numbers.
  return rows.length ? (rows as unknown as SecureFieldInput[]) : undefined;
}

const bodyOf = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

/** The body with secure-field values dropped: safe to re-render in a form after an error. */
function withoutSecrets(body: Record<string, unknown>): Record<string, unknown> {
  const { secureValue: _v, fields: _f, _csrf: _c, ...rest } = body;
  return rest;
}

/** Start and reply take nested `fields` from JSON, parallel lists from HTML forms. */
const withFields = (req: Request, kind: 'page' | 'api') =>
  kind === 'api' ? bodyOf(req) : { ...bodyOf(req), fields: formFields(bodyOf(req)) };

export function messageEndpoints(svc: MessageService): AnyEndpoint[] {
  const noReveals: TakenReveals = { revealed: {}, errors: {} };
  const conversationLocals = (page: Awaited<ReturnType<MessageService['open']>>, reveals: TakenReveals = noReveals) => ({
    title: page.conversation.subject,
    ...page,
    revealed: reveals.revealed,
    revealErrors: reveals.errors,
    draft: { body: '' },
  });
  const common = { access: 'user', noStore: true } as const;
  return [
    endpoint({
      ...common,
      page: 'GET /messages',
      api: 'GET /api/messages',
      input: (req) => parseInput(inboxQuery, req.query),
      run: ({ actor, input }) => svc.list(actor, input),
      html: (res, result) => res.render('messages/inbox', { title: 'Messages', ...result, unreadMessages: result.unread }),
    }),
    endpoint({
      ...common,
      access: 'staff',
      page: 'GET /support/inbox',
      api: 'GET /api/support/inbox',
      input: (req) => parseInput(supportInboxQuery, req.query),
      run: ({ actor, input }) => svc.supportInbox(actor, input),
      html: (res, result) => res.render('messages/support-inbox', { title: 'Support inbox', ...result }),
    }),
    endpoint({
      ...common,
      access: 'staff',
      page: 'POST /messages/:id/assign',
      api: 'POST /api/messages/:id/assign',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(assignBody, bodyOf(req)) }),
      run: ({ actor, input }) => svc.assignConversation(actor, input.id, { username: input.username }),
      html: (res, conversation) => res.redirect(303, `/messages/${conversation.id}`),
      json: (conversation) => ({ conversation }),
    }),
    endpoint({
      ...common,
      access: 'staff',
      page: 'POST /messages/:id/status',
      api: 'POST /api/messages/:id/status',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(statusSchema, bodyOf(req)) }),
      run: ({ actor, input }) => svc.setConversationStatus(actor, input.id, input.status),
      html: (res, conversation) => res.redirect(303, `/messages/${conversation.id}`),
      json: (conversation) => ({ conversation }),
    }),
    endpoint({
      ...common,
      api: 'GET /api/messages/unread',
      run: async ({ actor }) => ({ unread: await svc.unreadCount(actor) }),
    }),
    endpoint({
      ...common,
      page: 'GET /messages/new',
      input: (req) => parseInput(draftQuerySchema, req.query),
      run: ({ actor, input }) => svc.draftFor(actor, { threadId: input.thread, to: input.to }),
      html: (res, draft) =>
        res.render('messages/new', { title: 'New private message', draft: { ...draft, body: '' }, threadTitle: draft.threadTitle }),
    }),
    endpoint({
      ...common,
      page: 'POST /messages',
      api: 'POST /api/messages',
      limit: 'message',
      input: (req, kind) => parseInput(startSchema, withFields(req, kind)),
      run: ({ actor, input }) => svc.start(actor, input),
      html: (res, conversation) => res.redirect(303, `/messages/${conversation.id}`),
      json: (conversation) => ({ conversation }),
      status: 201,
      form: (req) => ({
        view: 'messages/new',
        locals: { title: 'New private message', draft: withoutSecrets(bodyOf(req)), threadTitle: null },
      }),
      // A new conversation's files belong to its sender until the message is sent.
      attach: { scope: 'private' },
    }),
    endpoint({
      ...common,
      page: 'POST /messages/from-post',
      api: 'POST /api/messages/from-post',
      limit: 'message',
      input: (req) => parseInput(fromPostSchema, bodyOf(req)),
      run: ({ actor, input }) => svc.sendFromPost(actor, input),
      html: (res, conversation) => res.redirect(303, `/messages/${conversation.id}`),
      json: (conversation) => ({ conversation }),
      status: 201,
    }),
    endpoint({
      ...common,
      page: 'POST /messages/request-certification',
      api: 'POST /api/messages/request-certification',
      limit: 'message',
      input: (req) => parseInput(threadRefSchema, bodyOf(req)),
      run: ({ actor, input }) => svc.requestCertification(actor, input),
      html: (res, conversation) => res.redirect(303, `/messages/${conversation.id}`),
      json: ({ reused, ...conversation }) => ({ conversation, reused }),
      status: 201,
    }),
    endpoint({
      ...common,
      page: 'POST /messages/block/:username',
      api: 'POST /api/messages/block/:username',
      input: (req) => ({ username: parseInput(username, req.params.username), next: bodyOf(req).next }),
      run: ({ actor, input }) => svc.block(actor, { username: input.username }),
      html: (res, _out, { input }) => res.redirect(303, safeRedirectPath(input.next, '/messages')),
    }),
    endpoint({
      ...common,
      page: 'POST /messages/unblock/:username',
      api: 'POST /api/messages/unblock/:username',
      input: (req) => ({ username: parseInput(username, req.params.username), next: bodyOf(req).next }),
      run: ({ actor, input }) => svc.unblock(actor, { username: input.username }),
      html: (res, _out, { input }) => res.redirect(303, safeRedirectPath(input.next, '/messages')),
    }),
    endpoint({
      ...common,
      page: 'GET /messages/:id',
      input: (req) => parseId(req.params.id),
      // The page takes the reveals granted by a POST just before (shown in this view only).
      run: async ({ actor, input }) => ({
        page: await svc.open(actor, { conversationId: input }),
        reveals: await svc.takeReveals(actor, input),
      }),
      html: (res, { page, reveals }) => res.render('messages/conversation', conversationLocals(page, reveals)),
    }),
    endpoint({
      ...common,
      api: 'GET /api/messages/:id',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => svc.open(actor, { conversationId: input }),
      json: (page) => ({ conversation: page.conversation, messages: page.messages, readOnly: page.readOnly }),
    }),
    endpoint({
      ...common,
      page: 'POST /messages/:id',
      api: 'POST /api/messages/:id',
      limit: 'message',
      input: (req, kind) => ({ conversationId: parseId(req.params.id), ...parseInput(replySchema, withFields(req, kind)) }),
      run: ({ actor, input }) => svc.reply(actor, input),
      html: (res, message, { input }) => res.redirect(303, `/messages/${input.conversationId}#m-${message.id}`),
      json: (message) => ({ message }),
      status: 201,
      form: (req) => ({
        view: 'messages/reply',
        locals: { title: 'Reply', conversationId: String(req.params.id), draft: withoutSecrets(bodyOf(req)) },
      }),
      attach: { scope: 'private', conversationId: (req) => String(req.params.id) },
    }),
    endpoint({
      ...common,
      // POST-redirect-GET (server/messages/reveal.ts): Back and reload never post or reveal again.
      page: 'POST /messages/:id/fields/:fieldId/reveal',
      input: (req) => ({ conversationId: parseId(req.params.id), fieldId: parseInput(fieldIdParam, req.params.fieldId) }),
      run: ({ actor, input }) => svc.grantReveal(actor, input),
      html: (res, out) => res.redirect(303, `/messages/${out.conversationId}#f-${out.fieldId}`),
    }),
    endpoint({
      ...common,
      api: 'POST /api/messages/:id/fields/:fieldId/reveal',
      input: (req) => ({ conversationId: parseId(req.params.id), fieldId: parseInput(fieldIdParam, req.params.fieldId) }),
      run: ({ actor, input }) => svc.reveal(actor, input),
      json: (out) => {
        if (out.ok) return { value: out.value };
        if (out.reason === 'expired') throw new AppError(410, 'expired', 'This secure field has expired: ask for a new one.');
        throw new AppError(422, 'cannot_decrypt', 'This secure field cannot be decrypted.');
      },
    }),
    endpoint({
      ...common,
      page: 'GET /messages/:id/break-glass',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => {
        // Only admins get the form; it shows nothing about the conversation.
        if (actor?.role !== 'admin') throw new NotFoundError('That conversation does not exist.');
        return input;
      },
      html: (res, id) => res.render('messages/break-glass', { title: 'Break-glass access', conversationId: id, reason: '' }),
    }),
    endpoint({
      ...common,
      page: 'POST /messages/:id/break-glass',
      api: 'POST /api/messages/:id/break-glass',
      input: (req) => ({ conversationId: parseId(req.params.id), ...parseInput(breakGlassSchema, bodyOf(req)) }),
      run: ({ actor, input }) => svc.breakGlass(actor, input),
      html: (res, _grant, { input }) => res.redirect(303, `/messages/${input.conversationId}`),
      status: 201,
      form: (req) => ({
        view: 'messages/break-glass',
        locals: {
          title: 'Break-glass access',
          conversationId: String(req.params.id),
          reason: typeof bodyOf(req).reason === 'string' ? bodyOf(req).reason : '',
        },
      }),
    }),
  ];
}
