import { z } from 'zod';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { pageParam, parseInput } from '../kernel/validate';
import type { Support } from './index';
import { queueJson } from './service';

const queueSchema = z.object({ page: pageParam, askerPage: pageParam, followPage: pageParam });

/** The moderator queue and its JSON twin (staff only). */
export function supportEndpoints(support: Support): AnyEndpoint[] {
  return [
    endpoint({
      page: 'GET /support/queue',
      api: 'GET /api/support/queue',
      access: 'staff',
      input: (req) => parseInput(queueSchema, { page: req.query.page, askerPage: req.query.askerPage, followPage: req.query.followPage }),
      run: ({ actor, input }) => support.queue(actor, input),
      html: (res, queue) =>
        res.render('support/queue', { title: 'Support queue', queue, hours: support.rules.current().calendar.settings }),
      json: (queue) => queueJson(queue),
    }),
  ];
}
