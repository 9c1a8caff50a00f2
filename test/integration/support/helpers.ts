import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { Types } from 'mongoose';
import type request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { createUser, signIn, type TestUser } from '../../helpers/users';
import { Thread } from '../../../models/thread';
import { Reply } from '../../../models/reply';
import { clearProductCache, ensureDefaultProducts, listProducts } from '../../../server/threads/products';
import { supportRulesFor } from '../../../server/support/settings';

type Agent = ReturnType<typeof request.agent>;

/** 'YYYY-MM-DD HH:mm' Eastern local time -> instant, so tests read like the policy table. */
export function et(local: string): Date {
  const dt = DateTime.fromFormat(local, 'yyyy-MM-dd HH:mm', { zone: 'America/New_York' });
  assert.ok(dt.isValid, `bad test time ${local}`);
  return dt.toJSDate();
}

/** Instant -> 'YYYY-MM-DD HH:mm' Eastern, for readable failures. */
export function local(d: Date | null | undefined): string | null {
  return d ? DateTime.fromJSDate(d, { zone: 'America/New_York' }).toFormat('yyyy-MM-dd HH:mm') : null;
}

export interface Person {
  user: TestUser;
  agent: Agent;
  csrf: string;
}

export interface Forum {
  t: TestApp;
  asker: Person;
  other: Person;
  mod: Person;
  productId: string;
  /** Posts a question as `who` at the current fake time; returns its id. */
  ask(who: Person, title?: string): Promise<string>;
  /** Posts a reply through the JSON API; returns the response (not asserted). */
  reply(who: Person, threadId: string, body?: string): Promise<request.Response>;
  thread(id: string): Promise<Record<string, any>>;
  systemNotes(id: string): Promise<number>;
  calendar: ReturnType<typeof supportRulesFor>['calendar'];
  close(): Promise<void>;
}

let titles = 0;

/** A fresh app and database with an asker, another member and a moderator, signed in. */
export async function startForum(env: Record<string, string> = {}): Promise<Forum> {
  const t = await startTestApp({
    env: { RATE_POST_MAX: '10000', RATE_QUESTION_MAX: '10000', ...env },
  });
  clearProductCache();
  await ensureDefaultProducts();
  const [product] = await listProducts();
  const person = async (role: 'member' | 'moderator'): Promise<Person> => {
    const user = await createUser({ role });
    const agent = t.agent();
    const { csrfToken } = await signIn(agent, user.username, user.password);
    return { user, agent, csrf: csrfToken };
  };
  const asker = await person('member');
  const other = await person('member');
  const mod = await person('moderator');

  const forum: Forum = {
    t,
    asker,
    other,
    mod,
    productId: product!.id,
    calendar: supportRulesFor(t.config).calendar,
    async ask(who, title) {
      const res = await who.agent
        .post('/api/threads')
        .set('X-CSRF-Token', who.csrf)
        .send({
          title: title ?? `Activation problem number ${++titles}`,
          body: 'My product key is not accepted. What can I do?',
          products: [product!.id],
        });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.thread.id as string;
    },
    reply(who, threadId, body = 'Here is some more information about it.') {
      return who.agent.post(`/api/threads/${threadId}/replies`).set('X-CSRF-Token', who.csrf).send({ body });
    },
    async thread(id) {
      const doc = await Thread.collection.findOne({ _id: new Types.ObjectId(id) });
      assert.ok(doc, `thread ${id} missing`);
      return doc as Record<string, any>;
    },
    systemNotes: (id) => Reply.countDocuments({ threadId: new Types.ObjectId(id), system: true }),
    close: () => t.close(),
  };
  return forum;
}

/** Asks a question at `askedAt` and has the moderator reply at `repliedAt` (Eastern times). */
export async function awaitingThread(f: Forum, askedAt: string, repliedAt: string, title?: string): Promise<string> {
  f.t.clock.set(et(askedAt));
  const id = await f.ask(f.asker, title);
  f.t.clock.set(et(repliedAt));
  const res = await f.reply(f.mod, id, 'Could you tell us which version you are using?');
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return id;
}
