import { Router } from 'express';
import type { AppContext } from '../context';
import { requireUser } from '../http/guards';
import { noStore } from '../http/security';
import { messageHandlers } from './handlers';

/**
 * Private messages, secure fields and moderator redactions. Every /messages and
 * /api/messages response may hold a secure field, so none of them is ever cached.
 * A conversation the actor may not read is a 404 on every route, page and JSON alike.
 */
export function messageRoutes(ctx: AppContext): Router {
  const r = Router();
  const h = messageHandlers(ctx);
  const { csrf } = ctx;
  const limit = ctx.limit('message');

  r.use(['/messages', '/api/messages'], noStore);

  r.get('/messages', requireUser, h.inbox);
  r.get('/messages/new', requireUser, h.newForm);
  r.post('/messages', requireUser, csrf, limit, h.start);
  r.post('/messages/from-post', requireUser, csrf, limit, h.fromPost);
  r.post('/messages/request-certification', requireUser, csrf, limit, h.requestCertification);
  r.post('/messages/block/:username', requireUser, csrf, h.block);
  r.post('/messages/unblock/:username', requireUser, csrf, h.unblock);
  r.get('/messages/:id', requireUser, h.show);
  r.post('/messages/:id', requireUser, csrf, limit, h.reply);
  r.post('/messages/:id/fields/:fieldId/reveal', requireUser, csrf, h.reveal);
  r.get('/messages/:id/break-glass', requireUser, h.breakGlassForm);
  r.post('/messages/:id/break-glass', requireUser, csrf, h.breakGlass);
  r.post('/redactions', requireUser, csrf, h.redact);

  r.get('/api/messages', requireUser, h.inbox);
  r.get('/api/messages/unread', requireUser, h.unread);
  r.post('/api/messages', requireUser, csrf, limit, h.start);
  r.post('/api/messages/from-post', requireUser, csrf, limit, h.fromPost);
  r.post('/api/messages/request-certification', requireUser, csrf, limit, h.requestCertification);
  r.post('/api/messages/block/:username', requireUser, csrf, h.block);
  r.post('/api/messages/unblock/:username', requireUser, csrf, h.unblock);
  r.get('/api/messages/:id', requireUser, h.show);
  r.post('/api/messages/:id', requireUser, csrf, limit, h.reply);
  r.post('/api/messages/:id/fields/:fieldId/reveal', requireUser, csrf, h.reveal);
  r.post('/api/messages/:id/break-glass', requireUser, csrf, h.breakGlass);
  r.post('/api/redactions', requireUser, csrf, h.redact);

  return r;
}
