import type { Request } from 'express';
import type { Actor } from '../kernel/actor';
import { NotFoundError } from '../kernel/errors';
import { z } from 'zod';
import { assignBody, objectIdString, parseId, parseInput } from '../kernel/validate';
import { safeRedirectPath } from '../http/redirect';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { PagePieces } from '../http/page-pieces';
import type { Threads } from './index';
import { parsePostImageOptions, type PostImageOptions } from '../uploads';
import type { AppError } from '../kernel/errors';
import {
  acceptBody,
  askForm,
  askJson,
  BODY_MAX,
  BODY_MIN,
  duplicateBody,
  listQuery,
  lockBody,
  moveBody,
  postTypeParam,
  productBody,
  replyBody,
  threadEdit,
  threadPageQuery,
  TITLE_MAX,
  TITLE_MIN,
  unlockBody,
} from './schemas';
import { replyJson, threadJson, threadSummaryJson, threadUrl, STATUS_LABELS } from './present';

const HEX24 = /^[0-9a-fA-F]{24}$/;
const redactionSchema = z.object({
  postType: z.enum(['thread', 'reply']),
  postId: objectIdString,
  text: z.string().min(3).max(2000),
});
const limits = { TITLE_MIN, TITLE_MAX, BODY_MIN, BODY_MAX };

/** What other domains add to thread pages (wired in server/compose.ts; threads imports none of them). */
export interface ThreadPageExtras {
  /**
   * Per-viewer locals of a thread page: linked conversations, the reader's own votes, watch
   * state, flash messages. `thread`: the page's thread (what it already read of it).
   */
  viewerLocals(
    actor: Actor | null,
    thread: { id: string; sameQuestionCount: number },
    replyIds: string[],
    query: Request['query'],
  ): Promise<Record<string, unknown>>;
  /** "Similar questions" for the ask form's preview (no-JS path). */
  similar(actor: Actor | null, title: string): Promise<Array<{ id: string; title: string; url: string; status: string }>>;
}

type AskForm = { title: string; body: string; products: string[] };
type AskIn =
  | { preview: AskForm; ask?: undefined }
  | { ask: { title: string; body: string; products: string[]; images: PostImageOptions }; preview?: undefined };

/** A form field as typed, for showing it again: strings only, never an object a client sent. */
const typed = (v: unknown, max: number): string => (typeof v === 'string' ? v.slice(0, max) : '');

/** The body to show again: the guard's (after blurring an image its references changed), else as typed. */
const bodyAgain = (req: Request, err: AppError | null): string =>
  typeof err?.details?.body === 'string' ? err.details.body : typed(req.body?.body, BODY_MAX * 2);

/** Images in a public post's forms: uploaded without JavaScript through the form itself. */
const PUBLIC_ATTACH = { scope: 'public' } as const;

/**
 * Thread, reply and product routes: each page with its JSON twin where one exists. Page
 * locals shared by every page (fmt, now, STATUS_LABELS, the support deadline formatter) come
 * from server/app.ts.
 */
export function threadEndpoints(threads: Threads, extras: ThreadPageExtras): AnyEndpoint[] {
  const askLocals = async (
    form: { title: string; body: string; products: string[] },
    preview: string | null = null,
    similar: unknown[] = [],
  ) => ({
    title: 'Ask a question',
    form,
    products: await threads.products.list(),
    preview,
    limits,
    similar,
  });
  const askFormOf = (req: Request) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    return {
      title: typed(b.title, TITLE_MAX * 2),
      body: typed(b.body, BODY_MAX * 2),
      products: (Array.isArray(b.products) ? b.products : [b.products]).filter((p): p is string => typeof p === 'string'),
    };
  };
  const productsLocals = async (form: { name: string } = { name: '' }) => ({
    title: 'Products',
    products: await threads.products.list(),
    form,
  });
  // `threadId`: for the guard panel's "Send privately to support" (linked to the question).
  const editThreadLocals = (id: string, form: { title: string; body: string }, back: string) => ({
    title: 'Edit question',
    kind: 'thread',
    form: { id, ...form },
    action: `/threads/${id}/edit`,
    back,
    threadId: id,
    limits,
  });
  const editReplyLocals = (id: string, body: string, back: string, threadId: string | null) => ({
    title: 'Edit reply',
    kind: 'reply',
    form: { id, body },
    action: `/replies/${id}/edit`,
    back,
    threadId,
    limits,
  });

  /** The thread page for one reader: cached HTML for anonymous readers, per-viewer locals otherwise. */
  async function threadPageLocals(actor: Actor | null, id: string, page: number, query: Request['query']) {
    const data = await threads.getThreadPage(actor, id, { page });
    const viewer = await extras.viewerLocals(
      actor,
      { id, sameQuestionCount: data.thread.sameQuestionCount },
      data.replies.map((r) => r.id),
      query,
    );
    // After "Did this solve your problem?" No (a redirect with ?said=no): ask what still goes wrong.
    const notSolvedFlash = !!actor && query.said === 'no';
    // Staff get the product list for "Move to other products".
    const allProducts = data.can.manage ? await threads.products.list() : [];
    return { title: data.thread.title, page: data, replyDraft: '', notSolvedFlash, allProducts, ...viewer };
  }

  return [
    endpoint({
      page: ['GET /', 'GET /threads'],
      api: 'GET /api/threads',
      access: 'public',
      input: (req) => parseInput(listQuery, req.query),
      run: ({ actor, input }) => Promise.all([threads.listThreads(actor, input), threads.products.list()]),
      html: (res, [list, products]) =>
        res.render('threads/list', { title: list.status ? STATUS_LABELS[list.status] : 'Questions', list, products }),
      json: ([list]) => ({
        threads: list.threads.map(threadSummaryJson),
        page: list.page,
        pages: list.pages,
        total: list.total,
        totalCapped: list.totalCapped,
        next: list.next,
      }),
    }),
    endpoint({
      page: 'GET /ask',
      access: 'user',
      run: () => askLocals({ title: '', body: '', products: [] }),
      html: (res, locals) => res.render('threads/ask', locals),
    }),
    // "Preview" (the page form's button) stores nothing, so it is not counted against the
    // question limit; it renders Markdown, so it has a limit of its own, and the form comes back
    // with the draft after a 429 too (it costs one cached products list). The API twin has no
    // preview: whatever its body says, it asks a question.
    endpoint({
      page: 'POST /ask',
      api: 'POST /api/threads',
      access: 'user',
      limit: (req: Request) => (!req.api && req.body?.intent === 'preview' ? 'preview' : 'question'),
      formOnLimit: true,
      input: (req, kind): AskIn => {
        if (kind === 'page' && req.body?.intent === 'preview') return { preview: askFormOf(req) };
        return { ask: { ...parseInput(kind === 'api' ? askJson : askForm, req.body), images: parsePostImageOptions(req.body, kind) } };
      },
      run: async ({ actor, input }) => {
        if (input.preview) {
          const form = input.preview;
          const preview = await threads.previewBody(actor, form.body.slice(0, BODY_MAX));
          // No-JS users get the "Similar questions" list here (public/js/similar.js does it live).
          return { preview: await askLocals(form, preview, await extras.similar(actor, form.title.slice(0, TITLE_MAX))) };
        }
        return { thread: await threads.createThread(actor, input.ask!) };
      },
      html: (res, out) => ('preview' in out ? res.render('threads/ask', out.preview) : res.redirect(303, out.thread!.url)),
      json: (out) => ({ thread: threadJson(out.thread!) }),
      status: 201,
      form: async (req, err) => ({ view: 'threads/ask', locals: await askLocals({ ...askFormOf(req), body: bodyAgain(req, err) }) }),
      attach: PUBLIC_ATTACH,
    }),
    endpoint({
      page: 'GET /threads/:id/edit',
      access: 'user',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => threads.getThreadForEdit(actor, input),
      html: (res, t) => res.render('threads/edit', editThreadLocals(t.id, { title: t.title, body: t.body }, threadUrl(t.id, t.slug))),
    }),
    endpoint({
      page: 'POST /threads/:id/edit',
      api: 'PATCH /api/threads/:id',
      access: 'user',
      limit: 'post',
      input: (req, kind) => ({
        id: parseId(req.params.id),
        edit: {
          ...parseInput(threadEdit, { title: req.body?.title, body: req.body?.body }),
          images: parsePostImageOptions(req.body, kind),
        },
      }),
      run: ({ actor, input }) => threads.editThread(actor, input.id, input.edit),
      html: (res, thread) => res.redirect(303, thread.url),
      json: (thread) => ({ thread: threadJson(thread) }),
      form: (req, err) => {
        const id = String(req.params.id);
        return {
          view: 'threads/edit',
          locals: editThreadLocals(id, { title: typed(req.body?.title, TITLE_MAX * 2), body: bodyAgain(req, err) }, `/threads/${id}`),
        };
      },
      attach: PUBLIC_ATTACH,
    }),
    endpoint({
      page: 'GET /threads/:id{/:slug}',
      access: 'public',
      input: (req) => {
        const id = String(req.params.id);
        if (!HEX24.test(id)) throw new NotFoundError('That thread does not exist.');
        return { id: id.toLowerCase(), slug: req.params.slug as string | undefined, ...parseInput(threadPageQuery, req.query) };
      },
      run: async ({ actor, input, req }) => {
        const countView = () => threads.recordView(actor, input.id, { ip: req.ip ?? '', userAgent: req.get('user-agent') });
        // Anonymous readers all see the same page: served from the short-lived HTML cache
        // (page-cache.ts; dropped on every event that changes the thread).
        if (!actor) {
          const hit = threads.pageCache.html.get(input.id, input.page);
          if (hit && (input.slug === undefined || input.slug === hit.slug)) {
            countView();
            return { cached: hit.html };
          }
        }
        const gen = threads.pageCache.generation(input.id);
        const locals = await threadPageLocals(actor, input.id, input.page, req.query);
        const t = locals.page.thread;
        if (input.slug !== undefined && input.slug !== t.slug) {
          return { redirect: `${t.url}${input.page > 1 ? `?page=${input.page}` : ''}` };
        }
        if (countView()) t.views += 1;
        return { locals, gen, slug: t.slug };
      },
      html: (res, out, { actor, input, req }) => {
        if ('cached' in out) return void res.type('html').send(out.cached);
        if ('redirect' in out) return res.redirect(301, out.redirect!);
        const pieces = new PagePieces();
        res.render('threads/thread', { ...out.locals, pieces }, (err: Error | null, html: string) => {
          if (err) return req.next?.(err);
          const body = pieces.toBuffer(html);
          if (!actor) threads.pageCache.html.set(input.id, input.page, { html: body, slug: out.slug! }, out.gen!);
          res.type('html').send(body);
        });
      },
    }),
    endpoint({
      api: 'GET /api/threads/:id',
      access: 'public',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(threadPageQuery, req.query) }),
      run: async ({ actor, input, req }) => {
        const page = await threads.getThreadPage(actor, input.id, { page: input.page });
        if (threads.recordView(actor, input.id, { ip: req.ip ?? '', userAgent: req.get('user-agent') })) page.thread.views += 1;
        return page;
      },
      json: (page) => ({ thread: threadJson(page.thread), replies: page.replies.map(replyJson), page: page.page, pages: page.pages }),
    }),
    // On a refused reply the thread page comes back with the draft and the message.
    endpoint({
      page: 'POST /threads/:id/replies',
      api: 'POST /api/threads/:id/replies',
      access: 'user',
      limit: 'post',
      input: (req, kind) => ({
        id: parseId(req.params.id),
        reply: { ...parseInput(replyBody, req.body), images: parsePostImageOptions(req.body, kind) },
      }),
      run: ({ actor, input }) => threads.createReply(actor, input.id, input.reply),
      html: (res, created) => res.redirect(303, created.url),
      json: (created) => ({ reply: replyJson(created.reply), threadStatus: created.threadStatus }),
      status: 201,
      form: async (req, err) => {
        const locals = await threadPageLocals(req.user ?? null, parseId(req.params.id), 1, {});
        return { view: 'threads/thread', locals: { ...locals, replyDraft: bodyAgain(req, err) } };
      },
      attach: PUBLIC_ATTACH,
    }),
    endpoint({
      page: 'POST /threads/:id/accept',
      api: 'POST /api/threads/:id/accept',
      access: 'user',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(acceptBody, req.body) }),
      run: ({ actor, input }) => threads.acceptAnswer(actor, input.id, input.replyId),
      html: (res, thread, { input }) => res.redirect(303, `${thread.url}#reply-${input.replyId}`),
      json: (thread) => ({ thread: threadJson(thread) }),
    }),
    endpoint({
      page: 'POST /threads/:id/not-solved',
      api: 'POST /api/threads/:id/not-solved',
      access: 'user',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(acceptBody, req.body) }),
      run: ({ actor, input }) => threads.markNotSolved(actor, input.id, input.replyId),
      html: (res, out) => res.redirect(303, `${out.thread.url}?said=no#reply-form`),
      json: (out) => ({ thread: threadJson(out.thread), replyId: out.replyId, recorded: out.recorded }),
    }),
    endpoint({
      page: 'POST /threads/:id/unaccept',
      api: 'DELETE /api/threads/:id/accept',
      access: 'user',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => threads.unacceptAnswer(actor, input),
      html: (res, thread) => res.redirect(303, thread.url),
      json: (thread) => ({ thread: threadJson(thread) }),
    }),
    endpoint({
      page: 'POST /threads/:id/lock',
      api: 'POST /api/threads/:id/lock',
      access: 'staff',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(lockBody, req.body) }),
      run: ({ actor, input }) => threads.lockThread(actor, input.id, { note: input.reason }),
      html: (res, thread) => res.redirect(303, thread.url),
      json: (thread) => ({ thread: threadJson(thread) }),
    }),
    endpoint({
      page: 'POST /threads/:id/unlock',
      api: 'DELETE /api/threads/:id/lock',
      access: 'staff',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(unlockBody, req.body ?? {}) }),
      run: ({ actor, input }) => threads.unlockThread(actor, input.id, { reason: input.reason }),
      html: (res, thread) => res.redirect(303, thread.url),
      json: (thread) => ({ thread: threadJson(thread) }),
    }),
    endpoint({
      page: 'POST /threads/:id/assign',
      api: 'POST /api/threads/:id/assign',
      access: 'staff',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(assignBody, req.body ?? {}) }),
      run: ({ actor, input }) => threads.assign(actor, input.id, { username: input.username }),
      html: (res, _out, { input }) => res.redirect(303, `/threads/${input.id}`),
    }),
    endpoint({
      page: 'POST /threads/:id/duplicate',
      api: 'POST /api/threads/:id/duplicate',
      access: 'staff',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(duplicateBody, req.body ?? {}) }),
      run: ({ actor, input }) => threads.closeAsDuplicate(actor, input.id, { of: input.of, note: input.note }),
      html: (res, out) => res.redirect(303, `/threads/${out.threadId}`),
    }),
    endpoint({
      page: 'POST /threads/:id/products',
      api: 'PATCH /api/threads/:id/products',
      access: 'staff',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(moveBody, req.body ?? {}) }),
      run: ({ actor, input }) => threads.moveProducts(actor, input.id, { products: input.products }),
      html: (res, _out, { input }) => res.redirect(303, `/threads/${input.id}`),
    }),
    endpoint({
      page: 'GET /posts/:postType/:id/revisions',
      api: 'GET /api/posts/:postType/:id/revisions',
      access: 'user',
      input: (req) => ({ postType: parseInput(postTypeParam, req.params.postType), id: parseId(req.params.id) }),
      run: ({ actor, input }) => threads.history(actor, input.postType, input.id),
      html: (res, history) => res.render('threads/history', { title: 'Edit history', history }),
      json: (history) => ({
        post: history.post,
        revisions: history.versions.map((v) => ({
          number: v.number,
          title: v.title,
          body: v.body,
          by: v.by,
          at: v.at,
          diff: { title: v.titleDiff, body: v.bodyDiff },
        })),
      }),
    }),
    endpoint({
      page: 'GET /replies/:id/edit',
      access: 'user',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => threads.getReplyForEdit(actor, input),
      html: (res, r) => res.render('threads/edit', editReplyLocals(r.id, r.body, `${r.threadUrl}#reply-${r.id}`, r.threadId)),
    }),
    endpoint({
      page: 'POST /replies/:id/edit',
      api: 'PATCH /api/replies/:id',
      access: 'user',
      limit: 'post',
      input: (req, kind) => ({
        id: parseId(req.params.id),
        reply: { ...parseInput(replyBody, { body: req.body?.body }), images: parsePostImageOptions(req.body, kind) },
      }),
      run: ({ actor, input }) => threads.editReply(actor, input.id, input.reply),
      html: (res, reply) => res.redirect(303, `/threads/${reply.threadId}#reply-${reply.id}`),
      json: (reply) => ({ reply: replyJson(reply) }),
      form: async (req, err) => {
        const id = String(req.params.id);
        // Where the reply lives, for "Cancel" and "Send privately" (the edit may have been refused for access).
        const where = await threads.getReplyForEdit(req.user ?? null, id).catch(() => null);
        const back = where ? `${where.threadUrl}#reply-${id}` : '/';
        return { view: 'threads/edit', locals: editReplyLocals(id, bodyAgain(req, err), back, where?.threadId ?? null) };
      },
      attach: PUBLIC_ATTACH,
    }),
    endpoint({
      page: 'GET /admin/products',
      access: 'admin',
      run: () => productsLocals(),
      html: (res, locals) => res.render('admin/products', locals),
    }),
    endpoint({
      api: 'GET /api/products',
      access: 'public',
      run: () => threads.products.list(),
      json: (list) => ({ products: list.map((p) => ({ id: p.id, name: p.name, slug: p.slug })) }),
    }),
    endpoint({
      page: 'POST /admin/products',
      api: 'POST /api/products',
      access: 'admin',
      input: (req) => parseInput(productBody, req.body),
      run: ({ actor, input }) => threads.products.create(actor, input),
      html: (res) => res.redirect(303, '/admin/products'),
      json: (product) => ({ product }),
      status: 201,
      form: async (req) => ({ view: 'admin/products', locals: await productsLocals({ name: typed(req.body?.name, 200) }) }),
    }),
    endpoint({
      page: 'POST /admin/products/:id',
      api: 'PATCH /api/products/:id',
      access: 'admin',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(productBody, req.body) }),
      run: ({ actor, input }) => threads.products.rename(actor, input.id, { name: input.name }),
      html: (res) => res.redirect(303, '/admin/products'),
      json: (product) => ({ product }),
      form: async () => ({ view: 'admin/products', locals: await productsLocals() }),
    }),
    endpoint({
      page: 'POST /admin/products/:id/delete',
      api: 'DELETE /api/products/:id',
      access: 'admin',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => threads.products.remove(actor, input),
      html: (res) => res.redirect(303, '/admin/products'),
      json: () => undefined,
      form: async () => ({ view: 'admin/products', locals: await productsLocals() }),
    }),
    endpoint({
      page: 'POST /redactions',
      api: 'POST /api/redactions',
      access: 'staff',
      input: (req) => ({ redaction: parseInput(redactionSchema, req.body), next: req.body?.next as unknown }),
      run: ({ actor, input }) => threads.redact(actor, input.redaction),
      html: (res, _out, { input }) => res.redirect(303, safeRedirectPath(input.next, '/')),
      json: (out) => ({ redaction: out }),
    }),
  ];
}
