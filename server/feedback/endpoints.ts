import type { Request } from 'express';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { parseId, parseInput } from '../kernel/validate';
import type { Feedback } from './index';
import { reportCsv } from './csv';
import { helpfulRateChart, satisfactionChart } from './charts';
import { helpfulForm, helpfulJson, reportQuery, satisfactionForm, satisfactionJson } from './schemas';
import { avg, businessHours, feedbackReturnUrl, pct, SATISFACTION_LABELS, type FlashKind } from './present';
import type { HelpfulResult, SatisfactionResult } from './service';

const helpfulJsonOf = (r: HelpfulResult) => ({ helpfulCount: r.helpfulCount, notHelpfulCount: r.notHelpfulCount, yourVote: r.yourVote });
const satisfactionJsonOf = (r: SatisfactionResult) => ({
  satisfactionAverage: r.satisfactionAverage,
  satisfactionCount: r.satisfactionCount,
  yourScore: r.yourScore,
});
/** No-JS forms go back to the reply with the message for it. */
const back = (req: Request, r: { threadId: string; replyId: string }, kind: FlashKind) =>
  feedbackReturnUrl((req.body as Record<string, unknown> | undefined)?.return, r.threadId, r.replyId, kind);
const reportInput = (req: Request) => parseInput(reportQuery, { from: req.query.from, to: req.query.to, product: req.query.product });

/**
 * Helpful votes and satisfaction ratings (forms work without JavaScript: POST and 303 back to
 * the reply; public/js/feedback.js uses the JSON twins), and the support dashboard.
 */
export function feedbackEndpoints(feedback: Feedback): AnyEndpoint[] {
  const vote = { access: 'user', limit: 'vote' } as const;
  return [
    endpoint({
      ...vote,
      page: 'POST /replies/:id/helpful',
      api: 'POST /api/replies/:id/helpful',
      input: (req, kind) => ({ id: parseId(req.params.id), ...parseInput(kind === 'api' ? helpfulJson : helpfulForm, req.body) }),
      run: ({ actor, input }) => feedback.voteHelpful(actor, input.id, input),
      html: (res, r, { req, input }) => res.redirect(303, back(req, r, input.helpful ? 'yes' : 'no')),
      json: helpfulJsonOf,
    }),
    endpoint({
      ...vote,
      page: 'POST /replies/:id/helpful/withdraw',
      api: 'DELETE /api/replies/:id/helpful',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => feedback.withdrawHelpful(actor, input),
      html: (res, r, { req }) => res.redirect(303, back(req, r, 'unvoted')),
      json: helpfulJsonOf,
    }),
    endpoint({
      ...vote,
      page: 'POST /replies/:id/satisfaction',
      api: 'POST /api/replies/:id/satisfaction',
      input: (req, kind) => ({ id: parseId(req.params.id), ...parseInput(kind === 'api' ? satisfactionJson : satisfactionForm, req.body) }),
      run: ({ actor, input }) => feedback.rateSatisfaction(actor, input.id, input),
      html: (res, r, { req }) => res.redirect(303, back(req, r, 'rated')),
      json: satisfactionJsonOf,
    }),
    endpoint({
      ...vote,
      page: 'POST /replies/:id/satisfaction/withdraw',
      api: 'DELETE /api/replies/:id/satisfaction',
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => feedback.withdrawSatisfaction(actor, input),
      html: (res, r, { req }) => res.redirect(303, back(req, r, 'unrated')),
      json: satisfactionJsonOf,
    }),
    endpoint({
      page: 'GET /support/dashboard',
      api: 'GET /api/reports/support',
      access: 'staff',
      input: reportInput,
      run: ({ actor, input }) => feedback.report(actor, input),
      html: (res, report) => {
        const csvQuery = new URLSearchParams({
          from: report.from,
          to: report.to,
          ...(report.product ? { product: report.product.id } : {}),
        });
        res.render('feedback/dashboard', {
          title: 'Support dashboard',
          report,
          csvUrl: `/support/dashboard.csv?${csvQuery}`,
          charts: {
            satisfaction: satisfactionChart(report.totals.satisfactionDistribution),
            helpfulRate: helpfulRateChart(
              report.moderators
                .filter((m) => m.helpfulYes + m.helpfulNo > 0)
                .map((m) => ({ label: m.displayName, rate: m.helpfulRate, votes: m.helpfulYes + m.helpfulNo })),
            ),
          },
          f: { pct, avg, businessHours },
          SATISFACTION_LABELS,
        });
      },
    }),
    endpoint({
      page: 'GET /support/dashboard.csv',
      access: 'staff',
      input: reportInput,
      run: ({ actor, input }) => feedback.report(actor, input),
      html: (res, report) => {
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="support-dashboard-${report.from}-to-${report.to}.csv"`);
        res.setHeader('Cache-Control', 'private, no-store');
        res.send(reportCsv(report));
      },
    }),
  ];
}
