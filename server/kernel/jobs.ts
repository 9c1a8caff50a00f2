import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '../kernel/logger';

/** Where job runs are reported besides the log (server/kernel/metrics.ts). */
export interface JobObserver {
  jobFinished(job: string, seconds: number, outcome: 'ok' | 'failed', result?: unknown): void;
}

/**
 * Named scheduled jobs. main.ts starts them; tests never do (they call the job
 * functions directly with an injected clock). Every job must be safe to run in
 * several processes at once: its state changes are conditional single-document
 * updates, so exactly one process wins each change.
 */
export interface JobDefinition {
  name: string;
  /** cron expression (node-cron, 5 or 6 fields) */
  schedule: string;
  timezone?: string;
  /** also run once right after start (catch-up after downtime) */
  runAtStart?: boolean;
  run: () => Promise<unknown>;
}

export class JobRegistry {
  private readonly defs = new Map<string, JobDefinition>();
  private readonly tasks: ScheduledTask[] = [];
  /** Runs in progress, so a graceful shutdown can let them finish before the database closes. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly logger: Logger,
    private readonly observer?: JobObserver,
  ) {}

  register(def: JobDefinition): void {
    if (this.defs.has(def.name)) throw new Error(`job ${def.name} registered twice`);
    this.defs.set(def.name, def);
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  /** Run one job now, logging its outcome; never throws (a failing job must not kill the process). */
  async runNow(name: string): Promise<unknown> {
    const def = this.defs.get(name);
    if (!def) throw new Error(`unknown job ${name}`);
    const run = this.runLogged(name, def);
    this.running.add(run);
    try {
      return await run;
    } finally {
      this.running.delete(run);
    }
  }

  /**
   * One log line per run: `job finished` with its duration and the counts the job returns
   * (`result`, e.g. the lock sweep's {reminded, locked}), or `job failed` with the error; the
   * same goes to the metrics (runs, durations, counts).
   */
  private async runLogged(name: string, def: JobDefinition): Promise<unknown> {
    const started = performance.now();
    try {
      const result = await def.run();
      const ms = Math.round(performance.now() - started);
      this.logger.info({ job: name, ms, result }, 'job finished');
      this.observer?.jobFinished(name, ms / 1000, 'ok', result);
      return result;
    } catch (err) {
      const ms = Math.round(performance.now() - started);
      this.logger.error({ job: name, ms, err }, 'job failed');
      this.observer?.jobFinished(name, ms / 1000, 'failed');
      return undefined;
    }
  }

  async start(): Promise<void> {
    for (const def of this.defs.values()) {
      const task = createTask(def.schedule, () => this.runNow(def.name), {
        name: def.name,
        timezone: def.timezone,
        noOverlap: true,
      });
      await task.start();
      this.tasks.push(task);
    }
    for (const def of this.defs.values()) {
      if (def.runAtStart) void this.runNow(def.name);
    }
  }

  /** Stops scheduling and resolves when the runs in progress have finished. */
  async stop(): Promise<void> {
    for (const task of this.tasks.splice(0)) void task.destroy();
    await Promise.allSettled([...this.running]);
  }
}
