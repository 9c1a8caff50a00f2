import { Router } from 'express';
import type { AppContext } from '../context';
import { requireAdmin, requireStaff, requireUser } from '../http/guards';
import { pages, unlessPreview } from './pages';
import { api } from './api';

/** Thread routes: one line each — path, guards, handler. */
export function threadRoutes(ctx: AppContext): Router {
  const r = Router();
  const p = pages(ctx);
  const a = api(ctx);
  const { csrf } = ctx;
  const post = ctx.limit('post');
  const question = ctx.limit('question');

  // Pages
  r.get('/', p.list);
  r.get('/threads', p.list);
  r.get('/ask', requireUser, p.askPage);
  r.post('/ask', requireUser, csrf, unlessPreview(question), p.askSubmit);
  r.get('/threads/:id/edit', requireUser, p.editThreadPage);
  r.post('/threads/:id/edit', requireUser, csrf, post, p.editThreadSubmit);
  r.get('/threads/:id{/:slug}', p.threadPage);
  r.post('/threads/:id/replies', requireUser, csrf, post, p.replySubmit);
  r.post('/threads/:id/accept', requireUser, csrf, p.accept);
  r.post('/threads/:id/unaccept', requireUser, csrf, p.unaccept);
  r.post('/threads/:id/lock', requireStaff, csrf, p.lock);
  r.post('/threads/:id/unlock', requireStaff, csrf, p.unlock);
  r.get('/replies/:id/edit', requireUser, p.editReplyPage);
  r.post('/replies/:id/edit', requireUser, csrf, post, p.editReplySubmit);
  r.get('/admin/products', requireAdmin, p.productsPage);
  r.post('/admin/products', requireAdmin, csrf, p.productCreate);
  r.post('/admin/products/:id', requireAdmin, csrf, p.productRename);
  r.post('/admin/products/:id/delete', requireAdmin, csrf, p.productRemove);

  // JSON API
  r.get('/api/products', a.products);
  r.post('/api/products', requireAdmin, csrf, a.productCreate);
  r.patch('/api/products/:id', requireAdmin, csrf, a.productRename);
  r.delete('/api/products/:id', requireAdmin, csrf, a.productRemove);
  r.get('/api/threads', a.list);
  r.post('/api/threads', requireUser, csrf, question, a.create);
  r.get('/api/threads/:id', a.show);
  r.patch('/api/threads/:id', requireUser, csrf, post, a.edit);
  r.post('/api/threads/:id/replies', requireUser, csrf, post, a.reply);
  r.post('/api/threads/:id/accept', requireUser, csrf, a.accept);
  r.delete('/api/threads/:id/accept', requireUser, csrf, a.unaccept);
  r.post('/api/threads/:id/lock', requireStaff, csrf, a.lock);
  r.delete('/api/threads/:id/lock', requireStaff, csrf, a.unlock);
  r.patch('/api/replies/:id', requireUser, csrf, post, a.editReply);
  return r;
}
