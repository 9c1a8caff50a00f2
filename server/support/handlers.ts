import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { actorOf } from '../http/guards';
import { pageParam, parseInput } from '../kernel/validate';
import { createSupportService, queueJson } from './service';

const queueSchema = z.object({ page: pageParam, askerPage: pageParam });

export function supportHandlers(ctx: AppContext) {
  const support = createSupportService(ctx);
  const input = (q: Record<string, unknown>) => parseInput(queueSchema, { page: q.page, askerPage: q.askerPage });

  return {
    queuePage: (async (req, res) => {
      const queue = await support.queue(actorOf(req), input(req.query));
      res.render('support/queue', { title: 'Support queue', queue, hours: support.rules.calendar.settings });
    }) satisfies RequestHandler,

    apiQueue: (async (req, res) => {
      res.json(queueJson(await support.queue(actorOf(req), input(req.query))));
    }) satisfies RequestHandler,
  };
}
