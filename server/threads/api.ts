import type { RequestHandler } from 'express';
import type { AppContext } from '../context';
import { actorOf } from '../http/guards';
import { parseId, parseInput } from '../kernel/validate';
import * as threads from './service';
import { acceptBody, askJson, listQuery, lockBody, productBody, replyBody, threadEdit, threadPageQuery } from './schemas';
import { replyJson, threadJson, threadSummaryJson } from './present';

/** JSON handlers: the same service calls as the pages, serialised by present.ts. */
export function api(ctx: AppContext) {
  const products: RequestHandler = async (_req, res) => {
    const list = await threads.listProducts();
    res.json({ products: list.map((p) => ({ id: p.id, name: p.name, slug: p.slug })) });
  };

  const productCreate: RequestHandler = async (req, res) => {
    const p = await threads.createProduct(actorOf(req), parseInput(productBody, req.body));
    res.status(201).json({ product: p });
  };

  const productRename: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const p = await threads.renameProduct(actorOf(req), id, parseInput(productBody, req.body));
    res.json({ product: p });
  };

  const productRemove: RequestHandler = async (req, res) => {
    await threads.removeProduct(actorOf(req), parseId(req.params.id));
    res.status(204).end();
  };

  const list: RequestHandler = async (req, res) => {
    const data = await threads.listThreads(actorOf(req), parseInput(listQuery, req.query));
    res.json({ threads: data.threads.map(threadSummaryJson), page: data.page, pages: data.pages, total: data.total });
  };

  const create: RequestHandler = async (req, res) => {
    const thread = await threads.createThread(actorOf(req), parseInput(askJson, req.body), ctx.clock);
    res.status(201).json({ thread: threadJson(thread) });
  };

  const show: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const actor = actorOf(req);
    const page = await threads.getThreadPage(actor, id, parseInput(threadPageQuery, req.query));
    if (threads.recordView(actor, id, { ip: req.ip ?? '', userAgent: req.get('user-agent') }, ctx.clock)) page.thread.views += 1;
    res.json({ thread: threadJson(page.thread), replies: page.replies.map(replyJson), page: page.page, pages: page.pages });
  };

  const edit: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const thread = await threads.editThread(actorOf(req), id, parseInput(threadEdit, req.body), ctx.clock);
    res.json({ thread: threadJson(thread) });
  };

  const reply: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const created = await threads.createReply(actorOf(req), id, parseInput(replyBody, req.body), ctx.clock);
    res.status(201).json({ reply: replyJson(created.reply), threadStatus: created.threadStatus });
  };

  const editReply: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const r = await threads.editReply(actorOf(req), id, parseInput(replyBody, req.body), ctx.clock);
    res.json({ reply: replyJson(r) });
  };

  const accept: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const { replyId } = parseInput(acceptBody, req.body);
    res.json({ thread: threadJson(await threads.acceptAnswer(actorOf(req), id, replyId, ctx.clock)) });
  };

  const unaccept: RequestHandler = async (req, res) => {
    res.json({ thread: threadJson(await threads.unacceptAnswer(actorOf(req), parseId(req.params.id), ctx.clock)) });
  };

  const lock: RequestHandler = async (req, res) => {
    const id = parseId(req.params.id);
    const { reason } = parseInput(lockBody, req.body);
    res.json({ thread: threadJson(await threads.lockThread(actorOf(req), id, { note: reason }, ctx.clock)) });
  };

  const unlock: RequestHandler = async (req, res) => {
    res.json({ thread: threadJson(await threads.unlockThread(actorOf(req), parseId(req.params.id), ctx.clock)) });
  };

  return {
    products,
    productCreate,
    productRename,
    productRemove,
    list,
    create,
    show,
    edit,
    reply,
    editReply,
    accept,
    unaccept,
    lock,
    unlock,
  };
}
