/**
 * The embedded storage engine: documents and indexes in memory, write-through to SQLite.
 * `dataDir` null/undefined keeps everything in memory (tests).
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
