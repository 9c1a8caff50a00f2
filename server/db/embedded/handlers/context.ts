import type { Document } from 'bson';
import type { Logger } from '../../../kernel/logger';
import type { CursorStore } from '../cursors';
import type { Engine } from '../engine-api';
import { commandError } from '../errors';

/** What the whole server knows about itself, for serverStatus and friends. */
export interface ServerInfo {
  readonly host: string;
  port: number;
  readonly dataDir: string | null;
  readonly startedAt: number;
  readonly connections: { current: number; totalCreated: number };
  readonly opcounters: { insert: number; query: number; update: number; delete: number; getmore: number; command: number };
}

export interface CommandContext {
  readonly engine: Engine;
  readonly cursors: CursorStore;
  readonly server: ServerInfo;
  readonly connectionId: number;
  readonly remoteAddress: string;
  readonly logger: Logger;
}

export type CommandHandler = (cmd: Document, db: string, ctx: CommandContext) => Document;

/** The collection named by the command's first field. */
export function collectionName(cmd: Document, name: string): string {
  const coll = cmd[name];
  if (typeof coll !== 'string' || coll === '') {
    throw commandError(73, `collection name for '${name}' must be a non-empty string`);
  }
  return coll;
}

export function optionalDocument(cmd: Document, field: string): Document | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw commandError(14, `'${field}' must be an object`);
  return v as Document;
}

export function optionalNumber(cmd: Document, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw commandError(14, `'${field}' must be a number`);
  return v;
}

export function requiredArray(cmd: Document, field: string): Document[] {
  const v = cmd[field];
  if (!Array.isArray(v)) throw commandError(14, `'${field}' must be an array`);
  return v as Document[];
}

/** `writeConcern: {j: true}` asks for a commit that survives power loss. */
export function isDurable(cmd: Document): boolean {
  const wc = cmd.writeConcern;
  return wc !== undefined && wc !== null && (wc as Document).j === true;
}

export function refuseCollation(holder: Document, where: string): void {
  if (holder.collation !== undefined && holder.collation !== null) {
    throw commandError(2, `collation is not supported by the embedded server (in ${where})`);
  }
}

/** The batch size of `cursor: {batchSize}` in aggregate/listCollections/listIndexes. */
export function cursorBatchSize(cmd: Document): number | undefined {
  const cursor = cmd.cursor;
  if (cursor === undefined || cursor === null) return undefined;
  const b = (cursor as Document).batchSize;
  return typeof b === 'number' ? b : undefined;
}

/** Generic fields of any command that carry no meaning for the embedded server. */
const GENERIC_FIELDS = new Set([
  '$db',
  'lsid',
  '$clusterTime',
  '$readPreference',
  'readConcern',
  'writeConcern',
  'comment',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  'maxTimeMS',
  'bypassDocumentValidation',
]);

/** The command's own options: every field but its name and the generic ones. */
export function commandOptions(cmd: Document, name: string): Document {
  const out: Document = {};
  for (const key of Object.keys(cmd)) {
    if (key !== name && !GENERIC_FIELDS.has(key)) out[key] = cmd[key];
  }
  return out;
}
