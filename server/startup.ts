import type { AppDeps } from './context';
import { ensureDefaultProducts } from './threads/service';
import { seedDemoContent } from './threads/demo';
import { flushViews } from './threads/views-counter';
import { JobRegistry } from './support/jobs';
import { registerSupportJobs } from './support/schedule';
import { useSupportConfig } from './support/settings';

/** Work done once per process after the database is connected, before listening. */
export async function startup(deps: AppDeps): Promise<JobRegistry> {
  const { config, logger, clock } = deps;
  // Business calendar and lock rules from this configuration, before any thread is written.
  useSupportConfig(config);
  await ensureDefaultProducts();
  if (config.DEMO_CONTENT) {
    const seeded = await seedDemoContent(clock);
    if (seeded) logger.info('empty database: demo content created');
  }
  const jobs = new JobRegistry(logger);
  registerSupportJobs(jobs, deps);
  if (config.JOBS_ENABLED) await jobs.start();
  return jobs;
}

/** Called in order during graceful shutdown, before the database closes. */
export const shutdownHooks: Array<() => Promise<void>> = [async () => flushViews()];
