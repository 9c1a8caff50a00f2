import { Types } from 'mongoose';
import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import type { Models } from '../../models';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../kernel/errors';
import { canViewSupportReports } from './policy';
import { satisfactionAverage } from './present';
import { utcDay } from './totals';
import type { ReportQuery } from './schemas';

/**
 * The support dashboard: per moderator and per product, over a period of UTC days.
 *
 * Cohorts: feedback, replies and accepted answers belong to the day the staff REPLY was
 * posted; a first response to the day it was given; a no-response closure to the day of the
 * lock. So "in March" means "about the support given in March".
 *
 * Cost: everything but the closures comes from feedback_daily, the running totals kept by
 * the vote service and the thread-event hooks: (days x moderators x products) rows read
 * through the {productId, day} index prefix, never votes or replies. Closures are the
 * period's locked threads (the lifecycle sweep locks without an event), read through the
 * {status, ...} index: bounded by the number of locked threads.
 */
export const DEFAULT_PERIOD_DAYS = 90;
const MAX_PERIOD_DAYS = 366 * 30;
const DAY_MS = 86_400_000;
const STAFF_ROLES: Array<'moderator' | 'admin'> = ['moderator', 'admin'];

export interface Metrics {
  staffReplies: number;
  helpfulYes: number;
  helpfulNo: number;
  /** yes / (yes + no), null without votes. */
  helpfulRate: number | null;
  satisfactionCount: number;
  satisfactionSum: number;
  satisfactionAverage: number | null;
  /** Ratings 1..5 (index 0 = score 1). */
  satisfactionDistribution: number[];
  acceptedAnswers: number;
  firstResponses: number;
  /** Median time from question to the first staff reply, in business minutes. */
  medianFirstResponseMinutes: number | null;
  closedNoResponse: number;
}

export interface ModeratorRow extends Metrics {
  id: string;
  username: string;
  displayName: string;
  role: string;
}

export interface ProductRow extends Metrics {
  id: string;
  name: string;
}

export interface SupportReport {
  from: string;
  to: string;
  product: { id: string; name: string } | null;
  products: Array<{ id: string; name: string }>;
  totals: Metrics;
  moderators: ModeratorRow[];
  productRows: ProductRow[];
}

export interface ReportDeps {
  clock: Clock;
  models: Pick<Models, 'Thread' | 'User' | 'Product' | 'FeedbackDaily'>;
}

class Acc {
  staffReplies = 0;
  yes = 0;
  no = 0;
  satSum = 0;
  satCount = 0;
  hist = [0, 0, 0, 0, 0];
  accepted = 0;
  minutes: number[] = [];
  closed = 0;

  addDaily(r: DailySums): void {
    this.staffReplies += r.replies;
    this.accepted += r.accepted;
    for (const list of r.frMinutes) if (Array.isArray(list)) this.minutes.push(...list);
    this.yes += r.yes;
    this.no += r.no;
    this.satSum += r.satSum;
    this.satCount += r.satCount;
    this.hist = this.hist.map((h, i) => h + (r[`s${i + 1}` as keyof DailySums] as number));
  }

  metrics(): Metrics {
    return {
      staffReplies: this.staffReplies,
      helpfulYes: this.yes,
      helpfulNo: this.no,
      helpfulRate: this.yes + this.no > 0 ? round(this.yes / (this.yes + this.no), 4) : null,
      satisfactionCount: this.satCount,
      satisfactionSum: this.satSum,
      satisfactionAverage: satisfactionAverage(this.satSum, this.satCount),
      satisfactionDistribution: [...this.hist],
      acceptedAnswers: this.accepted,
      firstResponses: this.minutes.length,
      medianFirstResponseMinutes: median(this.minutes),
      closedNoResponse: this.closed,
    };
  }
}

interface DailySums {
  _id: Types.ObjectId;
  replies: number;
  accepted: number;
  /** One list per daily row. */
  frMinutes: number[][];
  yes: number;
  no: number;
  satSum: number;
  satCount: number;
  s1: number;
  s2: number;
  s3: number;
  s4: number;
  s5: number;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The period as days and instants: [start, end) in UTC. */
export function reportPeriod(input: { from?: string; to?: string }, now: Date): { from: string; to: string; start: Date; end: Date } {
  const to = input.to ?? utcDay(now);
  const from = input.from ?? utcDay(new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_PERIOD_DAYS - 1) * DAY_MS));
  if (from > to) throw new ValidationError('The start date must not be after the end date.', { from: 'must not be after "to"' });
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS);
  if ((end.getTime() - start.getTime()) / DAY_MS > MAX_PERIOD_DAYS) {
    throw new ValidationError('That period is too long.', { from: 'period too long' });
  }
  return { from, to, start, end };
}

const sumSpec = {
  replies: { $sum: '$replies' },
  accepted: { $sum: '$accepted' },
  frMinutes: { $push: '$frMinutes' },
  yes: { $sum: '$yes' },
  no: { $sum: '$no' },
  satSum: { $sum: '$satSum' },
  satCount: { $sum: '$satCount' },
  s1: { $sum: '$s1' },
  s2: { $sum: '$s2' },
  s3: { $sum: '$s3' },
  s4: { $sum: '$s4' },
  s5: { $sum: '$s5' },
};

/** Sums the daily rows matching `filter` per moderator or per product, in the database. */
const sumDaily = (FeedbackDaily: Models['FeedbackDaily'], filter: Record<string, unknown>, by: 'moderatorId' | 'productId') =>
  FeedbackDaily.aggregate<DailySums>([{ $match: filter }, { $group: { _id: `$${by}`, ...sumSpec } }]);

export async function supportReport(actor: Actor | null, input: ReportQuery, deps: ReportDeps): Promise<SupportReport> {
  if (!actor) throw new UnauthorizedError();
  if (!canViewSupportReports(actor)) throw new ForbiddenError('Only support moderators can see the support dashboard.');
  const { Thread, User, Product, FeedbackDaily } = deps.models;
  const period = reportPeriod(input, deps.clock.now());
  const { start, end } = period;

  const [productDocs, staffDocs] = await Promise.all([
    Product.find({}, { name: 1, position: 1 }).sort({ position: 1, name: 1 }).lean(),
    User.find({ role: { $in: STAFF_ROLES } }, { username: 1, displayName: 1, role: 1 }).lean(),
  ]);
  const products = productDocs.map((p) => ({ id: String(p._id), name: p.name }));
  const wanted = input.product?.toLowerCase();
  const filter = wanted ? (products.find((p) => p.id === wanted) ?? null) : null;
  if (input.product && !filter) throw new NotFoundError('That product does not exist.');
  const filterId = filter ? new Types.ObjectId(filter.id) : null;
  const shownProducts = filter ? [filter] : products;

  const totals = new Acc();
  const byModerator = new Map<string, Acc>();
  const byProduct = new Map<string, Acc>(shownProducts.map((p) => [p.id, new Acc()]));
  const mod = (id: string) => {
    let a = byModerator.get(id);
    if (!a) byModerator.set(id, (a = new Acc()));
    return a;
  };
  for (const s of staffDocs) mod(String(s._id));
  /** The accumulators a thread's numbers go to (products outside the filter are ignored). */
  const productAccs = (ids: Types.ObjectId[]) => ids.map((id) => byProduct.get(String(id))).filter((a): a is Acc => !!a);

  // Feedback, replies, accepted answers and first responses: the running totals.
  const dayRange = { $gte: period.from, $lte: period.to };
  const [modSums, productSums] = await Promise.all([
    sumDaily(FeedbackDaily, { productId: filterId, day: dayRange }, 'moderatorId'),
    sumDaily(FeedbackDaily, { productId: { $in: shownProducts.map((p) => new Types.ObjectId(p.id)) }, day: dayRange }, 'productId'),
  ]);
  for (const r of modSums) {
    mod(String(r._id)).addDaily(r);
    totals.addDaily(r);
  }
  for (const r of productSums) byProduct.get(String(r._id))?.addDaily(r);

  // Threads closed and locked for no response, credited to the moderator who was waiting.
  const closed = await Thread.find(
    { status: 'locked', lockReason: 'no_response', lockedAt: { $gte: start, $lt: end }, ...(filterId ? { products: filterId } : {}) },
    { products: 1, lastPosterId: 1, lastPosterRole: 1, lastPosterIsAsker: 1 },
  ).lean();
  for (const t of closed) {
    const accs = [totals, ...productAccs(t.products)];
    if (t.lastPosterId && !t.lastPosterIsAsker && (STAFF_ROLES as string[]).includes(t.lastPosterRole))
      accs.push(mod(String(t.lastPosterId)));
    for (const a of accs) a.closed++;
  }

  // Names for everyone with numbers (former staff included).
  const people = new Map(staffDocs.map((s) => [String(s._id), s]));
  const missing = [...byModerator.keys()].filter((id) => !people.has(id));
  if (missing.length) {
    for (const u of await User.find(
      { _id: { $in: missing.map((id) => new Types.ObjectId(id)) } },
      { username: 1, displayName: 1, role: 1 },
    ).lean()) {
      people.set(String(u._id), u);
    }
  }
  const moderators = [...byModerator.entries()]
    .map(([id, acc]) => {
      const p = people.get(id);
      return {
        id,
        username: p?.username ?? '',
        displayName: p?.displayName ?? '(deleted account)',
        role: p?.role ?? 'member',
        ...acc.metrics(),
      };
    })
    .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id.localeCompare(b.id));

  return {
    from: period.from,
    to: period.to,
    product: filter,
    products,
    totals: totals.metrics(),
    moderators,
    productRows: shownProducts.map((p) => ({ ...p, ...byProduct.get(p.id)!.metrics() })),
  };
}
