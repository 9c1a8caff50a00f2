import type { Document } from 'bson';
import type { DeleteStatement, FindAndModifyArgs, UpdateStatement, WriteError } from '../engine-api';
import { commandError } from '../errors';
import { SERVER_VERSION } from './admin';
import { checkCommandFields, checkStatementFields } from './command-fields';
import {
  afterSteps,
  collectionName,
  cursorBatchSize,
  isDurable,
  numericValue,
  operationSpec,
  optionalDocument,
  optionalNumber,
  requiredArray,
  type CommandContext,
  type CommandHandler,
} from './context';

/** Reads and writes of documents, and their cursors. */

/** find options with no embedded equivalent: refused, never silently ignored. */
const UNSUPPORTED_FIND_OPTIONS = ['tailable', 'awaitData', 'min', 'max', 'returnKey', 'showRecordId', 'oplogReplay'];

function writeReply(result: { n: number; writeErrors: unknown[] }, extra?: Document): Document {
  const reply: Document = { n: result.n };
  if (extra) Object.assign(reply, extra);
  if (result.writeErrors.length > 0) reply.writeErrors = result.writeErrors;
  reply.ok = 1;
  return reply;
}

/** `{name: value}` constants as `let` expressions that evaluate to exactly those values. */
function literals(c: unknown): Document {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw commandError(14, "'c' must be an object");
  const out: Document = {};
  for (const [k, v] of Object.entries(c)) out[k] = { $literal: v };
  return out;
}

interface LetGroup {
  offset: number;
  statements: UpdateStatement[];
  let: Document | undefined;
}

/**
 * Update statements grouped by the variables they see: the command's `let` plus each
 * statement's own constants (`c`). Consecutive statements without constants share one group.
 */
function statementsByLet(updates: (UpdateStatement & { c?: unknown })[], letDoc: Document | undefined): LetGroup[] {
  const groups: LetGroup[] = [];
  updates.forEach((st, i) => {
    const { c, ...rest } = st;
    const last = groups[groups.length - 1];
    if (c === undefined && last && last.let === letDoc) last.statements.push(rest);
    else groups.push({ offset: i, statements: [rest], let: c === undefined ? letDoc : { ...(letDoc ?? {}), ...literals(c) } });
  });
  return groups;
}

type UpdateResult = { n: number; nModified: number; upserted: { index: number; _id: unknown }[]; writeErrors: WriteError[] };

/** Adds a group's result, shifting its statement indexes by the group's offset. */
function mergeWriteResults(acc: UpdateResult, offset: number, r: UpdateResult): UpdateResult {
  return {
    n: acc.n + r.n,
    nModified: acc.nModified + r.nModified,
    upserted: [...acc.upserted, ...r.upserted.map((u) => ({ ...u, index: u.index + offset }))],
    writeErrors: [...acc.writeErrors, ...r.writeErrors.map((e) => ({ ...e, index: e.index + offset }))],
  };
}

function writeStatements(cmd: Document, field: string): Document[] {
  const statements = requiredArray(cmd, field);
  if (statements.length === 0) throw commandError(2, `'${field}' must hold at least one entry`);
  return statements;
}

const insert: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'insert');
  const docs = writeStatements(cmd, 'documents');
  const result = ctx.engine.insert(db, coll, docs, { ordered: cmd.ordered !== false, durable: isDurable(cmd) });
  ctx.server.opcounters.insert += docs.length;
  return writeReply(result);
};

const update: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'update');
  const statements = writeStatements(cmd, 'updates');
  for (const s of statements) {
    if (s === null || typeof s !== 'object' || typeof s.q !== 'object' || s.q === null || typeof s.u !== 'object' || s.u === null) {
      throw commandError(9, "each update needs a 'q' filter object and a 'u' update document or pipeline");
    }
    checkStatementFields('update', 'updates', s);
  }
  const letDoc = optionalDocument(cmd, 'let');
  // A statement's constants ('c') are variables of that statement's pipeline update.
  const updates = statements.map((s): UpdateStatement => {
    const st = { ...s } as UpdateStatement & { c?: unknown };
    if (st.c === undefined) return st;
    if (st.c === null || typeof st.c !== 'object' || Array.isArray(st.c))
      throw commandError(14, "BSON field 'update.updates.c' is the wrong type, expected type 'object'");
    if (!Array.isArray(st.u)) throw commandError(51198, "'c' (constants) is only allowed with a pipeline-style update");
    return st;
  });
  const ordered = cmd.ordered !== false;
  let result: UpdateResult = { n: 0, nModified: 0, upserted: [], writeErrors: [] };
  for (const group of statementsByLet(updates, letDoc)) {
    const r = ctx.engine.update(db, coll, group.statements, { ordered, durable: isDurable(cmd), let: group.let });
    result = mergeWriteResults(result, group.offset, r);
    if (ordered && r.writeErrors.length) break;
  }
  ctx.server.opcounters.update += statements.length;
  return writeReply(
    result,
    result.upserted.length > 0 ? { nModified: result.nModified, upserted: result.upserted } : { nModified: result.nModified },
  );
};

const remove: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'delete');
  const statements = writeStatements(cmd, 'deletes');
  for (const s of statements) {
    if (s === null || typeof s !== 'object' || typeof s.q !== 'object' || s.q === null) {
      throw commandError(9, "each delete needs a 'q' filter object");
    }
    const limit = numericValue(s.limit);
    if (limit !== 0 && limit !== 1) throw commandError(9, "a delete's 'limit' must be 0 (all) or 1");
    s.limit = limit;
    checkStatementFields('delete', 'deletes', s);
  }
  const result = ctx.engine.delete(db, coll, statements as DeleteStatement[], {
    ordered: cmd.ordered !== false,
    durable: isDurable(cmd),
    let: optionalDocument(cmd, 'let'),
  });
  ctx.server.opcounters.delete += statements.length;
  return writeReply(result);
};

const findAndModify: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, cmd.findAndModify !== undefined ? 'findAndModify' : 'findandmodify');
  const removing = cmd.remove === true;
  if (removing && cmd.update !== undefined) throw commandError(9, 'findAndModify cannot both update and remove');
  if (!removing && (cmd.update === undefined || cmd.update === null))
    throw commandError(9, "findAndModify needs either 'update' or 'remove: true'");
  if (removing && cmd.new === true) throw commandError(9, "findAndModify cannot return the 'new' document of a remove");
  if (removing && cmd.upsert === true) throw commandError(9, 'findAndModify cannot upsert when removing');
  const args: FindAndModifyArgs = {
    query: optionalDocument(cmd, 'query'),
    sort: optionalDocument(cmd, 'sort'),
    remove: removing,
    update: cmd.update as Document | Document[] | undefined,
    new: cmd.new === true,
    fields: optionalDocument(cmd, 'fields'),
    upsert: cmd.upsert === true,
    arrayFilters: cmd.arrayFilters as Document[] | undefined,
    hint: cmd.hint as Document | string | undefined,
    durable: isDurable(cmd),
    ...operationSpec(cmd),
  };
  if (cmd.c !== undefined) {
    if (!Array.isArray(cmd.update)) throw commandError(51198, "'c' (constants) is only allowed with a pipeline-style update");
    args.let = { ...(args.let ?? {}), ...literals(cmd.c) };
  }
  const result = ctx.engine.findAndModify(db, coll, args);
  if (removing) ctx.server.opcounters.delete++;
  else ctx.server.opcounters.update++;
  return { lastErrorObject: result.lastErrorObject, value: result.value, ok: 1 };
};

function findArgs(cmd: Document, ctx: CommandContext) {
  for (const option of UNSUPPORTED_FIND_OPTIONS) {
    if (cmd[option] !== undefined && cmd[option] !== false) {
      throw commandError(2, `find option '${option}' is not supported by the embedded server`);
    }
  }
  let limit = optionalNumber(cmd, 'limit');
  let batchSize = optionalNumber(cmd, 'batchSize');
  let singleBatch = cmd.singleBatch === true;
  // A negative limit or batch size is the legacy way of asking for one batch only.
  if (limit !== undefined && limit < 0) [limit, singleBatch] = [-limit, true];
  if (batchSize !== undefined && batchSize < 0) [batchSize, singleBatch] = [-batchSize, true];
  const skip = optionalNumber(cmd, 'skip');
  if (skip !== undefined && skip < 0) throw commandError(2, "'skip' must be non-negative");
  ctx.server.opcounters.query++;
  return {
    options: {
      filter: optionalDocument(cmd, 'filter'),
      sort: optionalDocument(cmd, 'sort'),
      projection: optionalDocument(cmd, 'projection'),
      skip,
      limit: limit === 0 ? undefined : limit,
      hint: cmd.hint as Document | string | undefined,
      maxTimeMS: optionalNumber(cmd, 'maxTimeMS'),
      ...operationSpec(cmd),
      allowDiskUse: typeof cmd.allowDiskUse === 'boolean' ? cmd.allowDiskUse : undefined,
    },
    batchSize,
    singleBatch,
  };
}

const find: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'find');
  const { options, batchSize, singleBatch } = findArgs(cmd, ctx);
  const cursor = ctx.engine.findCursor(db, coll, options);
  return afterSteps(
    cursor.prepare?.(),
    ctx,
    () => ctx.cursors.firstBatch(`${db}.${coll}`, cursor, batchSize, singleBatch, cmd.noCursorTimeout === true),
    () => cursor.close(),
  );
};

const getMore: CommandHandler = (cmd, db, ctx) => {
  ctx.server.opcounters.getmore++;
  return ctx.cursors.getMore(db, cmd);
};

const killCursors: CommandHandler = (cmd, _db, ctx) => {
  collectionName(cmd, 'killCursors');
  return ctx.cursors.kill(requiredArray(cmd, 'cursors'));
};

const count: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'count');
  const limit = optionalNumber(cmd, 'limit');
  const opts = {
    query: optionalDocument(cmd, 'query'),
    skip: optionalNumber(cmd, 'skip'),
    limit: limit === undefined ? undefined : Math.abs(limit),
    hint: cmd.hint,
    maxTimeMS: optionalNumber(cmd, 'maxTimeMS'),
    ...operationSpec(cmd),
  };
  if (!ctx.engine.countSteps) return { n: ctx.engine.count(db, coll, opts), ok: 1 };
  return afterSteps(ctx.engine.countSteps(db, coll, opts), ctx, (n) => ({ n, ok: 1 }));
};

const distinct: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'distinct');
  if (typeof cmd.key !== 'string' || cmd.key === '') throw commandError(14, "distinct needs a 'key' string");
  return { values: ctx.engine.distinct(db, coll, cmd.key, optionalDocument(cmd, 'query'), operationSpec(cmd)), ok: 1 };
};

function aggregateTarget(cmd: Document): string | null {
  if (cmd.aggregate === 1) return null;
  return collectionName(cmd, 'aggregate');
}

const aggregate: CommandHandler = (cmd, db, ctx) => {
  const coll = aggregateTarget(cmd);
  const pipeline = requiredArray(cmd, 'pipeline');
  if (cmd.explain === true) return explainOf(cmd, 'aggregate', db, 'queryPlanner', ctx);
  ctx.server.opcounters.command++;
  const cursor = ctx.engine.aggregateCursor(db, coll, pipeline, {
    maxTimeMS: optionalNumber(cmd, 'maxTimeMS'),
    hint: cmd.hint,
    allowDiskUse: typeof cmd.allowDiskUse === 'boolean' ? cmd.allowDiskUse : undefined,
    ...operationSpec(cmd),
  });
  return afterSteps(
    cursor.prepare?.(),
    ctx,
    () => ctx.cursors.firstBatch(coll === null ? `${db}.$cmd.aggregate` : `${db}.${coll}`, cursor, cursorBatchSize(cmd)),
    () => cursor.close(),
  );
};

const EXPLAINABLE = new Set(['find', 'aggregate', 'count', 'distinct']);

const explain: CommandHandler = (cmd, db, ctx) => {
  const inner = optionalDocument(cmd, 'explain');
  if (!inner) throw commandError(9, 'explain needs the command to explain as an object');
  const name = Object.keys(inner)[0];
  if (!EXPLAINABLE.has(name))
    throw commandError(2, `the embedded server cannot explain '${name}' (only find, aggregate, count and distinct)`);
  checkCommandFields(name, inner);
  const verbosity = typeof cmd.verbosity === 'string' ? cmd.verbosity : 'allPlansExecution';
  return explainOf(inner, name, db, verbosity, ctx);
};

/**
 * The engine's own plan when it offers one; otherwise an honest minimal plan, with the
 * real result count and time when execution statistics are asked for.
 */
function explainOf(inner: Document, name: string, db: string, verbosity: string, ctx: CommandContext): Document {
  const coll = name === 'aggregate' ? aggregateTarget(inner) : collectionName(inner, name);
  const namespace = `${db}.${coll ?? '$cmd.aggregate'}`;
  const serverInfo = { host: ctx.server.host, port: ctx.server.port, version: SERVER_VERSION };
  if (ctx.engine.explain) return { ...ctx.engine.explain(db, inner, verbosity), command: inner, serverInfo, ok: 1 };
  const queryPlanner: Document = {
    namespace,
    ...(name === 'aggregate' ? { pipeline: inner.pipeline } : { parsedQuery: inner.filter ?? inner.query ?? {} }),
    winningPlan: { stage: 'EMBEDDED', note: 'the embedded server does not report query plans' },
    rejectedPlans: [],
  };
  const reply: Document = { explainVersion: '1', queryPlanner };
  if (verbosity !== 'queryPlanner') {
    const started = performance.now();
    let nReturned: number;
    if (name === 'find') nReturned = ctx.engine.find(db, coll as string, findArgs(inner, ctx).options).length;
    else if (name === 'aggregate') nReturned = ctx.engine.aggregate(db, coll, requiredArray(inner, 'pipeline')).length;
    else if (name === 'count') nReturned = ctx.engine.count(db, coll as string, { query: optionalDocument(inner, 'query') });
    else nReturned = ctx.engine.distinct(db, coll as string, String(inner.key), optionalDocument(inner, 'query')).length;
    reply.executionStats = { executionSuccess: true, nReturned, executionTimeMillis: Math.round(performance.now() - started) };
  }
  return { ...reply, command: inner, serverInfo, ok: 1 };
}

export const crudCommands: Record<string, CommandHandler> = {
  insert,
  update,
  delete: remove,
  findAndModify,
  findandmodify: findAndModify,
  find,
  getMore,
  killCursors,
  count,
  distinct,
  aggregate,
  explain,
};
