import { Router } from 'express';
import type { AppContext } from '../context';
import { requireStaff } from '../http/guards';
import { supportHandlers } from './handlers';
import { useSupportConfig } from './settings';

/** The moderator queue. One line per route. */
export function supportRoutes(ctx: AppContext): Router {
  // Entry points without the config at hand (the private-message hook) use this app's rules.
  useSupportConfig(ctx.config);
  const h = supportHandlers(ctx);
  const r = Router();
  r.get('/support/queue', requireStaff, h.queuePage);
  r.get('/api/support/queue', requireStaff, h.apiQueue);
  return r;
}
