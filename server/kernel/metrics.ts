import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MongoClient } from 'mongodb';
import type { CacheStats } from './cache';

/**
 * The forum's metrics, in the Prometheus text format (prom-client), one registry per app
 * (server/compose.ts creates it): two forums in one process never share a series, and nothing
 * is registered on prom-client's global default registry. GET /metrics serves it
 * (server/http/metrics.ts); docs/operations.md lists every series.
 *
 * Fed by: the request middleware (server/http/request-context.ts: count and latency per route
 * pattern), load shedding (server/http/load-shedding.ts), the database driver's command and
 * connection-pool events (observeDatabase), the job registry (server/kernel/jobs.ts: runs,
 * durations and the counts each run returns, e.g. the lock sweep's locked/reminded), and
 * callbacks read at scrape time (cache statistics, the mail outbox depth).
 *
 * Process metrics (event-loop delay, heap, GC, resident memory: prom-client's default set) are
 * started by the first scrape, so apps that are never scraped (tests) run no monitors.
 */
export interface OutboxDepth {
  queued: number;
  sending: number;
  failed: number;
}

interface PoolCounts {
  totalConnectionCount: number;
  currentCheckedOutCount: number;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  let processMetrics = false;
  let cacheStats: (() => CacheStats[]) | null = null;
  let outboxDepth: (() => Promise<OutboxDepth>) | null = null;
  let dbHealth: { readonly up: boolean } | null = null;
  let dbClient: MongoClient | null = null;

  const httpRequests = new Counter({
    name: 'forum_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'forum_http_request_duration_seconds',
    help: 'Time from a request arriving to its response being sent, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const httpInFlight = new Gauge({ name: 'forum_http_requests_in_flight', help: 'Requests being served now', registers });
  const httpShed = new Counter({
    name: 'forum_http_shed_total',
    help: 'Requests refused with 503 to protect the others (reason: in_flight, event_loop_delay) or cut off (timeout)',
    labelNames: ['reason'] as const,
    registers,
  });
  const dbCommands = new Histogram({
    name: 'forum_db_command_duration_seconds',
    help: "Database command round trips on the forum's connection (driver command monitoring), by command and outcome",
    labelNames: ['command', 'outcome'] as const,
    buckets: DB_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'forum_db_pool_connections',
    help: "Connections of the forum's database pool: open, and checked out by an operation",
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.reset();
      // The driver's pools per server (read at scrape time; not part of its documented API).
      const servers = (dbClient as unknown as { topology?: { s?: { servers?: Map<string, { pool?: PoolCounts }> } } } | null)?.topology?.s
        ?.servers;
      let open = 0;
      let out = 0;
      for (const server of servers?.values() ?? []) {
        open += server.pool?.totalConnectionCount ?? 0;
        out += server.pool?.currentCheckedOutCount ?? 0;
      }
      this.set({ state: 'open' }, open);
      this.set({ state: 'checked_out' }, out);
    },
  });
  new Gauge({
    name: 'forum_db_up',
    help: '1 while the database can take writes, else 0 (server/db/health.ts)',
    registers,
    collect() {
      if (dbHealth) this.set(dbHealth.up ? 1 : 0);
    },
  });
  const jobRuns = new Counter({
    name: 'forum_job_runs_total',
    help: 'Scheduled job runs, by job and outcome (ok, failed)',
    labelNames: ['job', 'outcome'] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: 'forum_job_duration_seconds',
    help: 'Duration of scheduled job runs',
    labelNames: ['job'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers,
  });
  const jobItems = new Counter({
    name: 'forum_job_items_total',
    help: 'What job runs did, from the counts each run reports (lock-sweep: locked, reminded; secure-field-purge: messages, fields)',
    labelNames: ['job', 'result'] as const,
    registers,
  });
  const jobLastSuccess = new Gauge({
    name: 'forum_job_last_success_timestamp_seconds',
    help: 'Unix time of the last successful run of each job',
    labelNames: ['job'] as const,
    registers,
  });
  new Gauge({
    name: 'forum_cache_entries',
    help: 'Entries held by each in-process cache',
    labelNames: ['cache'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of cacheStats?.() ?? []) this.set({ cache: s.name }, s.size);
    },
  });
  new Counter({
    name: 'forum_cache_lookups_total',
    help: 'Lookups of each in-process cache, by result (hit, miss)',
    labelNames: ['cache', 'result'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of cacheStats?.() ?? []) {
        this.inc({ cache: s.name, result: 'hit' }, s.hits);
        this.inc({ cache: s.name, result: 'miss' }, s.misses);
      }
    },
  });
  new Gauge({
    name: 'forum_mail_outbox_messages',
    help: 'Mail in the outbox, by status (queued, sending, failed)',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      this.reset();
      if (!outboxDepth) return;
      const d = await outboxDepth().catch(() => null);
      if (!d) return;
      this.set({ status: 'queued' }, d.queued);
      this.set({ status: 'sending' }, d.sending);
      this.set({ status: 'failed' }, d.failed);
    },
  });

  return {
    registry,
    http: { requests: httpRequests, duration: httpDuration, inFlight: httpInFlight, shed: httpShed },

    /** The scrape: the registry in the Prometheus text format (starts the process metrics). */
    async scrape(): Promise<{ contentType: string; body: string }> {
      if (!processMetrics) {
        processMetrics = true;
        collectDefaultMetrics({ register: registry });
      }
      return { contentType: registry.contentType, body: await registry.metrics() };
    },

    /** Times a job run; `result`'s numeric fields are counted as its items. */
    jobFinished(job: string, seconds: number, outcome: 'ok' | 'failed', result?: unknown): void {
      jobRuns.inc({ job, outcome });
      jobDuration.observe({ job }, seconds);
      if (outcome === 'ok') jobLastSuccess.set({ job }, Date.now() / 1000);
      if (result && typeof result === 'object') {
        for (const [k, v] of Object.entries(result)) if (typeof v === 'number' && v > 0) jobItems.inc({ job, result: k }, v);
      }
    },

    /** Cache statistics are read at scrape time (server/kernel/cache.ts CacheRegistry.stats). */
    watchCaches(stats: () => CacheStats[]): void {
      cacheStats = stats;
    },

    /**
     * The mail outbox depth, read at scrape time. The hook for the e-mail system: compose.ts
     * passes its mailer's stats once mail is wired into the services.
     */
    watchOutbox(depth: () => Promise<OutboxDepth>): void {
      outboxDepth = depth;
    },

    /** Command latency and pool use of the forum's connection (needs `monitorCommands: true`, server/db/connect.ts). */
    observeDatabase(client: MongoClient, health: { readonly up: boolean }): void {
      const outcome = (ok: boolean) => (ok ? 'ok' : 'failed');
      client.on('commandSucceeded', (e) => dbCommands.observe({ command: e.commandName, outcome: outcome(true) }, e.duration / 1000));
      client.on('commandFailed', (e) => dbCommands.observe({ command: e.commandName, outcome: outcome(false) }, e.duration / 1000));
      dbClient = client;
      dbHealth = health;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
