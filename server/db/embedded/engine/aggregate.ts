/**
 * aggregate: a first `$match` (with a following `$sort`, `$skip`, `$limit`) runs through the
 * planner like a find (read-ops.ts select); the rest of the pipeline is mingo's, streamed
 * (mingo-context.ts streamAggregator), so `$match` + `$project` + `$limit` over a large
 * collection reads what the batches need. countDocuments' pipeline is counted (count.ts).
 */
import type { Document } from 'bson';
import type { AggregateOptions, DocCursor } from '../engine-api';
import type { Catalog } from './catalog';
import type { Collection } from './collection';
import { countMatchingSteps, countPipelineShape } from './count';
import { Deadline, spending } from './deadline';
import { StepsCursor, StreamCursor } from './doc-cursor';
import type { Steps } from './steps';
import { cloneDeep, isPlainObject } from './doc-utils';
import { badValue, mongoError } from './errors';
import { compileFilter, isKnownStage, scanForRefused, streamAggregator, type OperationOptions } from './mingo-context';
import { plan } from './planner';
import { filterOf, operationOptions, select, toCount, type Hit, type SelectOptions } from './read-ops';
import { rewriteScoreMeta, SCORE_FIELD } from './text-search';

const READ_ONLY_STAGES = new Set(['$match', '$sort', '$skip', '$limit', '$count', '$group', '$sortByCount']);

const REFUSED_STAGES: Record<string, string> = {
  $geoNear: '$geoNear: geospatial queries are not supported by this server',
  $search: '$search is not supported by this server',
  $searchMeta: '$searchMeta is not supported by this server',
  $vectorSearch: '$vectorSearch is not supported by this server',
  $changeStream: 'change streams are not supported by this server',
  $collStats: '$collStats is not supported by this server; use the collStats command',
  $indexStats: '$indexStats is not supported by this server',
  $currentOp: '$currentOp is not supported by this server',
  $listSessions: '$listSessions is not supported by this server',
  $listLocalSessions: '$listLocalSessions is not supported by this server',
  $planCacheStats: '$planCacheStats is not supported by this server',
};

/**
 * Every stage is a one-field object naming a stage the engine knows (40323 / 40324 as in
 * MongoDB) and not one it refuses; `$out` and `$merge` only last (the engine runs them, see
 * out-merge.ts).
 */
export function checkPipeline(pipeline: unknown): asserts pipeline is Document[] {
  if (!Array.isArray(pipeline)) throw mongoError(14, "'pipeline' option must be specified as an array");
  pipeline.forEach((st, i) => {
    if (!isPlainObject(st) || Object.keys(st).length !== 1) {
      throw mongoError(40323, 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = Object.keys(st)[0];
    if (REFUSED_STAGES[name]) throw badValue(REFUSED_STAGES[name]);
    if (!isKnownStage(name)) throw mongoError(40324, `Unrecognized pipeline stage name: '${name}'`);
    if ((name === '$out' || name === '$merge') && i !== pipeline.length - 1) {
      throw mongoError(40601, `${name} can only be the final stage in the pipeline`);
    }
  });
}

/** countDocuments' pipeline as steps of countMatchingSteps (count.ts), run when its cursor is read; null: not that shape. */
function countByPipeline(
  cat: Catalog,
  c: Collection | undefined,
  pipeline: Document[],
  opts: AggregateOptions,
  op: OperationOptions,
): Steps<Document[]> | null {
  const shape = countPipelineShape(pipeline);
  if (!shape) return null;
  const skip = shape.skip === undefined ? 0 : shape.skip;
  const limit = shape.limit === undefined ? 0 : shape.limit;
  if (typeof skip !== 'number' || !Number.isInteger(skip) || skip < 0) return null;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || (shape.limit !== undefined && limit === 0)) return null;
  const filter = filterOf(shape.match);
  const q = compileFilter(filter, { hasTextIndex: !!c?.text }, op);
  const deadline = new Deadline(opts.maxTimeMS);
  return (function* () {
    let n = yield* spending(countMatchingSteps(cat, c, filter, q, opts.hint, deadline, limit > 0 ? skip + limit : 0), deadline);
    n = Math.max(0, n - skip);
    if (limit > 0) n = Math.min(n, limit);
    return n > 0 ? [{ _id: shape.id, [shape.field]: n }] : [];
  })();
}

/** Every document of a collection in natural order (the source of a pipeline without $match). */
function* collectionScan(cat: Catalog, c: Collection | undefined): Generator<Hit> {
  if (!c) return;
  yield* plan(c, {}, { $natural: 1 }, undefined, { epoch: () => cat.epoch }).candidates();
}

export function aggregateCursor(
  cat: Catalog,
  db: string,
  coll: string | null,
  pipeline: Document[],
  opts: AggregateOptions = {},
): DocCursor {
  checkPipeline(pipeline);
  const op = operationOptions(opts.collation, opts.let);
  const c = coll === null ? undefined : cat.get(db, coll);
  if (coll !== null) {
    const counted = countByPipeline(cat, c, pipeline, opts, op);
    if (counted) return new StepsCursor(counted);
  }
  pipeline = cloneDeep(pipeline);
  // $text: only in a $match that is the first stage (the filter checks the rest).
  pipeline.forEach((st, i) => {
    if (scanForRefused(st) && !(i === 0 && st.$match !== undefined)) {
      throw badValue('$text is only allowed in a $match that is the first stage of a pipeline');
    }
  });
  const deadline = new Deadline(opts.maxTimeMS);
  let rest = pipeline;
  let source: Iterable<Hit> = [];
  let text = false;
  if (coll === null) {
    source = [];
  } else if (rest.length && rest[0].$match !== undefined) {
    const filter = filterOf(rest[0].$match);
    const q = compileFilter(filter, { hasTextIndex: !!c?.text }, op);
    text = !!q.text;
    rest = rest.slice(1);
    const o: SelectOptions = { hint: opts.hint, allowDiskUse: opts.allowDiskUse, scores: text };
    if (!q.text && rest.length && isPlainObject(rest[0].$sort)) {
      o.sort = rest[0].$sort;
      rest = rest.slice(1);
      if (rest.length && rest[0].$skip !== undefined) {
        o.skip = toCount(rest[0].$skip, '$skip');
        rest = rest.slice(1);
      }
      if (rest.length && rest[0].$limit !== undefined) {
        o.limit = toCount(rest[0].$limit, '$limit');
        if (o.limit <= 0) throw badValue('the limit must be positive');
        rest = rest.slice(1);
      }
    }
    source = select(cat, c, filter, q, o, deadline).hits;
  } else {
    source = collectionScan(cat, c);
  }
  rest = rewriteScoreMeta(rest, text);
  // mingo reshapes documents in place in several stages: unless the rest of the pipeline
  // only filters, orders or groups, it works on copies so stored documents stay immutable.
  const copy = rest.some((st) => !READ_ONLY_STAGES.has(Object.keys(st)[0]));
  function* docs(): Generator<Document> {
    for (const h of source) {
      deadline.tick();
      if (text) yield { ...(copy ? cloneDeep(h.doc) : h.doc), [SCORE_FIELD]: h.score };
      else yield copy ? cloneDeep(h.doc) : h.doc;
    }
  }
  if (!rest.length) {
    const plain = (function* () {
      for (const h of source) yield h.doc;
    })();
    deadline.pause();
    return new StreamCursor(plain, (d) => d, deadline);
  }
  const resolver = (name: string) => {
    const other = cat.get(db, name);
    const out: Document[] = [];
    for (const h of collectionScan(cat, other)) out.push(copy ? cloneDeep(h.doc) : h.doc);
    return out;
  };
  const out = streamAggregator(rest, docs(), resolver, op);
  deadline.pause();
  return new StreamCursor(out, (batch) => (text ? hideScores(batch) : batch), deadline);
}

/** Removes the hidden score field from aggregation output (top level; the docs are copies). */
function hideScores(docs: Document[]): Document[] {
  for (const d of docs) if (isPlainObject(d) && Object.hasOwn(d, SCORE_FIELD)) delete d[SCORE_FIELD];
  return docs;
}
