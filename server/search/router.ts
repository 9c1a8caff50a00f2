import { Router } from 'express';
import type { AppContext } from '../context';
import { searchHandlers } from './handlers';

/** Search routes: one line each — path, guards, handler. Reading only: open to everyone. */
export function searchRoutes(ctx: AppContext): Router {
  const r = Router();
  const h = searchHandlers(ctx);
  r.get('/search', h.page);
  r.get('/api/search', h.json);
  r.get('/api/search/similar', h.similar);
  return r;
}
