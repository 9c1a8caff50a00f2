/**
 * Which fields a command (and each statement of an update or delete) may carry. MongoDB 7.0
 * parses commands strictly: a field a command does not define is error 40415 ("BSON field
 * 'update.updates.sort' is an unknown field."), so an option the server would not honour can
 * never be silently ignored (`updateOne(filter, update, {sort})` from a newer driver would
 * otherwise update some other document).
 *
 * The lists hold every field MongoDB 7.0 defines for these commands, which covers what the
 * official driver (node_modules/mongodb/lib/operations), mongoose, connect-mongo, mongosh and
 * Compass put in them. Fields listed but not implemented are refused by the handlers with
 * their own message; commands not listed here are not checked.
 */
import type { Document } from 'bson';
import { unknownField } from '../error-codes';

/** Fields any command may carry (sessions, read/write concern, API version, routing, ...). */
export const GENERIC_FIELDS = new Set([
  '$db',
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'stmtId',
  'txnRetryCounter',
  '$clusterTime',
  '$readPreference',
  'readConcern',
  'writeConcern',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  'comment',
  'maxTimeMS',
  'maxTimeMSOpOnly',
  'usesDefaultMaxTimeMS',
  '$audit',
  '$client',
  '$configServerState',
  '$configTime',
  '$topologyTime',
  '$queryOptions',
  '$replData',
  '$oplogQueryData',
  'clientOperationKey',
  'databaseVersion',
  'shardVersion',
  'allowImplicitCollectionCreation',
  'mayBypassWriteBlocking',
  'tracking_info',
  'versionContext',
  'expectPrefix',
  'rawData',
  'help',
]);

const COMMAND_FIELDS: Record<string, string[]> = {
  find: [
    'filter',
    'projection',
    'sort',
    'hint',
    'skip',
    'limit',
    'batchSize',
    'singleBatch',
    'max',
    'min',
    'returnKey',
    'showRecordId',
    'tailable',
    'oplogReplay',
    'noCursorTimeout',
    'awaitData',
    'allowPartialResults',
    'collation',
    'allowDiskUse',
    'let',
    'readOnce',
    'allowSpeculativeMajorityRead',
    'requestResumeToken',
    'resumeAfter',
    'startAt',
    'term',
    'ntoreturn',
    'isExplain',
    'includeQueryStatsMetrics',
    'encryptionInformation',
    '$_requestResumeToken',
    '$_resumeAfter',
    '$_startAt',
  ],
  aggregate: [
    'pipeline',
    'explain',
    'allowDiskUse',
    'cursor',
    'bypassDocumentValidation',
    'hint',
    'let',
    'collation',
    'needsMerge',
    'fromMongos',
    'fromRouter',
    'exchange',
    'collectionUUID',
    'isMapReduceCommand',
    'passthroughToShard',
    'querySettings',
    'includeQueryStatsMetrics',
    'encryptionInformation',
    '$_requestReshardingResumeToken',
    '$_generateV2ResumeTokens',
  ],
  insert: [
    'documents',
    'ordered',
    'bypassDocumentValidation',
    'stmtIds',
    'collectionUUID',
    'isTimeseriesNamespace',
    'encryptionInformation',
  ],
  update: [
    'updates',
    'ordered',
    'bypassDocumentValidation',
    'let',
    'stmtIds',
    'collectionUUID',
    'isTimeseriesNamespace',
    'encryptionInformation',
  ],
  delete: [
    'deletes',
    'ordered',
    'bypassDocumentValidation',
    'let',
    'stmtIds',
    'collectionUUID',
    'isTimeseriesNamespace',
    'encryptionInformation',
  ],
  findAndModify: [
    'query',
    'sort',
    'remove',
    'update',
    'new',
    'fields',
    'upsert',
    'bypassDocumentValidation',
    'collation',
    'arrayFilters',
    'hint',
    'let',
    'c',
    'sampleId',
    'isTimeseriesNamespace',
    'encryptionInformation',
    '$_allowShardKeyUpdatesWithoutFullShardKeyInQuery',
  ],
  count: ['query', 'limit', 'skip', 'hint', 'collation', 'fields', 'sampleId', 'mirrored', 'encryptionInformation'],
  distinct: ['key', 'query', 'collation', 'hint', 'sampleId', 'mirrored'],
  getMore: ['collection', 'batchSize', 'term', 'lastKnownCommittedOpTime', 'includeQueryStatsMetrics'],
  killCursors: ['cursors'],
  createIndexes: ['indexes', 'commitQuorum', 'ignoreUnknownIndexOptions', 'isTimeseriesNamespace', 'collectionUUID'],
  listIndexes: ['cursor', 'includeBuildUUIDs', 'includeIndexBuildInfo', 'isTimeseriesNamespace', 'collectionUUID'],
  listCollections: ['filter', 'nameOnly', 'authorizedCollections', 'cursor', 'includePendingDrops'],
  drop: ['collectionUUID', 'isTimeseriesNamespace'],
  dropIndexes: ['index', 'collectionUUID', 'isTimeseriesNamespace'],
};
COMMAND_FIELDS.findandmodify = COMMAND_FIELDS.findAndModify;
COMMAND_FIELDS.deleteIndexes = COMMAND_FIELDS.dropIndexes;

const ALLOWED = new Map(Object.entries(COMMAND_FIELDS).map(([name, fields]) => [name, new Set(fields)]));

const STATEMENT_FIELDS = {
  updates: new Set([
    'q',
    'u',
    'c',
    'upsert',
    'multi',
    'arrayFilters',
    'hint',
    'collation',
    'upsertSupplied',
    'sampleId',
    '$_allowShardKeyUpdatesWithoutFullShardKeyInQuery',
  ]),
  deletes: new Set(['q', 'limit', 'hint', 'collation', 'sampleId']),
};

/** Throws 40415 for a field `cmd` (named `name`) does not define; commands not listed pass. */
export function checkCommandFields(name: string, cmd: Document): void {
  const allowed = ALLOWED.get(name);
  if (!allowed) return;
  for (const k of Object.keys(cmd)) {
    if (k !== name && !allowed.has(k) && !GENERIC_FIELDS.has(k)) throw unknownField(`${name}.${k}`);
  }
}

/** Throws 40415 for a field an update (`updates`) or delete (`deletes`) statement does not define. */
export function checkStatementFields(command: 'update' | 'delete', list: 'updates' | 'deletes', statement: Document): void {
  const allowed = STATEMENT_FIELDS[list];
  for (const k of Object.keys(statement)) if (!allowed.has(k)) throw unknownField(`${command}.${list}.${k}`);
}
