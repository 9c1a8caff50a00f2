import { startForum, type Agent, type Person, type TestForum } from '../../helpers/kit';

export { form, formToken, oid, type Agent, type Person } from '../../helpers/kit';

export interface World {
  app: TestForum;
  anon: Agent;
  asker: Person;
  other: Person;
  moderator: Person;
  admin: Person;
  products: Array<{ id: string; name: string; slug: string }>;
  close(): Promise<void>;
}

/** A fresh forum with one signed-in person per role and the default products. */
export async function startWorld(): Promise<World> {
  const app = await startForum();
  const asker = await app.person('member', { name: 'asker' });
  const other = await app.person('member', { name: 'other' });
  const moderator = await app.person('moderator', { name: 'moderator' });
  const admin = await app.person('admin', { name: 'admin' });
  return { app, anon: app.agent(), asker, other, moderator, admin, products: await app.products(), close: () => app.close() };
}

/** How many threads, replies, revisions and products are stored. */
export async function counts(w: { app: TestForum }) {
  const [threads, replies, revisions, products] = await Promise.all(
    ['threads', 'replies', 'revisions', 'products'].map((c) => w.app.col(c).countDocuments()),
  );
  return { threads, replies, revisions, products };
}

/** Creates a thread through the JSON API as `p`; returns its JSON. */
export function askVia(p: Person, products: Array<{ id: string }>, over: Record<string, unknown> = {}) {
  return p.ask({ products: [products[0]!.id], ...over });
}

export function replyVia(p: Person, threadId: string, body?: string) {
  return p.reply(threadId, body);
}
