/**
 * `$text` in the engine: where a `$text` clause may stand in a filter, and
 * `{$meta: 'textScore'}` in find projections and sorts and in aggregation stages. The index
 * itself is text-store.ts; reading through it, text-read.ts.
 *
 * How a `$text` query runs: the clause is taken out of the filter (top level, or a branch of
 * a top-level `$and`); the text index answers it with candidates and scores; the rest of the
 * filter is tested by mingo on those candidates only. Scores travel beside the documents
 * (by record id), never inside them, except in an aggregation, where the candidates are
 * copies carrying a hidden `__textScore` field that `{$meta: 'textScore'}` is rewritten to,
 * and which is removed from the output.
 */
import type { Document } from 'bson';
import { isPlainObject } from './doc-utils';
import { badValue } from './errors';

/** The hidden field carrying the score through an aggregation pipeline. */
export const SCORE_FIELD = '__textScore';

const NESTED_TEXT = '$text is only allowed at the top level of a query filter (or in a top-level $and)';

/** True when a `$text` key occurs anywhere in `v`. */
export function containsText(v: unknown, depth = 0): boolean {
  if (v === null || typeof v !== 'object' || depth > 100) return false;
  if (Array.isArray(v)) return v.some((e) => containsText(e, depth + 1));
  if (!isPlainObject(v)) return false;
  for (const k of Object.keys(v)) {
    if (k === '$text') return true;
    if (containsText(v[k], depth + 1)) return true;
  }
  return false;
}

/**
 * Takes the `$text` clause out of a filter. Returns the clause (null when there is none) and
 * the rest of the filter. `$text` anywhere else (inside `$or`, `$nor`, `$not`, `$elemMatch`,
 * a sub-document) and a second `$text` are BadValue (2), as in MongoDB.
 */
export function splitTextFilter(filter: Document): { text: Document | null; rest: Document } {
  let text: Document | null = null;
  const take = (v: unknown) => {
    if (text) throw badValue('a query can hold only one $text expression');
    if (!isPlainObject(v)) throw badValue('$text needs an object');
    text = v;
  };
  const strip = (f: Document): Document => {
    const out: Document = {};
    for (const k of Object.keys(f)) {
      const v = f[k];
      if (k === '$text') {
        take(v);
      } else if (k === '$and' && Array.isArray(v)) {
        const branches: unknown[] = [];
        for (const b of v) {
          if (isPlainObject(b) && Object.hasOwn(b, '$text')) {
            const left = strip(b);
            if (Object.keys(left).length) branches.push(left);
          } else {
            branches.push(isPlainObject(b) && containsAnd(b) ? strip(b) : b);
          }
        }
        if (branches.length) out.$and = branches;
      } else {
        out[k] = v;
      }
    }
    return out;
  };
  const rest = strip(filter);
  if (containsText(rest)) throw badValue(NESTED_TEXT);
  return { text, rest };
}

function containsAnd(b: Document): boolean {
  return Array.isArray(b.$and) && b.$and.some((x) => isPlainObject(x) && (Object.hasOwn(x, '$text') || containsAnd(x)));
}

// ---- {$meta: 'textScore'} -------------------------------------------------------------------

const NO_SCORE = "{$meta: 'textScore'} needs a $text query: without one there is no text score";

/** True for `{$meta: 'textScore'}`; BadValue for other `$meta` kinds this server lacks. */
export function isScoreMeta(v: unknown): boolean {
  if (!isPlainObject(v) || !Object.hasOwn(v, '$meta')) return false;
  if (v.$meta !== 'textScore') throw badValue(`$meta '${String(v.$meta)}' is not supported by this server (only 'textScore')`);
  if (Object.keys(v).length !== 1) throw badValue('$meta must be the only field of its object');
  return true;
}

/** The field names of a find projection that ask for the score, and the projection without them. */
export function splitMetaProjection(projection: Document | undefined): { names: string[]; rest: Document | undefined } {
  if (!projection || !isPlainObject(projection)) return { names: [], rest: projection };
  const names: string[] = [];
  const rest: Document = {};
  for (const [k, v] of Object.entries(projection)) {
    if (isScoreMeta(v)) names.push(k);
    else rest[k] = v;
  }
  return { names, rest };
}

/** Whether a find sort uses the score. */
export function sortUsesScore(sort: Document | undefined): boolean {
  if (!sort || !isPlainObject(sort)) return false;
  return Object.values(sort).some((v) => isScoreMeta(v));
}

/** BadValue when a find asks for the score without `$text`. */
export function assertNoScoreWithoutText(sort: Document | undefined, projection: Document | undefined): void {
  if (sortUsesScore(sort) || splitMetaProjection(projection).names.length) throw badValue(NO_SCORE);
}

/** Adds the score under each requested name to (shallow copies of) projected documents. */
export function addScores(projected: Document[], scores: number[], names: string[]): Document[] {
  return projected.map((p, i) => {
    const out: Document = { ...p };
    for (const n of names) out[n] = scores[i] ?? 0;
    return out;
  });
}

/**
 * Rewrites `{$meta: 'textScore'}` in aggregation stages after a `$text` `$match`: in a
 * `$sort` it becomes a descending sort on the hidden field, anywhere else the expression
 * `'$__textScore'`. With `allowed` false any use is BadValue (no `$text` in the pipeline).
 */
export function rewriteScoreMeta(stages: Document[], allowed: boolean): Document[] {
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object' || depth > 200) return v;
    if (Array.isArray(v)) return v.map((e) => walk(e, depth + 1));
    if (!isPlainObject(v)) return v;
    if (isScoreMeta(v)) {
      if (!allowed) throw badValue(NO_SCORE);
      return `$${SCORE_FIELD}`;
    }
    if (Object.hasOwn(v, '$literal')) return v;
    const out: Document = {};
    for (const k of Object.keys(v)) out[k] = walk(v[k], depth + 1);
    return out;
  };
  return stages.map((st) => {
    const name = Object.keys(st)[0];
    if (name === '$sort' && isPlainObject(st.$sort)) {
      const sort: Document = {};
      for (const [k, v] of Object.entries(st.$sort)) {
        if (isScoreMeta(v)) {
          if (!allowed) throw badValue(NO_SCORE);
          sort[SCORE_FIELD] = -1;
        } else sort[k] = v;
      }
      return { $sort: sort };
    }
    return walk(st, 0) as Document;
  });
}
