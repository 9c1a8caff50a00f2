/**
 * Reply feedback: "Was this reply helpful?", "How satisfied are you with this reply?", the
 * running per-day totals and the support dashboard. The public entry of the feedback domain.
 */
import type { SupportRulesSource } from '../calendar';
import type { Actor } from '../kernel/actor';
import type { CoreDeps } from '../kernel/deps';
import type { StandingGate } from '../kernel/standing';
import { registerFeedbackHooks } from './hooks';
import { createRecount, type RecountOptions } from './recount';
import { supportReport } from './report';
import type { ReportQuery } from './schemas';
import { createFeedbackService } from './service';
import { createDailyTotals } from './totals';

export function createFeedback(core: CoreDeps, deps: { rules: SupportRulesSource; gate?: StandingGate }) {
  const { models, events, clock } = core;
  const totals = createDailyTotals(models.FeedbackDaily);
  // Running totals of staff replies, accepted answers and first responses follow thread events.
  registerFeedbackHooks({ models, events, rules: deps.rules, totals });
  const recount = createRecount(models);
  return {
    ...createFeedbackService({ models, clock, events, totals, gate: deps.gate }),
    /** The dashboard's numbers (staff only). */
    report: (actor: Actor | null, input: ReportQuery) => supportReport(actor, input, { clock, models }),
    /** Recomputes every counter and daily total from the votes (CLI `recount`). */
    recount: (opts: Omit<RecountOptions, 'calendar'> = {}) => recount.recountFeedback({ ...opts, calendar: deps.rules.current().calendar }),
  };
}

export type Feedback = ReturnType<typeof createFeedback>;

export { feedbackEndpoints } from './endpoints';
export { parseFeedbackFlash } from './present';
export type { YourFeedback } from './service';
