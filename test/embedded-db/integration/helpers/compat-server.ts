/**
 * Shared set-up of the compatibility suites (compat-*.test.ts): one embedded server (in
 * memory) per file, reached through the official driver, and a fresh database per test.
 * Each compatibility test states MongoDB 7.0's documented answer and checks ours against it.
 */
import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { startEmbeddedServer, type EmbeddedServer } from '../../../../server/db/embedded';

export interface CompatContext {
  server: EmbeddedServer;
  client: MongoClient;
  /** a database of its own for the running test */
  db: Db;
}

/** Registers before/after hooks; the returned object is filled in before each test. */
export function useCompatServer(options: MongoClientOptions = {}): CompatContext {
  const ctx = {} as CompatContext;
  let n = 0;
  before(async () => {
    ctx.server = await startEmbeddedServer({ dataDir: null });
    ctx.client = new MongoClient(ctx.server.uri, options);
    await ctx.client.connect();
  });
  beforeEach(() => {
    ctx.db = ctx.client.db(`compat${++n}`);
  });
  after(async () => {
    await ctx.client?.close();
    await ctx.server?.close();
  });
  return ctx;
}
