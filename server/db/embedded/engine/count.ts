/**
 * Counting without materialising results: the `count` command and the pipeline the
 * driver's countDocuments sends, `[{$match}, ({$skip}), ({$limit}), {$group: {_id: <const>,
 * n: {$sum: 1}}}]`.
 *
 * When the planner says the index keys answer the filter exactly (plan.countKeys: the
 * filter is nothing but equality/range bounds on a non-multikey, non-sparse, non-partial
 * index, or single equalities on a multikey index; see planner.ts countable), SQLite counts
 * the index entries in the scan's intervals (no document is read). Otherwise the plan's
 * candidates are tested with mingo one by one and only counted. A `$text` filter counts its
 * matches (text-read.ts). With a cap (skip + limit of the command) counting stops there: a
 * "more than 200" answer costs 200 matches, however many there are.
 */
import type { Document } from 'bson';
import type { Catalog } from './catalog';
import type { Collection } from './collection';
import type { Deadline } from './deadline';
import { isPlainObject } from './doc-utils';
import type { Matcher } from './mingo-context';
import { plan } from './planner';
import type { Steps } from './steps';
import { TextQueryRun } from './text-read';

/**
 * Documents of `coll` matching `filter`, counting at most `cap` when cap > 0, as steps: a
 * `$text` count reads one chunk of postings per step; any other runs in one.
 */
export function* countMatchingSteps(
  cat: Catalog,
  coll: Collection | undefined,
  filter: Document,
  q: Matcher,
  hint: unknown,
  deadline: Deadline,
  cap = 0,
): Steps<number> {
  if (!coll) return 0;
  if (q.text) {
    return coll.text ? yield* new TextQueryRun(coll, coll.text, q, deadline).countSteps(cap) : 0;
  }
  const p = plan(coll, filter, undefined, hint, { collated: q.strCmp !== undefined, epoch: () => cat.epoch });
  if (p.countKeys) {
    const k = p.countKeys(cap);
    if (k !== null) return k;
  }
  const testAll = Object.keys(filter).length === 0 || !!p.exact;
  if (!testAll) q.compile();
  let n = 0;
  for (const r of p.candidates()) {
    deadline.tick();
    if ((testAll || q.test(r.doc)) && ++n === cap) break;
  }
  deadline.check();
  return n;
}

export interface CountPipeline {
  match: unknown;
  skip: unknown;
  limit: unknown;
  id: unknown;
  field: string;
}

/** The countDocuments pipeline shape, or null for anything else. */
export function countPipelineShape(pipeline: Document[]): CountPipeline | null {
  const n = pipeline.length;
  if (n < 2 || n > 4 || !isPlainObject(pipeline[0]) || pipeline[0].$match === undefined) return null;
  const out: CountPipeline = { match: pipeline[0].$match, skip: undefined, limit: undefined, id: undefined, field: '' };
  let i = 1;
  if (i < n - 1 && isPlainObject(pipeline[i]) && pipeline[i].$skip !== undefined && Object.keys(pipeline[i]).length === 1)
    out.skip = pipeline[i++].$skip;
  if (i < n - 1 && isPlainObject(pipeline[i]) && pipeline[i].$limit !== undefined && Object.keys(pipeline[i]).length === 1)
    out.limit = pipeline[i++].$limit;
  if (i !== n - 1) return null;
  const g = pipeline[i].$group;
  if (!isPlainObject(g) || Object.keys(pipeline[i]).length !== 1) return null;
  const keys = Object.keys(g);
  if (keys.length !== 2 || keys[0] !== '_id') return null;
  const id = g._id;
  // a constant group key only: a number, null, or a string that is not a field path
  if (!(id === null || typeof id === 'number' || (typeof id === 'string' && !id.startsWith('$')))) return null;
  const field = keys[1];
  if (field.startsWith('$') || field.includes('.')) return null;
  const acc = g[field];
  if (!isPlainObject(acc) || Object.keys(acc).length !== 1 || acc.$sum !== 1) return null;
  out.id = id;
  out.field = field;
  return out;
}
