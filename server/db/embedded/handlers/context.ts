import type { Document } from 'bson';
import type { Logger } from '../../../kernel/logger';
import type { CursorStore } from '../cursors';
import type { Engine, OperationSpec } from '../engine-api';
import { commandError } from '../errors';
import { asCommandError } from '../engine/errors';
import { runInSlices, runSteps, type Pause, type Steps } from '../engine/steps';

/** What the whole server knows about itself, for serverStatus and friends. */
export interface ServerInfo {
  readonly host: string;
  port: number;
  readonly dataDir: string | null;
  readonly startedAt: number;
  readonly connections: { current: number; totalCreated: number; max: number; rejected: number };
  readonly opcounters: { insert: number; query: number; update: number; delete: number; getmore: number; command: number };
}

export interface CommandContext {
  readonly engine: Engine;
  readonly cursors: CursorStore;
  readonly server: ServerInfo;
  readonly connectionId: number;
  readonly remoteAddress: string;
  readonly logger: Logger;
  /**
   * Given when the connection can wait for its reply: long reads (a `$text` search or count)
   * then run in slices with this pause between them (engine/steps.ts runInSlices), so other
   * connections' commands run in between. Absent: they run at once.
   */
  readonly pause?: Pause;
  /** How long one slice runs, in ms (default engine/steps.ts SLICE_MS). */
  readonly sliceMs?: number;
}

/** A command's reply, or a promise of it when the command ran in slices. */
export type CommandHandler = (cmd: Document, db: string, ctx: CommandContext) => Document | Promise<Document>;

/**
 * Runs `steps` (none: null or undefined), then `reply` with their result: in slices with
 * `ctx.pause` between them when the context has one, at once otherwise. `abandon` runs when
 * the steps fail or are abandoned.
 */
export function afterSteps<T>(
  steps: Steps<T> | null | undefined,
  ctx: CommandContext,
  reply: (value: T | undefined) => Document,
  abandon: () => void = () => {},
): Document | Promise<Document> {
  if (!steps) return reply(undefined);
  if (!ctx.pause) {
    let value: T;
    try {
      value = runSteps(steps);
    } catch (err) {
      abandon();
      throw asCommandError(err);
    }
    return reply(value);
  }
  return runInSlices(steps, ctx.pause, ctx.sliceMs).then(reply, (err: unknown) => {
    abandon();
    throw asCommandError(err);
  });
}

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

/**
 * The value of a numeric command field of any BSON number type (int32, int64 or double, as
 * other drivers send them), as a JS number; undefined for anything else.
 */
export function numericValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  const bt = (v as { _bsontype?: string } | null)?._bsontype;
  if (bt === 'Long' || bt === 'Double' || bt === 'Int32') return Number((v as { valueOf(): unknown }).valueOf());
  return undefined;
}

export function optionalNumber(cmd: Document, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  const n = numericValue(v);
  if (n === undefined || !Number.isFinite(n)) throw commandError(14, `'${field}' must be a number`);
  return n;
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

/** The command's collation and `let` document, as the engine takes them (engine-api.ts OperationSpec). */
export function operationSpec(cmd: Document): OperationSpec {
  const spec: OperationSpec = {};
  const collation = optionalDocument(cmd, 'collation');
  if (collation) spec.collation = collation;
  const letDoc = optionalDocument(cmd, 'let');
  if (letDoc) spec.let = letDoc;
  return spec;
}

/** The batch size of `cursor: {batchSize}` in aggregate/listCollections/listIndexes. */
export function cursorBatchSize(cmd: Document): number | undefined {
  const cursor = cmd.cursor;
  if (cursor === undefined || cursor === null) return undefined;
  const b = (cursor as Document).batchSize;
  return numericValue(b);
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
