import type { Document } from 'bson';
import { Query } from 'mingo';
import type { IndexSpec } from '../engine-api';
import { commandError } from '../errors';
import { collectionName, commandOptions, cursorBatchSize, numericValue, optionalDocument, type CommandHandler } from './context';

/** Databases, collections and indexes. */

const listDatabases: CommandHandler = (cmd, _db, ctx) => {
  let dbs: Document[] = ctx.engine.listDatabases();
  const filter = optionalDocument(cmd, 'filter');
  if (filter) {
    const q = new Query(filter);
    dbs = dbs.filter((d) => q.test(d));
  }
  if (cmd.nameOnly) return { databases: dbs.map((d) => ({ name: d.name })), ok: 1 };
  const totalSize = dbs.reduce((sum, d) => sum + (d.sizeOnDisk as number), 0);
  return { databases: dbs, totalSize, totalSizeMb: Math.floor(totalSize / 1048576), ok: 1 };
};

const listCollections: CommandHandler = (cmd, db, ctx) => {
  const filter = optionalDocument(cmd, 'filter');
  let infos: Document[] = ctx.engine.listCollections(db, filter);
  if (cmd.nameOnly) infos = infos.map((c) => ({ name: c.name, type: c.type }));
  return ctx.cursors.firstBatch(`${db}.$cmd.listCollections`, infos, cursorBatchSize(cmd));
};

const create: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'create');
  ctx.engine.createCollection(db, coll, commandOptions(cmd, 'create'));
  return { ok: 1 };
};

const drop: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'drop');
  ctx.engine.dropCollection(db, coll);
  return { ns: `${db}.${coll}`, ok: 1 };
};

const dropDatabase: CommandHandler = (_cmd, db, ctx) => {
  ctx.engine.dropDatabase(db);
  return { dropped: db, ok: 1 };
};

const createIndexes: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'createIndexes');
  const specs = cmd.indexes;
  if (!Array.isArray(specs) || specs.length === 0) throw commandError(2, "createIndexes needs a non-empty 'indexes' array");
  for (const spec of specs as Document[]) {
    if (spec === null || typeof spec !== 'object' || typeof spec.key !== 'object' || typeof spec.name !== 'string') {
      throw commandError(9, "each index specification needs a 'key' object and a 'name' string");
    }
  }
  return { ...ctx.engine.createIndexes(db, coll, specs as IndexSpec[]), ok: 1 };
};

const listIndexes: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'listIndexes');
  const specs = ctx.engine.listIndexes(db, coll) as Document[];
  return ctx.cursors.firstBatch(`${db}.$cmd.listIndexes.${coll}`, specs, cursorBatchSize(cmd));
};

const dropIndexes: CommandHandler = (cmd, db, ctx) => {
  const name = cmd.dropIndexes !== undefined ? 'dropIndexes' : 'deleteIndexes';
  const coll = collectionName(cmd, name);
  const index = cmd.index as string | string[] | Document | undefined;
  if (index === undefined || index === null)
    throw commandError(9, `${name} needs an 'index' field (a name, a key pattern, a list of names or '*')`);
  return { ...ctx.engine.dropIndexes(db, coll, index), ok: 1 };
};

/**
 * Only index changes are supported (`index: {name | keyPattern, expireAfterSeconds, hidden}`);
 * the index is rebuilt with the new options. Everything else is refused rather than ignored.
 */
const collMod: CommandHandler = (cmd, db, ctx) => {
  const coll = collectionName(cmd, 'collMod');
  const options = commandOptions(cmd, 'collMod');
  const unsupported = Object.keys(options).filter((k) => k !== 'index');
  if (unsupported.length > 0) {
    throw commandError(
      2,
      `collMod option '${unsupported[0]}' is not supported by the embedded server (only an index's expireAfterSeconds and hidden can change)`,
    );
  }
  const specs = ctx.engine.listIndexes(db, coll); // 26 when the collection does not exist
  const change = options.index as Document | undefined;
  if (!change) return { ok: 1 };
  const extra = Object.keys(change).filter((k) => !['name', 'keyPattern', 'expireAfterSeconds', 'hidden'].includes(k));
  if (numericValue(change.expireAfterSeconds) !== undefined) change.expireAfterSeconds = numericValue(change.expireAfterSeconds);
  const ttl = change.expireAfterSeconds;
  const hidden = change.hidden;
  if (extra.length > 0 || (ttl === undefined && hidden === undefined) || (ttl !== undefined && typeof ttl !== 'number')) {
    throw commandError(2, "collMod on the embedded server can change an index's expireAfterSeconds and hidden only");
  }
  if (hidden !== undefined && typeof hidden !== 'boolean') throw commandError(14, "collMod: 'hidden' must be a boolean");
  const keyText = change.keyPattern ? JSON.stringify(change.keyPattern) : undefined;
  const old = specs.find((s) => (change.name !== undefined ? s.name === change.name : JSON.stringify(s.key) === keyText));
  if (!old)
    throw commandError(
      27,
      `collMod: no index ${change.name !== undefined ? `named '${change.name}'` : `with key ${keyText}`} on ${db}.${coll}`,
    );
  if (ttl !== undefined && old.expireAfterSeconds === undefined) throw commandError(2, `collMod: index '${old.name}' is not a TTL index`);
  if (hidden !== undefined && old.name === '_id_') throw commandError(72, 'cannot hide the _id index');
  const next: IndexSpec = { ...old };
  const reply: Document = {};
  if (ttl !== undefined) {
    reply.expireAfterSeconds_old = old.expireAfterSeconds;
    reply.expireAfterSeconds_new = ttl;
    next.expireAfterSeconds = ttl;
  }
  if (hidden !== undefined) {
    reply.hidden_old = old.hidden === true;
    reply.hidden_new = hidden;
    if (hidden) next.hidden = true;
    else delete next.hidden;
  }
  // the index is rebuilt with the new options (its keys do not change)
  ctx.engine.dropIndexes(db, coll, old.name);
  try {
    ctx.engine.createIndexes(db, coll, [next]);
  } catch (err) {
    ctx.engine.createIndexes(db, coll, [old]);
    throw err;
  }
  return { ...reply, ok: 1 };
};

const dbStats: CommandHandler = (_cmd, db, ctx) => ({ ...ctx.engine.dbStats(db), ok: 1 });

const collStats: CommandHandler = (cmd, db, ctx) => ({ ...ctx.engine.collStats(db, collectionName(cmd, 'collStats')), ok: 1 });

export const catalogCommands: Record<string, CommandHandler> = {
  listDatabases,
  listCollections,
  create,
  drop,
  dropDatabase,
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
  collMod,
  dbStats,
  collStats,
};
