import type request from 'supertest';
import { createAuthService } from '../../server/auth/service';
import type { Role } from '../../server/kernel/actor';
import { systemClock, type Clock } from '../../server/kernel/clock';
import { testConfig } from '../../server/config';
import { csrfToken } from './app';

type Agent = ReturnType<typeof request.agent>;

export interface TestUser {
  id: string;
  username: string;
  password: string;
  displayName: string;
  role: Role;
}

let counter = 0;

/**
 * Creates an account through the real service (argon2id at full cost, so create users
 * once per suite in before() hooks), then gives it a role.
 */
export async function createUser(
  opts: { username?: string; role?: Role; password?: string; displayName?: string; email?: string; clock?: Clock } = {},
): Promise<TestUser> {
  const auth = createAuthService({ clock: opts.clock ?? systemClock, config: testConfig() });
  const username = opts.username ?? `user${process.pid % 1000}_${++counter}`;
  const password = opts.password ?? `pass-${username}-secret`;
  let user = await auth.register({
    username,
    email: opts.email ?? `${username.toLowerCase()}@example.test`,
    password,
    displayName: opts.displayName,
  });
  if (opts.role && opts.role !== 'member') user = await auth.setRole(user.username, opts.role);
  return { id: user.id, username: user.username, password, displayName: user.displayName, role: user.role };
}

/**
 * Signs an agent in through the JSON API (CSRF token from GET /api/session). Resolves with
 * the signed-in user and the new CSRF token (the session id changes at sign-in, and the
 * token is bound to it).
 */
export async function signIn(
  agent: Agent,
  username: string,
  password: string,
): Promise<{ user: Record<string, unknown>; csrfToken: string }> {
  const token = await csrfToken(agent);
  const res = await agent.post('/api/session').set('X-CSRF-Token', token).send({ username, password });
  if (res.status !== 200) throw new Error(`signIn(${username}) failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { user: res.body.user, csrfToken: res.body.csrfToken };
}
