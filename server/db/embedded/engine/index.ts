/**
 * The embedded storage engine: documents and indexes in SQLite, a bounded cache of decoded
 * documents in memory (see ../STORAGE.md). `dataDir` null/undefined keeps everything in a
 * private in-memory SQLite database (tests).
 *
 * Map of the module:
 *   engine.ts        the Engine implementation (delegates to the files below)
 *   sqlite-store.ts  the SQLite file: pragmas, catalog tables, statements, transactions
 *   catalog.ts       databases/collections, the write path (savepoint per command, group
 *                    commit: deferCommits/commitDeferred), start-up (catalog only)
 *   migrate.ts       one-time, resumable migration of a format-1 data directory
 *   collection.ts    documents of one collection (table c<id>) + its indexes; insert/replace/
 *                    delete; every refusal checked before anything is written
 *   doc-cache.ts     the LRU cache of decoded documents (EMBEDDED_CACHE_MB)
 *   write-txn.ts     the in-memory side of a write command (undo, cache eviction)
 *   keystring.ts     order-preserving binary encoding of BSON values (index keys)
 *   indexes.ts       an index as a SQLite table of key strings (x<id>); scans, counts, probes
 *   index-specs.ts   index specs (validation, echo, conflicts)
 *   index-keys.ts    index keys of a document (multikey, compound, sparse)
 *   text-store.ts    the text index: FTS5 postings by score level + exact term scores
 *   text-read.ts     $text candidates, scores, top-k by score, capped counts
 *   text-search.ts   where $text may stand; {$meta: 'textScore'} in projections, sorts, pipelines
 *   bson-order.ts    MongoDB's cross-type order and equality
 *   planner.ts       filter -> candidate documents (IDHACK / IXSCAN / OR / COLLSCAN)
 *   read-ops.ts      find (streamed), count, distinct, explain
 *   aggregate.ts     aggregate (first $match through the planner, the rest streamed by mingo)
 *   count.ts         count / countDocuments without result arrays (index entry counts)
 *   doc-cursor.ts    DocCursor implementations
 *   deadline.ts      maxTimeMS
 *   write-ops.ts     insert, update, delete, findAndModify
 *   updates.ts, update-ops.ts   update semantics (operators, replacement, pipeline, upsert)
 *   projection.ts    find projection (simple top-level ones directly; $slice / $elemMatch
 *                    on top of mingo)
 *   mingo-context.ts the single mingo configuration (BSON-aware operators, refusals)
 *
 * Contract notes: stored (cached) documents are immutable and `find` returns them by
 * reference (never mutate them); inserted documents are copied. Documents are read back
 * with `promoteLongs: false` (codec.ts). Known limits: `$text` only at the top level of a
 * find/count/distinct/update/delete filter (or a top-level $and) and in a first-stage
 * $match; $caseSensitive / $diacriticSensitive true and languages other than english/none
 * are refused.
 */
import path from 'node:path';
import type { Engine } from '../engine-api';
import type { Logger } from './catalog';
import { DEFAULT_CACHE_MB, DocCache } from './doc-cache';
import { EmbeddedEngine } from './engine';
import type { MigrationOptions } from './migrate';
import { SqliteStore } from './sqlite-store';

const silent: Logger = { info() {}, warn() {} };

export interface OpenEngineOptions {
  /** null/undefined: in memory only */
  dataDir?: string | null;
  logger?: Logger;
  /** Budget of the decoded-document cache in MiB (EMBEDDED_CACHE_MB); default 64. */
  cacheMB?: number;
  /** How a format-1 directory is migrated (step size, progress log rate; tests use small steps). */
  migration?: MigrationOptions;
  /** Bytes a sort without an index may hold when allowDiskUse is false; default 100 MB (tests lower it). */
  sortMemoryLimit?: number;
}

/**
 * Opens the storage engine. With a data directory it opens (or creates, mode 0700/0600)
 * `embedded.sqlite` there and migrates a format-1 file first; it reads no document.
 */
export function openEngine(opts: OpenEngineOptions = {}): Engine {
  const store = new SqliteStore(opts.dataDir ? path.resolve(opts.dataDir) : null);
  const cache = new DocCache(Math.round((opts.cacheMB ?? DEFAULT_CACHE_MB) * 1024 * 1024));
  const engine = new EmbeddedEngine(store, cache, opts.logger ?? silent, opts.migration);
  if (opts.sortMemoryLimit !== undefined) engine.catalog.sortMemoryLimit = opts.sortMemoryLimit;
  return engine;
}
