import type { RequestHandler } from 'express';
import type { AppContext } from '../context';
import { actorOf } from '../http/guards';
import { parseId, parseInput } from '../kernel/validate';
import * as feedback from './service';
import { supportReport } from './report';
import { reportCsv } from './csv';
import { helpfulRateChart, satisfactionChart } from './charts';
import { helpfulForm, helpfulJson, reportQuery, satisfactionForm, satisfactionJson } from './schemas';
import { avg, businessHours, feedbackReturnUrl, pct, SATISFACTION_LABELS, type FlashKind } from './present';

/**
 * Handlers: validate, ONE service call, then JSON, a page, or (no-JS forms) a 303 back to the
 * thread with the message for that reply.
 */
export function feedbackHandlers(ctx: AppContext) {
  const { clock } = ctx;
  const id = (req: { params: Record<string, unknown> }) => parseId(req.params.id);
  const back = (req: { body?: unknown }, r: { threadId: string; replyId: string }, kind: FlashKind) =>
    feedbackReturnUrl((req.body as Record<string, unknown> | undefined)?.return, r.threadId, r.replyId, kind);
  const reportInput = (q: Record<string, unknown>) => parseInput(reportQuery, { from: q.from, to: q.to, product: q.product });

  const helpfulJsonOf = (r: feedback.HelpfulResult) => ({
    helpfulCount: r.helpfulCount,
    notHelpfulCount: r.notHelpfulCount,
    yourVote: r.yourVote,
  });
  const satisfactionJsonOf = (r: feedback.SatisfactionResult) => ({
    satisfactionAverage: r.satisfactionAverage,
    satisfactionCount: r.satisfactionCount,
    yourScore: r.yourScore,
  });

  return {
    // ---- JSON API ----
    apiVote: (async (req, res) => {
      const replyId = id(req);
      res.json(helpfulJsonOf(await feedback.voteHelpful(actorOf(req), replyId, parseInput(helpfulJson, req.body), clock)));
    }) satisfies RequestHandler,

    apiUnvote: (async (req, res) => {
      res.json(helpfulJsonOf(await feedback.withdrawHelpful(actorOf(req), id(req), clock)));
    }) satisfies RequestHandler,

    apiRate: (async (req, res) => {
      const replyId = id(req);
      res.json(satisfactionJsonOf(await feedback.rateSatisfaction(actorOf(req), replyId, parseInput(satisfactionJson, req.body), clock)));
    }) satisfies RequestHandler,

    apiUnrate: (async (req, res) => {
      res.json(satisfactionJsonOf(await feedback.withdrawSatisfaction(actorOf(req), id(req), clock)));
    }) satisfies RequestHandler,

    apiReport: (async (req, res) => {
      res.json(await supportReport(actorOf(req), reportInput(req.query), { clock }));
    }) satisfies RequestHandler,

    // ---- forms (no JavaScript) ----
    formVote: (async (req, res) => {
      const replyId = id(req);
      const input = parseInput(helpfulForm, req.body);
      const r = await feedback.voteHelpful(actorOf(req), replyId, input, clock);
      res.redirect(303, back(req, r, input.helpful ? 'yes' : 'no'));
    }) satisfies RequestHandler,

    formUnvote: (async (req, res) => {
      const r = await feedback.withdrawHelpful(actorOf(req), id(req), clock);
      res.redirect(303, back(req, r, 'unvoted'));
    }) satisfies RequestHandler,

    formRate: (async (req, res) => {
      const replyId = id(req);
      const r = await feedback.rateSatisfaction(actorOf(req), replyId, parseInput(satisfactionForm, req.body), clock);
      res.redirect(303, back(req, r, 'rated'));
    }) satisfies RequestHandler,

    formUnrate: (async (req, res) => {
      const r = await feedback.withdrawSatisfaction(actorOf(req), id(req), clock);
      res.redirect(303, back(req, r, 'unrated'));
    }) satisfies RequestHandler,

    // ---- dashboard ----
    dashboard: (async (req, res) => {
      const report = await supportReport(actorOf(req), reportInput(req.query), { clock });
      const csvQuery = new URLSearchParams({ from: report.from, to: report.to, ...(report.product ? { product: report.product.id } : {}) });
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
    }) satisfies RequestHandler,

    dashboardCsv: (async (req, res) => {
      const report = await supportReport(actorOf(req), reportInput(req.query), { clock });
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="support-dashboard-${report.from}-to-${report.to}.csv"`);
      res.setHeader('Cache-Control', 'private, no-store');
      res.send(reportCsv(report));
    }) satisfies RequestHandler,
  };
}
