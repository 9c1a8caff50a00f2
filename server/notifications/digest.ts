import { Types } from 'mongoose';
import { NOTIFICATION_KIND_TABLE, type DigestEntryDoc } from '../../models/notification';
import type { Models } from '../../models';
import type { RecipientFacts } from '../auth';
import type { Logger } from '../kernel/logger';
import type { DigestItem, Mailer } from '../mail';
import type { PreferenceStore } from './preferences';

/** How many due entries one round of the digest job reads. */
export const DIGEST_BATCH = 2000;

export interface DigestRunResult {
  /** Digest mails queued (one per person and local day). */
  queued: number;
  /** People whose entries were dropped: unverified now, or every kind switched away from the digest. */
  dropped: number;
  entries: number;
}

export interface DigestDeps {
  models: Pick<Models, 'DigestEntry'>;
  mailer: Pick<Mailer, 'enqueue'>;
  preferences: PreferenceStore;
  recipients(userIds: readonly string[]): Promise<Map<string, RecipientFacts>>;
  logger: Logger;
}

/**
 * The daily digest job (docs/notifications.md, "The digest"). Entries whose day is over
 * (dueAt <= now: 07:00 the next local day) are read in batches by the {dueAt} index, grouped
 * per person and day into one mail keyed `digest:<user>:<day>`, and deleted. The outbox's
 * unique key makes the job safe in several processes at once and after a crash between
 * queueing and deleting: a second run queues nothing new and deletes the leftovers.
 *
 * A person's choices are read again at send time: kinds switched away from the digest, and
 * people whose address is no longer verified, are dropped.
 */
export function createDigestJob(deps: DigestDeps) {
  const { models, mailer, preferences, logger } = deps;
  const { DigestEntry } = models;

  async function run(now: Date): Promise<DigestRunResult> {
    const result: DigestRunResult = { queued: 0, dropped: 0, entries: 0 };
    for (;;) {
      const batch = await DigestEntry.find({ dueAt: { $lte: now } }, { userId: 1, day: 1 })
        .sort({ dueAt: 1 })
        .limit(DIGEST_BATCH)
        .lean();
      if (!batch.length) return result;
      const userIds = [...new Set(batch.map((e) => String(e.userId)))];
      // Every due entry of these people (a batch may cut a person's day in two).
      const entries = await DigestEntry.find({
        userId: { $in: userIds.map((id) => new Types.ObjectId(id)) },
        dueAt: { $lte: now },
      }).lean<DigestEntryDoc[]>();
      const [people, prefs] = await Promise.all([deps.recipients(userIds), preferences.ofMany(userIds)]);
      const groups = new Map<string, DigestEntryDoc[]>();
      for (const e of entries) {
        const key = `${String(e.userId)}:${e.day}`;
        const list = groups.get(key);
        if (list) list.push(e);
        else groups.set(key, [e]);
      }
      for (const [key, list] of groups) {
        const userId = key.slice(0, 24);
        const person = people.get(userId);
        const wanted = list.filter((e) => prefs.get(userId)?.[e.kind] === 'digest');
        if (!person?.verified || !wanted.length) {
          result.dropped++;
          continue;
        }
        try {
          const res = await mailer.enqueue({
            key: `digest:${key}`,
            recipient: { userId, email: person.email, displayName: person.displayName, timeZone: person.timeZone },
            mail: { kind: 'digest', items: wanted.sort((a, b) => b.lastAt.getTime() - a.lastAt.getTime()).map(toItem) },
          });
          if (res.created) result.queued++;
        } catch (err) {
          logger.error({ err, userId }, 'digest e-mail not queued; its entries are dropped');
        }
      }
      const ids = entries.map((e) => e._id);
      await DigestEntry.deleteMany({ _id: { $in: ids } });
      result.entries += ids.length;
    }
  }

  return { run };
}

function toItem(e: DigestEntryDoc): DigestItem {
  const spec = NOTIFICATION_KIND_TABLE[e.kind];
  return {
    kind: e.kind,
    label: spec ? [`${spec.noun[0][0]!.toUpperCase()}${spec.noun[0].slice(1)}`, `{n} ${spec.noun[1]}`] : undefined,
    thread: e.threadId ? { id: String(e.threadId), title: e.subject } : null,
    count: e.count,
    at: e.lastAt,
    ...(e.conversationId ? { conversationId: String(e.conversationId) } : {}),
  };
}
