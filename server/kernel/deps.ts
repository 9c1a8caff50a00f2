import type { Models } from '../../models';
import type { Config } from '../config';
import type { CacheRegistry } from './cache';
import type { Clock } from './clock';
import type { EventBus } from './events';
import type { Logger } from './logger';

/**
 * What every domain is built from, once per app, by the composition root (server/compose.ts):
 * configuration, the clock, the logger, the models bound to this app's database connection,
 * this app's event bus and cache registry. Nothing here is a module-level global.
 */
export interface CoreDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  models: Models;
  events: EventBus;
  caches: CacheRegistry;
}
