/**
 * Selecting documents for a filter holding `$text` (see text-search.ts): candidates and
 * scores from the text index, the rest of the filter tested by mingo, then sort (the score
 * included; top-k when a limit is small), skip and limit.
 */
import type { Document } from 'bson';
import type { Collection } from './collection';
import type { Deadline } from './errors';
import { badValue } from './errors';
import type { Matcher } from './mingo-context';
import type { Plan, PlanStats } from './planner';
import { isScoreMeta, SCORE_FIELD } from './text-search';
import { isPlainObject } from './doc-utils';

export interface TextSelection {
  docs: Document[];
  plan: Plan;
  scores: Map<Document, number>;
}

type SortDocs = (docs: Document[], sort: Document) => void;

function toCount(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'number' ? v : Number((v as { valueOf(): unknown }).valueOf());
  if (!Number.isFinite(n)) throw badValue(`${what} must be a number`);
  return Math.trunc(n);
}

interface Hit {
  d: Document;
  s: number;
}

/** The `need` best hits by score, best first (ties keep hit order), keeping `need` at a time. */
function topByScore(hits: Hit[], need: number): Hit[] {
  const best: Hit[] = [];
  for (const h of hits) {
    if (best.length === need && h.s <= best[need - 1]!.s) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (best[mid]!.s >= h.s) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, h);
    if (best.length > need) best.pop();
  }
  return best;
}

/**
 * Orders hits by `sort` (`{$meta: 'textScore'}` keys: best score first) and applies skip and
 * limit. No sort: hit order, as MongoDB promises no particular order either.
 */
function orderHits(hits: Hit[], sort: Document | undefined, skip: number, limit: number, sortDocs: SortDocs): Hit[] {
  const keys = sort ? Object.keys(sort) : [];
  const cut = (list: Hit[]) => (skip || limit ? list.slice(skip, limit > 0 ? skip + limit : undefined) : list);
  if (!keys.length) return cut(hits);
  const metaKeys = keys.filter((k) => isScoreMeta(sort![k]));
  if (metaKeys.length === keys.length) {
    if (limit > 0 && skip + limit <= 1000) return topByScore(hits, skip + limit).slice(skip);
    return cut([...hits].sort((a, b) => b.s - a.s));
  }
  // Other keys too: sort wrappers carrying the score as a plain field, then unwrap.
  const spec: Document = {};
  for (const k of keys) {
    if (isScoreMeta(sort![k])) spec[SCORE_FIELD] = -1;
    else spec[k] = sort![k];
  }
  const back = new Map<Document, Hit>();
  const wrapped = hits.map((h) => {
    const w: Document = { ...h.d, [SCORE_FIELD]: h.s };
    back.set(w, h);
    return w;
  });
  sortDocs(wrapped, spec);
  return cut(wrapped.map((w) => back.get(w)!));
}

export function selectText(
  coll: Collection | undefined,
  q: Matcher,
  o: { sort?: Document; skip?: number; limit?: number },
  deadline: Deadline,
  sortDocs: SortDocs,
): TextSelection {
  const stats: PlanStats = { keysExamined: 0, docsExamined: 0 };
  const plan: Plan = { stage: 'TEXT', indexName: coll?.text?.name, sortCovered: false, stats, candidates: () => [] };
  const index = coll?.text;
  if (!coll || !index?.search) return { docs: [], plan, scores: new Map() };
  if (o.sort !== undefined && !isPlainObject(o.sort)) throw badValue('sort must be an object');
  const found = index.search(q.text!, (k) => coll.docs.get(k));
  const testAll = Object.keys(q.filter).length === 0;
  const hits: Hit[] = [];
  for (const [idKey, s] of found) {
    deadline.tick();
    stats.keysExamined++;
    const d = coll.docs.get(idKey);
    if (!d) continue;
    stats.docsExamined++;
    if (testAll || q.test(d)) hits.push({ d, s });
  }
  deadline.check();
  const skip = Math.max(0, toCount(o.skip, 'skip'));
  const limit = Math.abs(toCount(o.limit, 'limit'));
  const out = orderHits(hits, o.sort, skip, limit, sortDocs);
  const scores = new Map<Document, number>();
  for (const h of out) scores.set(h.d, h.s);
  return { docs: out.map((h) => h.d), plan, scores };
}
