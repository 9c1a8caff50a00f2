import mongoose from 'mongoose';
import type request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { createUser, signIn, type TestUser } from '../../helpers/users';
import { ensureDefaultProducts, listProducts } from '../../../server/threads/service';
import { clearProductCache } from '../../../server/threads/products';

export type Agent = ReturnType<typeof request.agent>;

export interface Person {
  user: TestUser;
  agent: Agent;
  csrf: string;
}

export interface MessagesWorld {
  app: TestApp;
  anon: Agent;
  asker: Person;
  moderator: Person;
  stranger: Person;
  admin: Person;
  productId: string;
  close(): Promise<void>;
}

/** Signs in a fresh account of the given role on an app. */
export async function person(app: { agent(): Agent }, role: 'member' | 'moderator' | 'admin', name: string): Promise<Person> {
  const user = await createUser({
    role,
    username: `${name}${Math.floor(Math.random() * 1e6)}`,
    displayName: name[0]!.toUpperCase() + name.slice(1),
  });
  const agent = app.agent();
  const { csrfToken } = await signIn(agent, user.username, user.password);
  return { user, agent, csrf: csrfToken };
}

/** A fresh app + database with the three accounts the access rules are about, plus an admin. */
export async function startMessagesWorld(): Promise<MessagesWorld> {
  const app = await startTestApp({
    env: { RATE_POST_MAX: '10000', RATE_QUESTION_MAX: '10000', RATE_LOGIN_MAX: '1000', RATE_MESSAGE_MAX: '10000' },
  });
  clearProductCache();
  await ensureDefaultProducts();
  const [asker, moderator, stranger, admin] = [
    await person(app, 'member', 'asker'),
    await person(app, 'moderator', 'moderator'),
    await person(app, 'member', 'stranger'),
    await person(app, 'admin', 'admin'),
  ];
  const products = await listProducts();
  return { app, anon: app.agent(), asker, moderator, stranger, admin, productId: products[0]!.id, close: () => app.close() };
}

export const col = (name: string) => mongoose.connection.db!.collection(name);
export const oid = (id: string) => new mongoose.Types.ObjectId(id);

export async function askVia(p: Person, productId: string, over: Record<string, unknown> = {}) {
  const res = await p.agent
    .post('/api/threads')
    .set('X-CSRF-Token', p.csrf)
    .send({
      title: 'Expired access code for my cloud admin certification',
      body: 'My access code has expired and I cannot find the link to request a new one.',
      products: [productId],
      ...over,
    });
  if (res.status !== 201) throw new Error(`ask failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.thread as { id: string; [k: string]: unknown };
}

/** Starts a conversation through the JSON API; returns the response. */
export function sendNew(p: Person, body: Record<string, unknown>) {
  return p.agent.post('/api/messages').set('X-CSRF-Token', p.csrf).send(body);
}

export function replyTo(p: Person, id: string, body: Record<string, unknown>) {
  return p.agent.post(`/api/messages/${id}`).set('X-CSRF-Token', p.csrf).send(body);
}

export function reveal(p: Person, id: string, fieldId: string) {
  return p.agent.post(`/api/messages/${id}/fields/${fieldId}/reveal`).set('X-CSRF-Token', p.csrf).send({});
}

/** CSRF token from a rendered form. */
export function formToken(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF field in the page');
  return m[1]!;
}

export function form(fields: Record<string, string | string[] | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) p.append(k, item);
  }
  return p.toString();
}
