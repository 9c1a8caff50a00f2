import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import type request from 'supertest';
import { startForum, oid, type Person, type TestForum } from '../../helpers/kit';
import type { BusinessCalendar } from '../../../server/calendar';
import type { Models } from '../../../models';
import { runLockSweep, runReminderSweep, type LockSweepOptions, type ReminderSweepOptions } from '../../../server/support/sweep';

export type { Person };

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

export interface Forum {
  t: TestForum;
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
  calendar: BusinessCalendar;
  models: Models;
  /** The lock sweep with this forum's rules (options as the job passes them). */
  lockSweep(opts: Omit<LockSweepOptions, 'calendar' | 'lockAfterDays'> & Partial<LockSweepOptions>): ReturnType<typeof runLockSweep>;
  reminderSweep(opts: Omit<ReminderSweepOptions, 'calendar'> & Partial<ReminderSweepOptions>): ReturnType<typeof runReminderSweep>;
  close(): Promise<void>;
}

let titles = 0;

/** A fresh app and database with an asker, another member and a moderator, signed in. */
export async function startSupportForum(env: Record<string, string> = {}): Promise<Forum> {
  const t = await startForum({ env });
  const [product] = await t.products();
  const asker = await t.person('member', { name: 'asker' });
  const other = await t.person('member', { name: 'other' });
  const mod = await t.person('moderator', { name: 'mod' });

  const forum: Forum = {
    t,
    asker,
    other,
    mod,
    productId: product!.id,
    calendar: t.services.rules.current().calendar,
    models: t.services.models,
    lockSweep: (opts) => runLockSweep(t.services.support.sweepDeps, { ...t.services.rules.current(), ...opts }),
    reminderSweep: (opts) => runReminderSweep(t.services.support.sweepDeps, { calendar: t.services.rules.current().calendar, ...opts }),
    async ask(who, title) {
      const res = await who.post('/api/threads', {
        title: title ?? `Activation problem number ${++titles}`,
        body: 'My product key is not accepted. What can I do?',
        products: [product!.id],
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.thread.id as string;
    },
    reply(who, threadId, body = 'Here is some more information about it.') {
      return who.post(`/api/threads/${threadId}/replies`, { body });
    },
    async thread(id) {
      const doc = await t.col('threads').findOne({ _id: oid(id) });
      assert.ok(doc, `thread ${id} missing`);
      return doc as Record<string, any>;
    },
    systemNotes: (id) => t.col('replies').countDocuments({ threadId: oid(id), system: true }),
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
