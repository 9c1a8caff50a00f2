import mongoose from 'mongoose';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../../server/app';
import { testConfig, type Config } from '../../../server/config';
import { createLogger } from '../../../server/kernel/logger';
import { FakeClock } from '../../../server/kernel/clock';
import { startTestDatabase } from '../../../server/db/connect';
import { startup } from '../../../server/startup';
import { createAuthService } from '../../../server/auth/service';
import type { Role } from '../../../server/kernel/actor';
import { runCommand, type CliContext } from '../../../server/cli/registry';
import '../../../server/cli/commands';

export interface E2EServer {
  /** http://127.0.0.1:<port> (no trailing slash). */
  url: string;
  clock: FakeClock;
  config: Config;
  /** Creates an account through the auth service and gives it a role. */
  createUser(opts: { username: string; password: string; displayName?: string; role?: Role }): Promise<void>;
  /** Runs a forum CLI command in-process against the same database; resolves with its output. */
  cli(name: string, args: string[]): Promise<{ code: number; out: string[] }>;
  close(): Promise<void>;
}

/**
 * The real app on a fresh in-memory embedded database, listening on 127.0.0.1:0, with a
 * FakeClock the test moves (business-time rules without sleeping). Jobs are off: the test
 * runs the lock sweep through the CLI when it wants it.
 */
export async function startE2EServer(opts: { clock?: FakeClock; env?: Record<string, string> } = {}): Promise<E2EServer> {
  const db = await startTestDatabase();
  // Every browser context comes from 127.0.0.1: give sign-in and posting room.
  const config = testConfig({
    RATE_LOGIN_MAX: '1000',
    RATE_POST_MAX: '1000',
    RATE_MESSAGE_MAX: '1000',
    RATE_QUESTION_MAX: '1000',
    ...opts.env,
  });
  const clock = opts.clock ?? new FakeClock('2026-11-17T15:00:00Z'); // Tue 10:00 New York
  const logger = createLogger('silent');
  await Promise.all(mongoose.modelNames().map((name) => mongoose.model(name).init()));
  await startup({ config, logger, clock });
  const app = createApp({ config, logger, clock });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const auth = createAuthService({ clock, config });
  return {
    url: `http://127.0.0.1:${port}`,
    clock,
    config,
    async createUser({ username, password, displayName, role }) {
      await auth.register({ username, email: `${username}@example.test`, password, displayName });
      if (role && role !== 'member') await auth.setRole(username, role);
    },
    async cli(name, args) {
      const out: string[] = [];
      const ctx: CliContext = { config, logger, clock, out: (l) => out.push(l), err: (l) => out.push(l), interactive: false };
      const code = await runCommand(name, args, ctx);
      return { code, out };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}
