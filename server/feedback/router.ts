import { Router } from 'express';
import type { AppContext } from '../context';
import { requireStaff, requireUser } from '../http/guards';
import { BusinessCalendar, calendarFromConfig } from '../calendar';
import { feedbackHandlers } from './handlers';
import { useFeedbackHooks } from './hooks';

/** Helpful votes, satisfaction ratings and the support dashboard. One line per route. */
export function feedbackRoutes(ctx: AppContext): Router {
  // Running totals of staff replies, accepted answers and first responses follow the threads' events.
  useFeedbackHooks(new BusinessCalendar(calendarFromConfig(ctx.config)));
  const h = feedbackHandlers(ctx);
  const { csrf } = ctx;
  const vote = ctx.limit('vote');
  const r = Router();

  // Forms (work without JavaScript): POST and 303 back to the reply.
  r.post('/replies/:id/helpful', requireUser, csrf, vote, h.formVote);
  r.post('/replies/:id/helpful/withdraw', requireUser, csrf, vote, h.formUnvote);
  r.post('/replies/:id/satisfaction', requireUser, csrf, vote, h.formRate);
  r.post('/replies/:id/satisfaction/withdraw', requireUser, csrf, vote, h.formUnrate);

  // JSON API (public/js/feedback.js and other clients).
  r.post('/api/replies/:id/helpful', requireUser, csrf, vote, h.apiVote);
  r.delete('/api/replies/:id/helpful', requireUser, csrf, vote, h.apiUnvote);
  r.post('/api/replies/:id/satisfaction', requireUser, csrf, vote, h.apiRate);
  r.delete('/api/replies/:id/satisfaction', requireUser, csrf, vote, h.apiUnrate);

  // Support dashboard (moderators and admins).
  r.get('/support/dashboard', requireUser, requireStaff, h.dashboard);
  r.get('/support/dashboard.csv', requireUser, requireStaff, h.dashboardCsv);
  r.get('/api/reports/support', requireUser, requireStaff, h.apiReport);
  return r;
}
