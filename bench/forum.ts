/**
 * Benchmarks build the forum the way production does (server/compose.ts createServices) on
 * a connection of their own, so they exercise the same wiring, models and caches.
 */
import mongoose from 'mongoose';
import { createServices, type Services } from '../server/compose';
import { testConfig } from '../server/config';
import { createLogger } from '../server/kernel/logger';
import { systemClock, type Clock } from '../server/kernel/clock';

export async function benchForum(
  uri: string,
  opts: { clock?: Clock; env?: Record<string, string> } = {},
): Promise<{ forum: Services; close(): Promise<void> }> {
  const connection = await mongoose.createConnection(uri).asPromise();
  const forum = createServices({
    config: testConfig(opts.env),
    clock: opts.clock ?? systemClock,
    logger: createLogger('silent'),
    db: connection,
  });
  await forum.init();
  return {
    forum,
    async close() {
      await forum.stop();
      await connection.close();
    },
  };
}
