import mongoose from 'mongoose';
import type request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { createUser, signIn, type TestUser } from '../../helpers/users';
import { ensureDefaultProducts, listProducts, type ProductView } from '../../../server/threads/service';
import { clearProductCache } from '../../../server/threads/products';
import { resetViewCounter } from '../../../server/threads/views-counter';

export type Agent = ReturnType<typeof request.agent>;

export interface Person {
  user: TestUser;
  agent: Agent;
  csrf: string;
}

export interface World {
  app: TestApp;
  anon: Agent;
  asker: Person;
  other: Person;
  moderator: Person;
  admin: Person;
  products: ProductView[];
  close(): Promise<void>;
}

/** A fresh app + database with one signed-in agent per role and the default products. */
export async function startWorld(): Promise<World> {
  const app = await startTestApp({
    env: { RATE_POST_MAX: '10000', RATE_QUESTION_MAX: '10000', RATE_LOGIN_MAX: '1000' },
  });
  clearProductCache();
  resetViewCounter();
  await ensureDefaultProducts();
  const person = async (role: 'member' | 'moderator' | 'admin', name: string): Promise<Person> => {
    const user = await createUser({
      role,
      username: `${name}${Math.floor(Math.random() * 1e6)}`,
      displayName: name[0]!.toUpperCase() + name.slice(1),
    });
    const agent = app.agent();
    const { csrfToken } = await signIn(agent, user.username, user.password);
    return { user, agent, csrf: csrfToken };
  };
  // Sequential on purpose: concurrent sign-ins currently stall (reported to the lead).
  const asker = await person('member', 'asker');
  const other = await person('member', 'other');
  const moderator = await person('moderator', 'moderator');
  const admin = await person('admin', 'admin');
  return { app, anon: app.agent(), asker, other, moderator, admin, products: await listProducts(), close: () => app.close() };
}

export const col = (name: string) => mongoose.connection.db!.collection(name);

export async function counts() {
  const [threads, replies, revisions, products] = await Promise.all([
    col('threads').countDocuments(),
    col('replies').countDocuments(),
    col('revisions').countDocuments(),
    col('products').countDocuments(),
  ]);
  return { threads, replies, revisions, products };
}

export const oid = (id: string) => new mongoose.Types.ObjectId(id);

/** Creates a thread through the JSON API as `p`; returns its JSON. */
export async function askVia(p: Person, products: ProductView[], over: Record<string, unknown> = {}) {
  const res = await p.agent
    .post('/api/threads')
    .set('X-CSRF-Token', p.csrf)
    .send({
      title: 'My certification access code has expired',
      body: 'When I try to migrate my profile it says the **access code** has expired.',
      products: [products[0]!.id],
      ...over,
    });
  if (res.status !== 201) throw new Error(`ask failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.thread as { id: string; url: string; status: string; [k: string]: unknown };
}

export async function replyVia(p: Person, threadId: string, body = 'Thanks for reaching out, please send the details by private message.') {
  const res = await p.agent.post(`/api/threads/${threadId}/replies`).set('X-CSRF-Token', p.csrf).send({ body });
  if (res.status !== 201) throw new Error(`reply failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.reply as { id: string; [k: string]: unknown };
}

/** CSRF token from a rendered form. */
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
