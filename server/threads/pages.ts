import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../context';
import { actorOf } from '../http/guards';
import { AppError, NotFoundError } from '../kernel/errors';
import { linkedConversationsFor } from '../messages/service';
import { parseId, parseInput } from '../kernel/validate';
import { renderMarkdown } from '../markdown/render';
import { supportRulesFor } from '../support/settings';
import * as threads from './service';
import {
  askForm,
  BODY_MAX,
  lockBody,
  acceptBody,
  listQuery,
  productBody,
  replyBody,
  threadEdit,
  threadPageQuery,
  TITLE_MAX,
  BODY_MIN,
  TITLE_MIN,
} from './schemas';
import { fmt } from './format';
import { STATUS_LABELS, threadUrl } from './present';
import { cacheKey, generation, peekHtml, storeHtml } from './page-cache';
import { votesForReplies } from '../feedback/service';
import { parseFeedbackFlash } from '../feedback/present';
import { similarThreads, type SimilarThread } from '../search/service';

/**
 * HTML handlers: parse input, make ONE service call, render or redirect. Forms are
 * re-rendered with what the user typed on any error (req.formView, see
 * server/http/error-handler.ts).
 */

const HEX24 = /^[0-9a-fA-F]{24}$/;
const limits = { TITLE_MIN, TITLE_MAX, BODY_MIN, BODY_MAX };

function common(ctx: AppContext) {
  const { calendar } = supportRulesFor(ctx.config);
  return { fmt, now: ctx.clock.now(), STATUS_LABELS, supportDeadline: (d: Date) => calendar.formatLocal(d) };
}

export function pages(ctx: AppContext) {
  const list: RequestHandler = async (req, res) => {
    const q = parseInput(listQuery, req.query);
    const [data, products] = await Promise.all([threads.listThreads(actorOf(req), q), threads.listProducts()]);
    res.render('threads/list', { ...common(ctx), title: data.status ? STATUS_LABELS[data.status] : 'Questions', list: data, products });
  };

  async function askLocals(
    req: Request,
    form: { title: string; body: string; products: string[] },
    preview: string | null = null,
    similar: SimilarThread[] = [],
  ) {
    return { ...common(ctx), title: 'Ask a question', form, products: await threads.listProducts(), preview, limits, similar };
  }

  const askPage: RequestHandler = async (req, res) => {
    res.render('threads/ask', await askLocals(req, { title: '', body: '', products: [] }));
  };

  const askSubmit: RequestHandler = async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const form = {
      title: typeof b.title === 'string' ? b.title.slice(0, TITLE_MAX * 2) : '',
      body: typeof b.body === 'string' ? b.body.slice(0, BODY_MAX * 2) : '',
      products: (Array.isArray(b.products) ? b.products : [b.products]).filter((p): p is string => typeof p === 'string'),
    };
    if (b.intent === 'preview') {
      const preview = form.body.trim() ? renderMarkdown(form.body.slice(0, BODY_MAX)) : '';
      // No-JS users get the "Similar questions" list here (public/js/similar.js does it live).
      const similar = await similarThreads(actorOf(req), { title: form.title.slice(0, TITLE_MAX) });
      return res.render('threads/ask', await askLocals(req, form, preview, similar));
    }
    req.formView = { view: 'threads/ask', locals: await askLocals(req, form) };
    const input = parseInput(askForm, b);
    const thread = await threads.createThread(actorOf(req), input, ctx.clock);
    res.redirect(303, thread.url);
  };

  const threadPage: RequestHandler = async (req, res) => {
    const id = req.params.id as string;
    if (!HEX24.test(id)) throw new NotFoundError('That thread does not exist.');
    const q = parseInput(threadPageQuery, req.query);
    const actor = actorOf(req);
    const slug = req.params.slug as string | undefined;
    const view = () => threads.recordView(actor, id, { ip: req.ip ?? '', userAgent: req.get('user-agent') }, ctx.clock);

    // Anonymous readers all see the same page: serve it from the short-lived HTML cache
    // (page-cache.ts; dropped on every write to the thread in this process).
    const htmlKey = actor ? null : `${cacheKey(id, q.page)}|html`;
    if (htmlKey) {
      const hit = peekHtml(htmlKey);
      if (hit && (slug === undefined || slug === hit.slug)) {
        view();
        res.type('html').send(hit.html);
        return;
      }
    }

    const gen = generation(id);
    const page = await threads.getThreadPage(actor, id, q);
    if (slug !== undefined && slug !== page.thread.slug) {
      return res.redirect(301, `${page.thread.url}${q.page > 1 ? `?page=${q.page}` : ''}`);
    }
    if (view()) page.thread.views += 1;
    // The reader's own votes for the replies on this page: one query (none for anonymous readers).
    const [pmLinked, feedbackVotes] = await Promise.all([
      linkedConversationsFor(actor, id),
      votesForReplies(
        actor,
        page.replies.map((r) => r.id),
      ),
    ]);
    // The no-JS "thanks" message (?fb=<replyId>:<kind>); never for anonymous pages, which are cached.
    const feedbackFlash = actor ? parseFeedbackFlash(req.query.fb) : null;
    res.render(
      'threads/thread',
      { ...common(ctx), title: page.thread.title, page, pmLinked, feedbackVotes, feedbackFlash, replyDraft: '' },
      (err: Error | null, html: string) => {
        if (err) return req.next?.(err);
        if (htmlKey && generation(id) === gen) storeHtml(htmlKey, { html, slug: page.thread.slug });
        res.type('html').send(html);
      },
    );
  };

  /** On a failed reply the thread page comes back with the draft and the message. */
  const replySubmit: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const actor = actorOf(req);
    const draft = typeof req.body?.body === 'string' ? (req.body.body as string).slice(0, BODY_MAX * 2) : '';
    try {
      const input = parseInput(replyBody, req.body);
      const created = await threads.createReply(actor, id, input, ctx.clock);
      res.redirect(303, created.url);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.status === 404 || err.status === 429) throw err;
      const page = await threads.getThreadPage(actor, id, {});
      res.status(err.status).render('threads/thread', {
        ...common(ctx),
        title: page.thread.title,
        page,
        replyDraft: draft,
        error: err.message,
        errorCode: err.code,
        details: err.details ?? {},
        fieldErrors: (err as { fields?: Record<string, string> }).fields ?? {},
      });
    }
  };

  const editThreadPage: RequestHandler = async (req, res) => {
    const t = await threads.getThreadForEdit(actorOf(req), parseId(req.params.id));
    res.render('threads/edit', {
      ...common(ctx),
      title: 'Edit question',
      kind: 'thread',
      form: t,
      action: `/threads/${t.id}/edit`,
      back: threadUrl(t.id, t.slug),
      limits,
    });
  };

  const editThreadSubmit: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const form = { id, title: typeof b.title === 'string' ? b.title : '', body: typeof b.body === 'string' ? b.body : '' };
    req.formView = {
      view: 'threads/edit',
      locals: {
        ...common(ctx),
        title: 'Edit question',
        kind: 'thread',
        form,
        action: `/threads/${id}/edit`,
        back: `/threads/${id}`,
        limits,
      },
    };
    const input = parseInput(threadEdit, { title: b.title, body: b.body });
    const thread = await threads.editThread(actorOf(req), id, input, ctx.clock);
    res.redirect(303, thread.url);
  };

  const editReplyPage: RequestHandler = async (req, res) => {
    const r = await threads.getReplyForEdit(actorOf(req), parseId(req.params.id));
    res.render('threads/edit', {
      ...common(ctx),
      title: 'Edit reply',
      kind: 'reply',
      form: r,
      action: `/replies/${r.id}/edit`,
      back: `${r.threadUrl}#reply-${r.id}`,
      limits,
    });
  };

  const editReplySubmit: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const form = { id, body: typeof b.body === 'string' ? b.body : '' };
    req.formView = {
      view: 'threads/edit',
      locals: { ...common(ctx), title: 'Edit reply', kind: 'reply', form, action: `/replies/${id}/edit`, back: '/', limits },
    };
    const input = parseInput(replyBody, { body: b.body });
    const reply = await threads.editReply(actorOf(req), id, input, ctx.clock);
    res.redirect(303, `/threads/${reply.threadId}#reply-${reply.id}`);
  };

  const accept: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const { replyId } = parseInput(acceptBody, req.body);
    const thread = await threads.acceptAnswer(actorOf(req), id, replyId, ctx.clock);
    res.redirect(303, `${thread.url}#reply-${replyId}`);
  };

  const unaccept: RequestHandler = async (req, res) => {
    const thread = await threads.unacceptAnswer(actorOf(req), parseId(req.params.id), ctx.clock);
    res.redirect(303, thread.url);
  };

  const lock: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const { reason } = parseInput(lockBody, req.body);
    const thread = await threads.lockThread(actorOf(req), id, { note: reason }, ctx.clock);
    res.redirect(303, thread.url);
  };

  const unlock: RequestHandler = async (req, res) => {
    const thread = await threads.unlockThread(actorOf(req), parseId(req.params.id), ctx.clock);
    res.redirect(303, thread.url);
  };

  async function productsLocals(form: { name: string } = { name: '' }) {
    return { ...common(ctx), title: 'Products', products: await threads.listProducts(), form };
  }

  const productsPage: RequestHandler = async (_req, res) => {
    res.render('admin/products', await productsLocals());
  };

  const productCreate: RequestHandler = async (req, res) => {
    const name = typeof req.body?.name === 'string' ? (req.body.name as string) : '';
    req.formView = { view: 'admin/products', locals: await productsLocals({ name }) };
    await threads.createProduct(actorOf(req), parseInput(productBody, req.body));
    res.redirect(303, '/admin/products');
  };

  const productRename: RequestHandler = async (req, res) => {
    req.formView = { view: 'admin/products', locals: await productsLocals() };
    const id = parseId(req.params.id);
    await threads.renameProduct(actorOf(req), id, parseInput(productBody, req.body));
    res.redirect(303, '/admin/products');
  };

  const productRemove: RequestHandler = async (req, res) => {
    req.formView = { view: 'admin/products', locals: await productsLocals() };
    await threads.removeProduct(actorOf(req), parseId(req.params.id));
    res.redirect(303, '/admin/products');
  };

  return {
    list,
    askPage,
    askSubmit,
    threadPage,
    replySubmit,
    editThreadPage,
    editThreadSubmit,
    editReplyPage,
    editReplySubmit,
    accept,
    unaccept,
    lock,
    unlock,
    productsPage,
    productCreate,
    productRename,
    productRemove,
  };
}

/** The question limiter, except for "Preview", which stores nothing. */
export function unlessPreview(limiter: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next) => {
    if ((req.body as Record<string, unknown> | undefined)?.intent === 'preview') return next();
    return limiter(req, res, next);
  };
}
