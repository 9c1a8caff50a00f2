/**
 * The contract between the wire layer (server/db/embedded/wire/, commands.ts) and the
 * storage engine (server/db/embedded/engine/). The engine is synchronous and in-process:
 * each call runs to completion in one tick, so state stays consistent without locks.
 * Every value handed in or out is built from the server's single `bson` module.
 */
import type { Document } from 'bson';
import type { Steps } from './engine/steps';

/** A MongoDB-style command error: becomes `{ok: 0, errmsg, code, codeName, ...extra}`. */
export class MongoCommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Document = {},
  ) {
    super(message);
  }
}

export interface WriteError {
  index: number;
  code: number;
  errmsg: string;
  keyPattern?: Document;
  keyValue?: Document;
  codeName?: string;
}

export interface IndexSpec {
  v?: number;
  key: Document;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
  /** text index options are echoed back exactly as given */
  [option: string]: unknown;
}

/**
 * Per-operation options shared by reads and writes: `collation` is the command's collation
 * spec as sent (`{locale: 'simple'}` or absent: byte order; see engine/collation.ts), `let`
 * the command's variables document, whose expressions the engine evaluates once.
 */
export interface OperationSpec {
  collation?: Document;
  let?: Document;
}

export interface FindOptions extends OperationSpec {
  filter?: Document;
  sort?: Document;
  projection?: Document;
  skip?: number;
  limit?: number; // 0 or undefined = no limit
  hint?: Document | string;
  maxTimeMS?: number;
  /**
   * false: a sort that no index serves fails with 292 QueryExceededMemoryLimitNoDiskUseAllowed
   * once the documents it orders pass 100 MB (MongoDB's limit); otherwise it proceeds.
   */
  allowDiskUse?: boolean;
}

export interface AggregateOptions {
  maxTimeMS?: number;
  hint?: unknown;
  allowDiskUse?: boolean;
}

/**
 * A result read batch by batch (find, aggregate): the engine produces documents only as the
 * client asks for them, so a large result is never held whole. Between two calls other
 * commands may run; the cursor then continues from where it stopped, seeing their effects
 * like a MongoDB cursor without snapshot isolation does. maxTimeMS counts the time spent
 * inside next().
 */
export interface DocCursor {
  /** Up to `n` more documents (n >= 1); fewer only when the result is exhausted. */
  next(n: number): Document[];
  /** True once every document was handed out. */
  readonly exhausted: boolean;
  /** Releases what the cursor holds; later next() calls return nothing. */
  close(): void;
  /**
   * The work the first batch needs, as steps (engine/steps.ts) a caller may run in slices
   * before it calls next(); null or absent: nothing long. next() does whatever is not done.
   */
  prepare?(): Steps<void> | null;
}

export interface UpdateStatement {
  q: Document;
  u: Document | Document[]; // update document, replacement, or pipeline
  upsert?: boolean;
  multi?: boolean;
  arrayFilters?: Document[];
  hint?: Document | string;
  collation?: Document;
}

export interface DeleteStatement {
  q: Document;
  limit: 0 | 1;
  hint?: Document | string;
  collation?: Document;
}

export interface WriteOptions {
  ordered?: boolean; // default true
  /** j: true -> fsync (synchronous=FULL) for this commit */
  durable?: boolean;
  /** the command's `let` variables, for every statement */
  let?: Document;
}

export interface FindAndModifyArgs extends OperationSpec {
  query?: Document;
  sort?: Document;
  remove?: boolean;
  update?: Document | Document[];
  new?: boolean;
  fields?: Document;
  upsert?: boolean;
  arrayFilters?: Document[];
  hint?: Document | string;
  durable?: boolean;
}

export interface FindAndModifyResult {
  lastErrorObject: { n: number; updatedExisting?: boolean; upserted?: unknown };
  value: Document | null;
}

export interface AggregateOptions extends OperationSpec {
  maxTimeMS?: number;
  hint?: unknown;
}

export interface CountOptions extends OperationSpec {
  query?: Document;
  skip?: number;
  limit?: number;
  hint?: unknown;
  maxTimeMS?: number;
}

export interface CollectionInfo {
  name: string;
  type: 'collection';
  options: Document;
  info: { readOnly: false; uuid?: unknown };
  idIndex: IndexSpec;
}

export interface Engine {
  listDatabases(): { name: string; sizeOnDisk: number; empty: boolean }[];
  dropDatabase(db: string): void;
  listCollections(db: string, filter?: Document): CollectionInfo[];
  /** throws 48 NamespaceExists if it exists; refuses unsupported options clearly */
  createCollection(db: string, coll: string, options?: Document): void;
  /** throws 26 NamespaceNotFound if missing */
  dropCollection(db: string, coll: string): void;
  createIndexes(
    db: string,
    coll: string,
    specs: IndexSpec[],
  ): {
    numIndexesBefore: number;
    numIndexesAfter: number;
    createdCollectionAutomatically: boolean;
    note?: string;
  };
  listIndexes(db: string, coll: string): IndexSpec[];
  /** index: name, key pattern, list of names, or '*' */
  dropIndexes(db: string, coll: string, index: string | string[] | Document): { nIndexesWas: number };

  insert(db: string, coll: string, docs: Document[], opts?: WriteOptions): { n: number; writeErrors: WriteError[] };
  /** The result of a find, read batch by batch (the wire layer's cursors). */
  findCursor(db: string, coll: string, opts: FindOptions): DocCursor;
  /** Every document a find returns, at once (tools and tests; holds the whole result). */
  find(db: string, coll: string, opts: FindOptions): Document[];
  update(
    db: string,
    coll: string,
    updates: UpdateStatement[],
    opts?: WriteOptions,
  ): {
    n: number;
    nModified: number;
    upserted: { index: number; _id: unknown }[];
    writeErrors: WriteError[];
  };
  delete(db: string, coll: string, deletes: DeleteStatement[], opts?: WriteOptions): { n: number; writeErrors: WriteError[] };
  findAndModify(db: string, coll: string, args: FindAndModifyArgs): FindAndModifyResult;
  /**
   * The result of an aggregation, read batch by batch. coll === null for `{aggregate: 1}`. A
   * last `$out` or `$merge` stage writes its result through this same interface and returns
   * no documents.
   */
  aggregateCursor(db: string, coll: string | null, pipeline: Document[], opts?: AggregateOptions): DocCursor;
  /** Every document an aggregation returns, at once (tools and tests). */
  aggregate(db: string, coll: string | null, pipeline: Document[], opts?: AggregateOptions): Document[];
  /** Documents matching `opts.query`; with `limit`, counting stops once it reaches skip + limit. */
  count(db: string, coll: string, opts: CountOptions): number;
  /** count() as steps (engine/steps.ts), for a caller that runs them in slices (absent: count() at once). */
  countSteps?(db: string, coll: string, opts: CountOptions): Steps<number>;
  distinct(db: string, coll: string, key: string, query?: Document, opts?: OperationSpec & { maxTimeMS?: number }): unknown[];

  dbStats(db: string): Document;
  collStats(db: string, coll: string): Document;

  /**
   * Optional (added by the wire layer): the query plan of a find/aggregate/count/distinct
   * command document, for the `explain` command. Without it the wire layer answers with a
   * minimal plan of its own.
   */
  explain?(db: string, command: Document, verbosity: string): Document;

  /**
   * Optional (engine): the plan a find would use plus execution counters, shaped like
   * MongoDB's explain ({queryPlanner: {winningPlan: {stage, indexName, ...}}, executionStats}).
   */
  explainFind?(db: string, coll: string, opts: FindOptions): Document;

  /**
   * Optional group commit. Writes made inside `deferCommits(fn)` apply in memory at once but
   * their storage commit waits for `commitDeferred()`, which commits all waiting writes in
   * one transaction, or, if that fails, undoes all of them in memory and throws. The caller
   * acknowledges none of them before commitDeferred() returns, and runs nothing else between.
   */
  deferCommits?<T>(fn: () => T): T;
  commitDeferred?(): void;

  /** Remove TTL-expired documents; called by a background timer. Returns removed count. */
  expireTtl(now?: Date): number;
  close(): void;
}
