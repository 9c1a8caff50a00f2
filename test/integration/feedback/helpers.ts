import { startForum, oid, type Person, type TestForum } from '../../helpers/kit';
import type { Role } from '../../../server/kernel/actor';

export { oid, type Agent, type Person } from '../../helpers/kit';

export interface FeedbackWorld {
  app: TestForum;
  products: Array<{ id: string; name: string }>;
  person(role: Role, name: string): Promise<Person>;
  close(): Promise<void>;
}

/** A fresh forum with the default products; people are made on demand. */
export async function startFeedbackWorld(start?: string): Promise<FeedbackWorld> {
  const app = await startForum({ start });
  const products = (await app.products()).map((p) => ({ id: p.id, name: p.name }));
  return { app, products, person: (role, name) => app.person(role, { name }), close: () => app.close() };
}

export function ask(p: Person, productIds: string[], title = 'My certification access code has expired') {
  return p.ask({ title, body: 'When I try to migrate my profile it says the access code has expired.', products: productIds });
}

export function reply(p: Person, threadId: string, body = 'Please send the details through a private message.') {
  return p.reply(threadId, body);
}

export function replyDoc(w: { app: TestForum }, id: string) {
  return w.app.col('replies').findOne({ _id: oid(id) });
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
