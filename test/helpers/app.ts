import mongoose from 'mongoose';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../server/app';
import { testConfig, type Config } from '../../server/config';
import { createLogger } from '../../server/kernel/logger';
import { FakeClock } from '../../server/kernel/clock';
import { startTestDatabase } from '../../server/db/connect';

export interface TestApp {
  app: Express;
  clock: FakeClock;
  config: Config;
  /** A supertest agent that keeps cookies (one browser). */
  agent(): ReturnType<typeof request.agent>;
  close(): Promise<void>;
}

/**
 * Boots the real app on a fresh in-memory embedded database, through the real
 * driver and mongoose. Each call is an empty database; call close() in after().
 */
export async function startTestApp(opts: { env?: Record<string, string>; clock?: FakeClock } = {}): Promise<TestApp> {
  const db = await startTestDatabase();
  const config = testConfig(opts.env);
  const clock = opts.clock ?? new FakeClock();
  const app = createApp({ config, logger: createLogger('silent'), clock });
  await Promise.all(mongoose.modelNames().map((name) => mongoose.model(name).init()));
  return {
    app,
    clock,
    config,
    agent: () => request.agent(app),
    close: () => db.close(),
  };
}

/** CSRF token for an agent's session (the JSON API way: GET /api/session). */
export async function csrfToken(agent: ReturnType<typeof request.agent>): Promise<string> {
  const res = await agent.get('/api/session').expect(200);
  return res.body.csrfToken as string;
}
