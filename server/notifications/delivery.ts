import { DateTime } from 'luxon';
import { Types, type AnyBulkWriteOperation } from 'mongoose';
import type { DigestEntryDoc } from '../../models/notification';
import type { Models } from '../../models';
import type { RecipientFacts } from '../auth';
import type { Logger } from '../kernel/logger';
import type { MailInput, Mailer } from '../mail';
import type { PreferenceStore } from './preferences';
import { groupKeyOf, type NotifyInput } from './store';

/** Local hour at which the daily digest of the previous day is due. */
export const DIGEST_HOUR = 7;

/** The local day (YYYY-MM-DD) of `at` in `zone`, and when its digest is due: DIGEST_HOUR on the next local day (luxon: DST-safe). */
export function digestSlot(at: Date, zone: string): { day: string; dueAt: Date } {
  const local = DateTime.fromJSDate(at, { zone });
  const day = local.toISODate()!;
  const dueAt = local.startOf('day').plus({ days: 1 }).set({ hour: DIGEST_HOUR }).toJSDate();
  return { day, dueAt };
}

export interface DeliveryDeps {
  models: Pick<Models, 'DigestEntry'>;
  mailer: Pick<Mailer, 'enqueue'>;
  preferences: PreferenceStore;
  recipients(userIds: readonly string[]): Promise<Map<string, RecipientFacts>>;
  /** The support desk's zone: digest days of people who chose no zone. */
  timeZone: string;
  logger: Logger;
}

/** The e-mail of an event, as the person's preference says. */
export function mailFor(input: NotifyInput): MailInput {
  return (
    input.mail ?? {
      kind: 'notice',
      pref: input.kind,
      thread: input.threadId ? { id: String(input.threadId), title: input.subject ?? '' } : null,
      notice: input.text,
    }
  );
}

/**
 * E-mail for an event that was just added to people's in-app notifications. Per person and
 * kind: 'immediately' queues one mail in the durable outbox (keyed `notification:<kind>:<event>`,
 * so handling an event twice queues one mail); 'digest' counts the event into the person's
 * digest for the local day; 'off' does nothing. Unverified addresses never get these mails.
 * Mail problems are logged, never thrown: the in-app notification stands.
 */
export function createDelivery(deps: DeliveryDeps) {
  const { models, mailer, preferences, logger } = deps;

  async function deliver(userIds: readonly string[], input: NotifyInput, at: Date): Promise<{ mailed: number; digested: number }> {
    if (!userIds.length) return { mailed: 0, digested: 0 };
    const prefs = await preferences.ofMany(userIds);
    const wanting = userIds.filter((id) => prefs.get(id)?.[input.kind] !== 'off');
    if (!wanting.length) return { mailed: 0, digested: 0 };
    const people = await deps.recipients(wanting);
    const eventId = input.eventId ?? new Types.ObjectId().toHexString();
    const mail = mailFor(input);
    const digest: RecipientFacts[] = [];
    let mailed = 0;
    for (const id of wanting) {
      const person = people.get(id);
      if (!person?.verified) continue;
      if (prefs.get(id)![input.kind] === 'digest') {
        digest.push(person);
        continue;
      }
      try {
        const res = await mailer.enqueue({
          key: `notification:${input.kind}:${eventId}`,
          recipient: { userId: id, email: person.email, displayName: person.displayName },
          mail,
        });
        if (res.created) mailed++;
      } catch (err) {
        logger.error({ err, userId: id, kind: input.kind }, 'notification e-mail not queued');
      }
    }
    await addToDigests(digest, input, at);
    return { mailed, digested: digest.length };
  }

  async function addToDigests(people: RecipientFacts[], input: NotifyInput, at: Date): Promise<void> {
    if (!people.length) return;
    const groupKey = groupKeyOf(input);
    const ops: AnyBulkWriteOperation<DigestEntryDoc>[] = people.map((p) => {
      const { day, dueAt } = digestSlot(at, p.timeZone ?? deps.timeZone);
      return {
        updateOne: {
          filter: { userId: new Types.ObjectId(p.userId), day, kind: input.kind, groupKey },
          update: {
            $inc: { count: 1 },
            $set: { lastAt: at, subject: (input.subject ?? '').slice(0, 300) },
            $setOnInsert: {
              dueAt,
              threadId: input.threadId ? new Types.ObjectId(String(input.threadId)) : null,
              conversationId: input.conversationId ? new Types.ObjectId(String(input.conversationId)) : null,
            },
          },
          upsert: true,
        },
      };
    });
    try {
      await models.DigestEntry.bulkWrite(ops, { ordered: false });
    } catch (err) {
      // Two processes inserting the same entry at once: the loser's count is retried as an update.
      const errors = (err as { writeErrors?: Array<{ index: number; code?: number }> }).writeErrors;
      if (!errors?.length || errors.some((e) => e.code !== 11000)) throw err;
      await models.DigestEntry.bulkWrite(
        errors.map((e) => ops[e.index]!),
        { ordered: false },
      );
    }
  }

  return { deliver };
}

export type Delivery = ReturnType<typeof createDelivery>;
