import mongoose from 'mongoose';
import type request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { createUser, signIn, type TestUser } from '../../helpers/users';
import { ensureDefaultProducts, listProducts } from '../../../server/threads/service';
import { clearProductCache } from '../../../server/threads/products';
import type { Role } from '../../../server/kernel/actor';
import type { Actor } from '../../../server/kernel/actor';

export type Agent = ReturnType<typeof request.agent>;

export interface Person {
  user: TestUser;
  actor: Actor;
  agent: Agent;
  csrf: string;
}

export interface FeedbackWorld {
  app: TestApp;
  products: Array<{ id: string; name: string }>;
  person(role: Role, name: string): Promise<Person>;
  close(): Promise<void>;
}

let n = 0;

/** A fresh app and database with the default products; people are made on demand. */
export async function startFeedbackWorld(start?: string): Promise<FeedbackWorld> {
  const app = await startTestApp({ env: { RATE_POST_MAX: '10000', RATE_QUESTION_MAX: '10000', RATE_LOGIN_MAX: '1000' } });
  if (start) app.clock.set(start);
  clearProductCache();
  await ensureDefaultProducts();
  const products = (await listProducts()).map((p) => ({ id: p.id, name: p.name }));
  return {
    app,
    products,
    async person(role, name) {
      const user = await createUser({
        role,
        username: `${name}${process.pid % 1000}x${++n}`,
        displayName: name[0]!.toUpperCase() + name.slice(1),
      });
      const agent = app.agent();
      const { csrfToken } = await signIn(agent, user.username, user.password);
      return {
        user,
        agent,
        csrf: csrfToken,
        actor: { id: user.id, username: user.username, displayName: user.displayName, role: user.role },
      };
    },
    close: () => app.close(),
  };
}

export const col = (name: string) => mongoose.connection.db!.collection(name);
export const oid = (id: string) => new mongoose.Types.ObjectId(id);

export async function ask(p: Person, productIds: string[], title = 'My certification access code has expired') {
  const res = await p.agent
    .post('/api/threads')
    .set('X-CSRF-Token', p.csrf)
    .send({ title, body: 'When I try to migrate my profile it says the access code has expired.', products: productIds });
  if (res.status !== 201) throw new Error(`ask failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.thread as { id: string; url: string };
}

export async function reply(p: Person, threadId: string, body = 'Please send the details through a private message.') {
  const res = await p.agent.post(`/api/threads/${threadId}/replies`).set('X-CSRF-Token', p.csrf).send({ body });
  if (res.status !== 201) throw new Error(`reply failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.reply as { id: string; threadId: string };
}

export async function replyDoc(id: string) {
  return col('replies').findOne({ _id: oid(id) });
}

/** A small deterministic PRNG (mulberry32) for reproducible random sequences. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
