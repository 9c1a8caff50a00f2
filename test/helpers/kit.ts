/**
 * The test kit: one way to boot the forum in a test, with people of each role who carry
 * their session and CSRF token. Every integration test starts the real app through the same
 * composition root as production (server/compose.ts createServices -> start -> createApp), on
 * a fresh in-memory embedded database, and talks to it over HTTP with supertest.
 *
 * Domain helpers (test/integration/<domain>/) add only domain verbs on top of this.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { Types } from 'mongoose';
import type { Express } from 'express';
import type { Collection, Db } from 'mongodb';
import { createApp } from '../../server/app';
import { createServices, type Services } from '../../server/compose';
import { testConfig, type Config } from '../../server/config';
import { connectDatabase, startTestDatabase } from '../../server/db/connect';
import type { Actor, Role } from '../../server/kernel/actor';
import { FakeClock } from '../../server/kernel/clock';
import { createLogger, type Logger } from '../../server/kernel/logger';
import { runCommand } from '../../server/cli/registry';
import { COMMANDS } from '../../server/cli/commands';
import type { OcrPool } from '../../server/ocr';

export type Agent = ReturnType<typeof request.agent>;

export interface TestUser {
  id: string;
  username: string;
  password: string;
  displayName: string;
  role: Role;
}

/** Limits high enough that tests never trip them unless they mean to. */
export const GENEROUS_LIMITS = {
  RATE_POST_MAX: '10000',
  RATE_QUESTION_MAX: '10000',
  RATE_LOGIN_MAX: '1000',
  RATE_MESSAGE_MAX: '10000',
  RATE_PREVIEW_MAX: '10000',
  // No account counts as new unless a test says so (test/integration/moderation/ does).
  NEW_ACCOUNT_DAYS: '0',
  NEW_ACCOUNT_POSTS: '0',
};

/** A browser: a cookie jar and the CSRF token of its session. JSON calls send the token as X-CSRF-Token. */
export class Client {
  constructor(
    readonly agent: Agent,
    public csrf: string,
  ) {}

  get(path: string) {
    return this.agent.get(path);
  }
  post(path: string, body: object = {}) {
    return this.agent.post(path).set('X-CSRF-Token', this.csrf).send(body);
  }
  patch(path: string, body: object = {}) {
    return this.agent.patch(path).set('X-CSRF-Token', this.csrf).send(body);
  }
  put(path: string, body: object = {}) {
    return this.agent.put(path).set('X-CSRF-Token', this.csrf).send(body);
  }
  delete(path: string, body: object = {}) {
    return this.agent.delete(path).set('X-CSRF-Token', this.csrf).send(body);
  }
  /** An HTML form post (urlencoded, `_csrf` field), as a browser without JavaScript sends it. */
  form(path: string, fields: Record<string, string | string[] | undefined> = {}) {
    return this.agent
      .post(path)
      .type('form')
      .send(form({ _csrf: this.csrf, ...fields }));
  }
}

/** A signed-in person. */
export class Person extends Client {
  constructor(
    agent: Agent,
    csrf: string,
    readonly user: TestUser,
    private readonly forum: TestForum,
  ) {
    super(agent, csrf);
  }

  get actor(): Actor {
    return { id: this.user.id, username: this.user.username, displayName: this.user.displayName, role: this.user.role };
  }

  /** Asks a question through the JSON API (201 expected); returns the thread JSON. */
  async ask(over: Record<string, unknown> = {}): Promise<{ id: string; url: string; status: string; [k: string]: unknown }> {
    const products = over.products ?? [(await this.forum.products())[0]!.id];
    const res = await this.post('/api/threads', {
      title: 'My certification access code has expired',
      body: 'When I try to migrate my profile it says the **access code** has expired.',
      ...over,
      products,
    });
    if (res.status !== 201) throw new Error(`ask failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.thread;
  }

  /** Replies through the JSON API (201 expected); returns the reply JSON. */
  async reply(threadId: string, body = 'Thanks for reaching out, please send the details by private message.') {
    const res = await this.post(`/api/threads/${threadId}/replies`, { body });
    if (res.status !== 201) throw new Error(`reply failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.reply as { id: string; threadId: string; [k: string]: unknown };
  }
}

export interface TestForum {
  app: Express;
  services: Services;
  clock: FakeClock;
  config: Config;
  /** The database, through the driver, for assertions about what is stored. */
  db: Db;
  col(name: string): Collection;
  /** A new browser with no session. */
  agent(): Agent;
  /** A new anonymous browser with a CSRF token (for sign-in and join forms). */
  anon(): Promise<Client>;
  /**
   * Registers an account through the auth service, gives it `role`, and signs it in over HTTP.
   * `verified`: the address is confirmed (as if the verification link was followed).
   */
  person(
    role?: Role,
    opts?: { name?: string; displayName?: string; email?: string; password?: string; verified?: boolean },
  ): Promise<Person>;
  /** Creates an account without signing it in. */
  createUser(opts?: {
    username?: string;
    role?: Role;
    password?: string;
    displayName?: string;
    email?: string;
    verified?: boolean;
  }): Promise<TestUser>;
  products(): Promise<Array<{ id: string; name: string; slug: string }>>;
  /** Runs a CLI command (`npm run forum -- <name> <args>`) on this forum; captures what it prints. */
  cli(name: string, args?: string[]): Promise<{ code: number; out: string[]; err: string[] }>;
  close(): Promise<void>;
}

let counter = 0;

/**
 * Boots a forum: a fresh in-memory embedded database, the services from the composition root
 * (default products, no demo content, no scheduled jobs: tests run jobs by calling them with
 * the injected clock), and the express app. Call close() in after().
 */
export async function startForum(
  opts: {
    env?: Record<string, string>;
    clock?: FakeClock;
    start?: string | Date;
    logger?: Logger;
    dataDir?: string;
    /** The screenshot guard's OCR pool (default: one from the configuration, OCR_WORKERS). */
    ocrPool?: OcrPool | null;
  } = {},
): Promise<TestForum> {
  // Without a data directory, files the forum writes (mail as .eml when no SMTP is configured)
  // go to a temporary one removed at close, never into the repository.
  const scratch = opts.dataDir || opts.env?.DATA_DIR ? null : mkdtempSync(path.join(tmpdir(), 'forum-test-'));
  const dataDir = opts.dataDir ?? scratch ?? undefined;
  const config = testConfig({ ...GENEROUS_LIMITS, ...opts.env, ...(dataDir ? { DATA_DIR: dataDir } : {}) });
  const logger = opts.logger ?? createLogger('silent');
  // With a data directory: the embedded database on disk, as `npm start` opens it.
  const database = opts.dataDir ? await connectDatabase(config, logger) : await startTestDatabase();
  const clock = opts.clock ?? new FakeClock();
  if (opts.start) clock.set(opts.start);
  const services = createServices({
    config,
    clock,
    logger,
    db: database.connection,
    ...(opts.ocrPool !== undefined ? { ocrPool: opts.ocrPool } : {}),
  });
  await services.start({ jobs: false, demo: false });
  const app = createApp(services);
  const db = database.connection.db!;

  const forum: TestForum = {
    app,
    services,
    clock,
    config,
    db,
    col: (name) => db.collection(name),
    agent: () => request.agent(app),
    async anon() {
      const agent = request.agent(app);
      const res = await agent.get('/api/session').expect(200);
      return new Client(agent, res.body.csrfToken as string);
    },
    async createUser(o = {}) {
      const username = o.username ?? `user${process.pid % 1000}_${++counter}`;
      const password = o.password ?? `pass-${username}-secret`;
      // Staff accounts are made the way an administrator makes them (no look-alike check: a
      // moderator may be called "Moderator"); members register as a member would.
      const email = (o.email ?? `${username}@example.test`).toLowerCase();
      let user = await services.auth.register(
        { username, email, password, displayName: o.displayName },
        { trusted: !!o.role && o.role !== 'member' },
      );
      if (o.role && o.role !== 'member') user = await services.auth.setRole(user.username, o.role);
      if (o.verified) await services.auth.confirmEmail(user.id, email);
      return { id: user.id, username: user.username, password, displayName: user.displayName, role: user.role };
    },
    async person(role = 'member', o = {}) {
      const name = o.name ?? role;
      const user = await forum.createUser({
        role,
        username: `${name}${++counter}x${process.pid % 1000}`,
        displayName: o.displayName ?? name[0]!.toUpperCase() + name.slice(1),
        email: o.email,
        password: o.password,
        verified: o.verified,
      });
      const { agent, csrfToken } = await signIn(forum, user.username, user.password);
      return new Person(agent, csrfToken, user, forum);
    },
    products: () => services.threads.products.list(),
    async cli(name, args = []) {
      const out: string[] = [];
      const err: string[] = [];
      const ctx = {
        config,
        logger: createLogger('silent'),
        clock,
        forum: services,
        out: (l: string) => out.push(l),
        err: (l: string) => err.push(l),
        interactive: false,
      };
      const code = await runCommand(COMMANDS, name, args, ctx);
      return { code, out, err };
    },
    async close() {
      await services.stop();
      await database.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
  return forum;
}

/** Signs a new browser in through the JSON API; the session id (and so the CSRF token) changes at sign-in. */
export async function signIn(
  forum: Pick<TestForum, 'agent'>,
  username: string,
  password: string,
): Promise<{ agent: Agent; csrfToken: string }> {
  const agent = forum.agent();
  return { agent, csrfToken: (await signInAgent(agent, username, password)).csrfToken };
}

/** Signs an existing browser in through the JSON API; resolves with the user and the new CSRF token. */
export async function signInAgent(
  agent: Agent,
  username: string,
  password: string,
): Promise<{ user: Record<string, unknown>; csrfToken: string }> {
  const token = await csrfToken(agent);
  const res = await agent.post('/api/session').set('X-CSRF-Token', token).send({ username, password });
  if (res.status !== 200) throw new Error(`signIn(${username}) failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { user: res.body.user, csrfToken: res.body.csrfToken as string };
}

/** The CSRF token of a browser's session (the JSON API way: GET /api/session). */
export async function csrfToken(agent: Agent): Promise<string> {
  const res = await agent.get('/api/session').expect(200);
  return res.body.csrfToken as string;
}

/** An ObjectId from its hex string, for queries in assertions. */
export const oid = (id: string) => new Types.ObjectId(id);

/** The CSRF token of a rendered form. */
export function formToken(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF field in the page');
  return m[1]!;
}

/** application/x-www-form-urlencoded with repeated keys for arrays (as browsers send checkboxes). */
export function form(fields: Record<string, string | string[] | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) p.append(k, item);
  }
  return p.toString();
}
