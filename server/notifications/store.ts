import { Types, type AnyBulkWriteOperation } from 'mongoose';
import { NOTIFICATION_KIND_TABLE, type NotificationDoc, type NotificationKind, type NotificationKindSpec } from '../../models/notification';
import type { Models } from '../../models';
import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { NotFoundError } from '../kernel/errors';
import type { EventBus } from '../kernel/events';
import type { MailInput } from '../mail';

/**
 * The in-app notifications (the header bell), grouped per thread: while a person's entry for
 * a thread (or a private conversation) is unread, every new event for it updates that entry
 * (one upsert on {userId, groupKey, open: true}, a unique partial index) instead of adding
 * one, so ten replies are one entry saying "10 updates". Reading an entry closes its group;
 * the next event starts a new one. Kinds marked `alone` in models/notification.ts (the close
 * reminder, lock, unlock) always get an entry of their own.
 *
 * Read and marked read by their owner only: someone else's notification does not exist for
 * you (404), as with private conversations.
 */

export const NOTIFICATIONS_PER_PAGE = 50;

export interface NotifyInput {
  kind: NotificationKind;
  threadId?: string | Types.ObjectId | null;
  /** A private conversation (private_message): the entry links to it. */
  conversationId?: string | Types.ObjectId | null;
  /** Forum-written one-line text from public facts: never private message content, never a secure field. */
  text: string;
  /** The thread's title, for the grouped entry and the digest. */
  subject?: string;
  /** What an immediate e-mail shows (server/mail/kinds.ts); default: a notice with `text` and a link. */
  mail?: MailInput;
  /**
   * Identifies the event for the e-mail's idempotency key (`notification:<kind>:<eventId>`), e.g.
   * the reply's id, so handling one event twice queues one mail per person. Default: a new id.
   */
  eventId?: string;
}

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  threadId: string | null;
  conversationId: string | null;
  url: string | null;
  /** The latest event's text. */
  text: string;
  /** What the grouped entry shows: the text, and how many updates it stands for. */
  summary: string;
  count: number;
  counts: Record<string, number>;
  createdAt: Date;
  updatedAt: Date;
  readAt: Date | null;
}

export interface NotificationPage {
  notifications: NotificationView[];
  unread: number;
  page: number;
  hasMore: boolean;
}

/** The group an event joins: its thread, else its conversation, else its own. */
export function groupKeyOf(input: Pick<NotifyInput, 'threadId' | 'conversationId'>): string {
  if (input.threadId) return `thread:${String(input.threadId)}`;
  if (input.conversationId) return `conversation:${String(input.conversationId)}`;
  return `single:${new Types.ObjectId().toHexString()}`;
}

/** The in-app entry an event joins: its group, or a new entry of its own for kinds marked `alone`. */
function entryKeyOf(input: Pick<NotifyInput, 'kind' | 'threadId' | 'conversationId'>): string {
  const spec: NotificationKindSpec = NOTIFICATION_KIND_TABLE[input.kind];
  return spec.alone ? `single:${new Types.ObjectId().toHexString()}` : groupKeyOf(input);
}

const oid = (id: string | Types.ObjectId) => (typeof id === 'string' ? new Types.ObjectId(id) : id);

function countsOf(n: Pick<NotificationDoc, 'counts' | 'kind' | 'count'>): Record<string, number> {
  const raw = n.counts instanceof Map ? Object.fromEntries(n.counts) : (n.counts ?? {});
  return Object.keys(raw).length ? raw : { [n.kind]: n.count ?? 1 };
}

/** "10 updates: 3 support replies, 7 new replies" for a group of more than one event. */
export function groupSummary(text: string, count: number, counts: Record<string, number>): string {
  if (count <= 1) return text;
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => {
      const noun = NOTIFICATION_KIND_TABLE[kind as NotificationKind]?.noun ?? ['update', 'updates'];
      return `${n} ${n === 1 ? noun[0] : noun[1]}`;
    });
  return `${text} (${count} updates: ${parts.join(', ')})`;
}

type StoredRow = Pick<
  NotificationDoc,
  '_id' | 'kind' | 'threadId' | 'conversationId' | 'text' | 'count' | 'counts' | 'createdAt' | 'updatedAt' | 'readAt'
>;

function toView(n: StoredRow): NotificationView {
  const threadId = n.threadId ? String(n.threadId) : null;
  const conversationId = n.conversationId ? String(n.conversationId) : null;
  const count = n.count ?? 1;
  const counts = countsOf(n);
  return {
    id: String(n._id),
    kind: n.kind,
    threadId,
    conversationId,
    url: threadId ? `/threads/${threadId}` : conversationId ? `/messages/${conversationId}` : null,
    text: n.text,
    summary: groupSummary(n.text, count, counts),
    count,
    counts,
    createdAt: n.createdAt,
    // Entries from before grouping have no updatedAt.
    updatedAt: n.updatedAt ?? n.createdAt,
    readAt: n.readAt ?? null,
  };
}

export function notificationJson(n: NotificationView) {
  return {
    id: n.id,
    kind: n.kind,
    threadId: n.threadId,
    conversationId: n.conversationId,
    url: n.url,
    text: n.text,
    summary: n.summary,
    count: n.count,
    counts: n.counts,
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
    read: n.readAt !== null,
    readAt: n.readAt,
  };
}

const PROJECTION = { kind: 1, threadId: 1, conversationId: 1, text: 1, count: 1, counts: 1, createdAt: 1, updatedAt: 1, readAt: 1 };

/** The in-app store: grouped writes, the list, the bell count, mark read. */
export function createNotificationStore(deps: { models: Pick<Models, 'Notification'>; clock: Clock; events: EventBus }) {
  const { clock, events } = deps;
  const { Notification } = deps.models;

  function groupUpdate(input: NotifyInput, at: Date) {
    return {
      $inc: { count: 1, [`counts.${input.kind}`]: 1 },
      $set: {
        kind: input.kind,
        text: input.text.slice(0, 500),
        subject: (input.subject ?? '').slice(0, 300),
        threadId: input.threadId ? oid(input.threadId) : null,
        conversationId: input.conversationId ? oid(input.conversationId) : null,
        updatedAt: at,
      },
      $setOnInsert: { createdAt: at, readAt: null },
    };
  }

  /**
   * Adds one event to the person's open group for its thread (creating the group if none is
   * open). Returns the entry's id and how many events it now holds. Two concurrent first
   * events race on the unique partial index; the loser joins the winner's entry.
   */
  async function addToGroup(userId: string | Types.ObjectId, input: NotifyInput, at: Date): Promise<{ id: string; count: number }> {
    const filter = { userId: oid(userId), groupKey: entryKeyOf(input), open: true };
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await Notification.findOneAndUpdate(filter, groupUpdate(input, at), {
          upsert: true,
          returnDocument: 'after',
          projection: { count: 1 },
        }).lean();
        return { id: String(doc!._id), count: doc!.count };
      } catch (err) {
        if ((err as { code?: number }).code === 11000 && attempt < 2) continue;
        throw err;
      }
    }
  }

  /**
   * The same for many people (a thread's watchers): one unordered bulk write. Operations that
   * lost an insert race are retried one by one. Returns nothing per person: e-mail for such
   * events is keyed by the event, not the entry.
   */
  async function addToGroups(userIds: readonly string[], input: NotifyInput, at: Date): Promise<void> {
    if (!userIds.length) return;
    const groupKey = entryKeyOf(input);
    const ops: AnyBulkWriteOperation<NotificationDoc>[] = userIds.map((id) => ({
      updateOne: { filter: { userId: oid(id), groupKey, open: true }, update: groupUpdate(input, at), upsert: true },
    }));
    try {
      await Notification.bulkWrite(ops, { ordered: false });
    } catch (err) {
      const failed = (err as { writeErrors?: Array<{ index: number; code?: number; err?: { index: number; code?: number } }> }).writeErrors;
      if (!failed?.length) throw err;
      for (const e of failed) {
        const index = e.index ?? e.err?.index;
        const code = e.code ?? e.err?.code;
        if (code !== 11000 || index === undefined) throw err;
        await addToGroup(userIds[index]!, input, at);
      }
    }
  }

  /** Unread entries of the actor: one countDocuments on {userId, readAt}. 0 when signed out. */
  async function unreadCount(actor: Actor | null): Promise<number> {
    if (!actor) return 0;
    return Notification.countDocuments({ userId: new Types.ObjectId(actor.id), readAt: null });
  }

  async function listNotifications(actor: Actor | null, input: { page?: number } = {}): Promise<NotificationPage> {
    if (!actor) return { notifications: [], unread: 0, page: 1, hasMore: false };
    const page = Math.max(1, input.page ?? 1);
    const userId = new Types.ObjectId(actor.id);
    const rows = await Notification.find({ userId }, PROJECTION)
      .sort({ userId: 1, updatedAt: -1, _id: -1 })
      .skip((page - 1) * NOTIFICATIONS_PER_PAGE)
      .limit(NOTIFICATIONS_PER_PAGE + 1)
      .lean<StoredRow[]>();
    return {
      notifications: rows.slice(0, NOTIFICATIONS_PER_PAGE).map(toView),
      unread: await unreadCount(actor),
      page,
      hasMore: rows.length > NOTIFICATIONS_PER_PAGE,
    };
  }

  /**
   * Marks the given entries (or, without ids, all of the actor's) read, which closes their
   * groups. Ids that are not the actor's are a 404 and nothing is marked: someone else's id
   * must not be distinguishable from one that never existed.
   */
  async function markRead(actor: Actor | null, input: { ids?: string[] } = {}): Promise<{ marked: number; unread: number }> {
    if (!actor) throw new NotFoundError('That notification does not exist.');
    const userId = new Types.ObjectId(actor.id);
    const now = clock.now();
    const filter: Record<string, unknown> = { userId, readAt: null };
    if (input.ids) {
      const ids = [...new Set(input.ids.map((id) => id.toLowerCase()))].map((id) => new Types.ObjectId(id));
      const owned = await Notification.countDocuments({ _id: { $in: ids }, userId });
      if (owned !== ids.length) throw new NotFoundError('That notification does not exist.');
      filter._id = { $in: ids };
    }
    const res = await Notification.updateMany(filter, { $set: { readAt: now }, $unset: { open: '' } });
    await events.emit('viewer.changed', { userIds: [actor.id] });
    return { marked: res.modifiedCount, unread: await unreadCount(actor) };
  }

  return { addToGroup, addToGroups, unreadCount, listNotifications, markRead };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;
