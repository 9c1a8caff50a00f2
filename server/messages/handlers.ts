import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { actorOf } from '../http/guards';
import { AppError } from '../kernel/errors';
import { objectIdString, parseId, parseInput, stringList } from '../kernel/validate';
import { safeRedirectPath } from '../http/negotiate';
import { SECURE_FIELD_KINDS } from '../../models/message';
import { createMessageService } from './service';
import { createRedactionService } from './redactions';
import type { SecureFieldInput } from './secure-fields';

/**
 * Web handlers for private messages: parse and validate, ONE service call, then render
 * or answer JSON. Never log request bodies here: they can hold secure-field values.
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

const startSchema = z.object({
  to: z.preprocess(
    (v) => (typeof v === 'string' ? v.split(/[,\s]+/).filter(Boolean) : v),
    z.array(username).min(1, { message: 'needs at least one recipient' }).max(10),
  ),
  subject: z.string().trim().min(1).max(200),
  body: z.string().trim().max(20_000).default(''),
  threadId: optionalId,
  fields: z.array(fieldSchema).max(5).optional(),
});

const replySchema = z.object({
  body: z.string().trim().max(20_000).default(''),
  fields: z.array(fieldSchema).max(5).optional(),
});

const fromPostSchema = z.object({
  title: z.string().trim().max(200).optional(),
  body: z.string().trim().min(1).max(20_000),
  threadId: optionalId,
});

const breakGlassSchema = z.object({ reason: z.string().trim().min(10).max(500) });
const threadRefSchema = z.object({ threadId: objectIdString });
const draftQuerySchema = z.object({ thread: optionalId, to: z.string().trim().max(200).optional() });
const redactionSchema = z.object({
  postType: z.enum(['thread', 'reply']),
  postId: objectIdString,
  text: z.string().min(3).max(2000),
});
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

const isJson = (req: Request) => req.originalUrl.startsWith('/api/');
const bodyOf = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

/** The body with secure-field values dropped: safe to re-render in a form after an error. */
function withoutSecrets(body: Record<string, unknown>): Record<string, unknown> {
  const { secureValue: _v, fields: _f, _csrf: _c, ...rest } = body;
  return rest;
}

export function messageHandlers(ctx: AppContext) {
  const svc = createMessageService({ config: ctx.config, clock: ctx.clock });
  const redactions = createRedactionService({ clock: ctx.clock });

  return {
    async inbox(req: Request, res: Response) {
      const result = await svc.list(actorOf(req));
      if (isJson(req)) return void res.json(result);
      res.render('messages/inbox', { title: 'Messages', ...result, unreadMessages: result.unread });
    },

    async unread(req: Request, res: Response) {
      res.json({ unread: await svc.unreadCount(actorOf(req)) });
    },

    async newForm(req: Request, res: Response) {
      const q = parseInput(draftQuerySchema, req.query);
      const draft = await svc.draftFor(actorOf(req), { threadId: q.thread, to: q.to });
      res.render('messages/new', { title: 'New private message', draft: { ...draft, body: '' }, threadTitle: draft.threadTitle });
    },

    async start(req: Request, res: Response) {
      const raw = bodyOf(req);
      if (!isJson(req)) {
        req.formView = { view: 'messages/new', locals: { title: 'New private message', draft: withoutSecrets(raw), threadTitle: null } };
      }
      const input = parseInput(startSchema, isJson(req) ? raw : { ...raw, fields: formFields(raw) });
      const conversation = await svc.start(actorOf(req), input);
      if (isJson(req)) return void res.status(201).json({ conversation });
      res.redirect(303, `/messages/${conversation.id}`);
    },

    async show(req: Request, res: Response) {
      const id = parseId(req.params.id);
      const page = await svc.open(actorOf(req), { conversationId: id });
      if (isJson(req)) return void res.json({ conversation: page.conversation, messages: page.messages });
      res.render('messages/conversation', {
        title: page.conversation.subject,
        ...page,
        revealed: null,
        revealError: null,
        draft: { body: '' },
      });
    },

    async reply(req: Request, res: Response) {
      const id = parseId(req.params.id);
      const raw = bodyOf(req);
      if (!isJson(req)) {
        req.formView = { view: 'messages/reply', locals: { title: 'Reply', conversationId: id, draft: withoutSecrets(raw) } };
      }
      const input = parseInput(replySchema, isJson(req) ? raw : { ...raw, fields: formFields(raw) });
      const message = await svc.reply(actorOf(req), { conversationId: id, ...input });
      if (isJson(req)) return void res.status(201).json({ message });
      res.redirect(303, `/messages/${id}#m-${message.id}`);
    },

    async reveal(req: Request, res: Response) {
      const id = parseId(req.params.id);
      const fieldId = parseInput(fieldIdParam, req.params.fieldId);
      const out = await svc.reveal(actorOf(req), { conversationId: id, fieldId });
      if (isJson(req)) {
        if (out.ok) return void res.json({ value: out.value });
        if (out.reason === 'expired') throw new AppError(410, 'expired', 'This secure field has expired: ask for a new one.');
        throw new AppError(422, 'cannot_decrypt', 'This secure field cannot be decrypted.');
      }
      res.render('messages/conversation', {
        title: out.page.conversation.subject,
        ...out.page,
        revealed: out.ok ? { fieldId, value: out.value } : null,
        revealError: out.ok ? null : { fieldId, reason: out.reason },
        draft: { body: '' },
      });
    },

    async breakGlassForm(req: Request, res: Response) {
      const id = parseId(req.params.id);
      // Only admins get the form; it shows nothing about the conversation.
      if (actorOf(req)?.role !== 'admin') throw new AppError(404, 'not_found', 'That conversation does not exist.');
      res.render('messages/break-glass', { title: 'Break-glass access', conversationId: id, reason: '' });
    },

    async breakGlass(req: Request, res: Response) {
      const id = parseId(req.params.id);
      if (!isJson(req)) {
        req.formView = {
          view: 'messages/break-glass',
          locals: { title: 'Break-glass access', conversationId: id, reason: bodyOf(req).reason ?? '' },
        };
      }
      const { reason } = parseInput(breakGlassSchema, bodyOf(req));
      const grant = await svc.breakGlass(actorOf(req), { conversationId: id, reason });
      if (isJson(req)) return void res.status(201).json(grant);
      res.redirect(303, `/messages/${id}`);
    },

    async block(req: Request, res: Response) {
      const name = parseInput(username, req.params.username);
      const out = await svc.block(actorOf(req), { username: name });
      if (isJson(req)) return void res.json(out);
      res.redirect(303, safeRedirectPath(bodyOf(req).next, '/messages'));
    },

    async unblock(req: Request, res: Response) {
      const name = parseInput(username, req.params.username);
      const out = await svc.unblock(actorOf(req), { username: name });
      if (isJson(req)) return void res.json(out);
      res.redirect(303, safeRedirectPath(bodyOf(req).next, '/messages'));
    },

    async requestCertification(req: Request, res: Response) {
      const { threadId } = parseInput(threadRefSchema, bodyOf(req));
      const conversation = await svc.requestCertification(actorOf(req), { threadId });
      if (isJson(req)) return void res.status(201).json({ conversation });
      res.redirect(303, `/messages/${conversation.id}`);
    },

    async fromPost(req: Request, res: Response) {
      const input = parseInput(fromPostSchema, bodyOf(req));
      const conversation = await svc.sendFromPost(actorOf(req), input);
      if (isJson(req)) return void res.status(201).json({ conversation });
      res.redirect(303, `/messages/${conversation.id}`);
    },

    async redact(req: Request, res: Response) {
      const input = parseInput(redactionSchema, bodyOf(req));
      const out = await redactions.redact(actorOf(req), input);
      if (isJson(req)) return void res.json({ redaction: out });
      res.redirect(303, safeRedirectPath(bodyOf(req).next, '/'));
    },
  };
}
