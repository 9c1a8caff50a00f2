import { csvCell, csvLine, type Cell } from '../http/csv';
import type { Metrics, SupportReport } from './report';

/** The dashboard as CSV (server/http/csv.ts: RFC 4180, formulas neutralised). */
export { csvCell, csvLine, type Cell };

const HEADER = [
  'section',
  'id',
  'name',
  'period_from',
  'period_to',
  'product_filter',
  'staff_replies',
  'helpful_yes',
  'helpful_no',
  'helpful_rate',
  'satisfaction_count',
  'satisfaction_average',
  'satisfaction_1',
  'satisfaction_2',
  'satisfaction_3',
  'satisfaction_4',
  'satisfaction_5',
  'accepted_answers',
  'first_responses',
  'median_first_response_business_minutes',
  'closed_no_response',
];

const metricCells = (m: Metrics): Cell[] => [
  m.staffReplies,
  m.helpfulYes,
  m.helpfulNo,
  m.helpfulRate,
  m.satisfactionCount,
  m.satisfactionAverage,
  ...m.satisfactionDistribution,
  m.acceptedAnswers,
  m.firstResponses,
  m.medianFirstResponseMinutes,
  m.closedNoResponse,
];

export function reportCsv(r: SupportReport): string {
  const period = [r.from, r.to, r.product?.name ?? ''];
  const lines = [csvLine(HEADER), csvLine(['total', '', 'All', ...period, ...metricCells(r.totals)])];
  for (const m of r.moderators) lines.push(csvLine(['moderator', m.id, m.displayName, ...period, ...metricCells(m)]));
  for (const p of r.productRows) lines.push(csvLine(['product', p.id, p.name, ...period, ...metricCells(p)]));
  return `${lines.join('\r\n')}\r\n`;
}
