import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../../server/config';
import { FakeClock } from '../../../server/kernel/clock';
import type { Role } from '../../../server/kernel/actor';
import { startForum, type TestForum } from '../../helpers/kit';

export interface E2EServer {
  /** http://127.0.0.1:<port> (no trailing slash). */
  url: string;
  clock: FakeClock;
  config: Config;
  forum: TestForum;
  /** Creates an account through the auth service and gives it a role. */
  createUser(opts: { username: string; password: string; displayName?: string; role?: Role }): Promise<void>;
  /** Runs a forum CLI command in-process against the same database; resolves with its output. */
  cli(name: string, args: string[]): Promise<{ code: number; out: string[] }>;
  close(): Promise<void>;
}

/**
 * The real app (booted by the test kit through the composition root) on a fresh in-memory
 * embedded database, listening on 127.0.0.1:0, with a FakeClock the test moves
 * (business-time rules without sleeping). Jobs are off: the test runs the lock sweep through
 * the CLI when it wants it.
 */
export async function startE2EServer(opts: { clock?: FakeClock; env?: Record<string, string> } = {}): Promise<E2EServer> {
  // Every browser context comes from 127.0.0.1: the kit's generous rate limits give sign-in and posting room.
  const forum = await startForum({ clock: opts.clock ?? new FakeClock('2026-11-17T15:00:00Z'), env: opts.env }); // Tue 10:00 New York
  const server: Server = await new Promise((resolve) => {
    const s = forum.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    clock: forum.clock,
    config: forum.config,
    forum,
    async createUser({ username, password, displayName, role }) {
      await forum.createUser({ username, password, displayName, role, email: `${username}@example.test` });
    },
    async cli(name, args) {
      const r = await forum.cli(name, args);
      return { code: r.code, out: [...r.out, ...r.err] };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await forum.close();
    },
  };
}
