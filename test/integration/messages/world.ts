import { startForum, type Agent, type Person, type TestForum } from '../../helpers/kit';

export { form, formToken, oid, type Agent, type Person } from '../../helpers/kit';

export interface MessagesWorld {
  app: TestForum;
  anon: Agent;
  asker: Person;
  moderator: Person;
  stranger: Person;
  admin: Person;
  productId: string;
  close(): Promise<void>;
}

/** A fresh forum with the three accounts the access rules are about, plus an admin. */
export async function startMessagesWorld(): Promise<MessagesWorld> {
  const app = await startForum();
  // Confirmed addresses: unconfirmed members may not write privately to members (issue 14).
  const asker = await app.person('member', { name: 'asker', verified: true });
  const moderator = await app.person('moderator', { name: 'moderator', verified: true });
  const stranger = await app.person('member', { name: 'stranger', verified: true });
  const admin = await app.person('admin', { name: 'admin', verified: true });
  const [product] = await app.products();
  return { app, anon: app.agent(), asker, moderator, stranger, admin, productId: product!.id, close: () => app.close() };
}

export function askVia(p: Person, productId: string, over: Record<string, unknown> = {}) {
  return p.ask({
    title: 'Expired access code for my cloud admin certification',
    body: 'My access code has expired and I cannot find the link to request a new one.',
    products: [productId],
    ...over,
  });
}

/** Starts a conversation through the JSON API; returns the response. */
export function sendNew(p: Person, body: Record<string, unknown>) {
  return p.post('/api/messages', body);
}

export function replyTo(p: Person, id: string, body: Record<string, unknown>) {
  return p.post(`/api/messages/${id}`, body);
}

export function reveal(p: Person, id: string, fieldId: string) {
  return p.post(`/api/messages/${id}/fields/${fieldId}/reveal`, {});
}
