/**
 * The generic arguments every command may carry, checked the way a MongoDB 7.0 standalone
 * checks them: API version parameters (`apiVersion`, `apiStrict`), `readConcern` and
 * `writeConcern`. What a standalone cannot do (snapshot or linearizable reads, cluster-time
 * reads, replica-set write concerns) is refused, never silently ignored.
 */
import type { Document } from 'bson';
import { mongoError, unknownField } from '../error-codes';

/** Commands of the Stable API version 1 (what `apiStrict: true` allows). */
const API_V1 = new Set([
  'abortTransaction',
  'aggregate',
  'authenticate',
  'collMod',
  'commitTransaction',
  'count',
  'create',
  'createIndexes',
  'delete',
  'drop',
  'dropDatabase',
  'dropIndexes',
  'endSessions',
  'explain',
  'find',
  'findAndModify',
  'getMore',
  'hello',
  'insert',
  'killCursors',
  'listCollections',
  'listDatabases',
  'listIndexes',
  'ping',
  'refreshSessions',
  'saslContinue',
  'saslStart',
  'update',
]);

const READ_CONCERN_LEVELS = new Set(['local', 'available', 'majority', 'linearizable', 'snapshot']);
const READ_CONCERN_FIELDS = new Set(['level', 'afterClusterTime', 'afterOpTime', 'atClusterTime', 'provenance']);
const WRITE_CONCERN_FIELDS = new Set(['w', 'j', 'wtimeout', 'wtimeoutMS', 'fsync', 'provenance']);

function checkApi(name: string, cmd: Document): void {
  const { apiVersion, apiStrict, apiDeprecationErrors } = cmd;
  if (apiVersion === undefined) {
    if (apiStrict !== undefined || apiDeprecationErrors !== undefined) {
      throw mongoError(4886600, 'Provided apiStrict and/or apiDeprecationErrors without passing apiVersion');
    }
    return;
  }
  if (apiVersion !== '1') throw mongoError('APIVersionError', `API version must be "1"`);
  if (apiStrict === true && !API_V1.has(name)) {
    throw mongoError('APIStrictError', `Provided apiStrict:true, but the command ${name} is not in API Version 1`);
  }
}

function checkReadConcern(rc: unknown): void {
  if (rc === undefined || rc === null) return;
  if (typeof rc !== 'object' || Array.isArray(rc))
    throw mongoError('TypeMismatch', "BSON field 'readConcern' is the wrong type, expected type 'object'");
  const r = rc as Document;
  for (const k of Object.keys(r)) if (!READ_CONCERN_FIELDS.has(k)) throw unknownField(`readConcern.${k}`);
  if (r.level !== undefined) {
    if (typeof r.level !== 'string' || !READ_CONCERN_LEVELS.has(r.level)) {
      throw mongoError('BadValue', `Enumeration value '${String(r.level)}' for field 'readConcern.level' is not a valid value.`);
    }
    if (r.level === 'snapshot' || r.level === 'linearizable') {
      throw mongoError('NotAReplicaSet', `read concern level '${r.level}' needs a replica set; this server is a standalone`);
    }
  }
  if (r.afterClusterTime !== undefined || r.atClusterTime !== undefined) {
    throw mongoError('IllegalOperation', 'a standalone server has no cluster time: afterClusterTime and atClusterTime are not allowed');
  }
  if (r.afterOpTime !== undefined) throw mongoError('NotAReplicaSet', 'afterOpTime needs a replica set; this server is a standalone');
}

function checkWriteConcern(wc: unknown): void {
  if (wc === undefined || wc === null) return;
  if (typeof wc !== 'object' || Array.isArray(wc))
    throw mongoError('TypeMismatch', "BSON field 'writeConcern' is the wrong type, expected type 'object'");
  const w = wc as Document;
  for (const k of Object.keys(w)) if (!WRITE_CONCERN_FIELDS.has(k)) throw unknownField(`writeConcern.${k}`);
  const n = typeof w.w === 'number' ? w.w : (w.w as { valueOf?(): unknown } | undefined)?.valueOf?.();
  if (typeof n === 'number' && n > 1) throw mongoError('BadValue', "cannot use 'w' > 1 with a standalone server");
  if (typeof w.w === 'string' && w.w !== 'majority') {
    throw mongoError('UnknownReplWriteConcern', `No write concern mode named '${w.w}' found in replica set configuration`);
  }
}

/** Throws as MongoDB 7.0 on a standalone would for the generic arguments of `cmd`. */
export function checkGenericArgs(name: string, cmd: Document): void {
  checkApi(name, cmd);
  checkReadConcern(cmd.readConcern);
  checkWriteConcern(cmd.writeConcern);
}
