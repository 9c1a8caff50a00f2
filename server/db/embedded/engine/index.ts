/**
 * The embedded storage engine: documents and indexes in memory, write-through to SQLite.
 * `dataDir` null/undefined keeps everything in memory (tests).
 *
 * Map of the module:
 *   engine.ts        the Engine implementation (delegates to the files below)
 *   catalog.ts       databases/collections, the one-transaction write path (and group
 *                    commit: deferCommits/commitDeferred), start-up load
 *   collection.ts    documents + indexes of one collection; insert/replace/delete with undo
 *   indexes.ts       index specs (validation, echo, conflicts), B+ tree index, text-index hook
 *   text-search.ts   the text index (server/db/embedded/text) in the hook; where $text may
 *                    stand; {$meta: 'textScore'} in projections, sorts and pipelines
 *   text-read.ts     $text candidates + scores, rest of the filter, score sort (top-k)
 *   index-keys.ts    index keys of a document (multikey, compound, sparse)
 *   bson-order.ts    MongoDB's cross-type order, equality, order-preserving key encoding
 *   planner.ts       filter -> candidate documents (IDHACK / IXSCAN / OR / COLLSCAN)
 *   read-ops.ts      find, count, distinct, aggregate, explain
 *   count.ts         count / countDocuments pipeline without result arrays (index key counts)
 *   write-ops.ts     insert, update, delete, findAndModify
 *   updates.ts, update-ops.ts   update semantics (operators, replacement, pipeline, upsert)
 *   projection.ts    find projection (simple top-level ones directly; $slice / $elemMatch
 *                    on top of mingo)
 *   mingo-context.ts the single mingo configuration (BSON-aware operators, refusals)
 *   sqlite-store.ts  persistence
 *
 * Contract notes: stored documents are immutable and `find` returns them by reference (never
 * mutate them); inserted documents are copied. Documents are read back from SQLite with
 * `promoteLongs: false` (an int64 that arrived as a Long stays a Long; int32/double are JS
 * numbers, as the wire layer decodes them), so memory and disk hold the same representation.
 * Known limits: strings order by UTF-16 code units; in index keys a Long beyond 2^53 is
 * placed by its nearest double (filters re-check exactly); `$text` only at the top level of a
 * find/count/distinct/update/delete filter (or a top-level $and) and in a first-stage $match;
 * $caseSensitive / $diacriticSensitive true and languages other than english/none are refused.
 */
import path from 'node:path';
import type { Engine } from '../engine-api';
import type { Logger } from './catalog';
import { EmbeddedEngine } from './engine';
import { SqliteStore } from './sqlite-store';

export { EmbeddedEngine } from './engine';
export { setTextIndexFactory, type PluggableIndex, type TextIndexFactory } from './indexes';

const silent: Logger = { info() {}, warn() {} };

export function openEngine(opts: { dataDir?: string | null; logger?: Logger } = {}): Engine {
  const store = opts.dataDir ? new SqliteStore(path.resolve(opts.dataDir)) : null;
  return new EmbeddedEngine(store, opts.logger ?? silent);
}
