import { Types } from 'mongoose';
import type { NotificationDoc, NotificationKind } from '../../models/notification';
import type { Models } from '../../models';
import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { NotFoundError } from '../kernel/errors';
import type { EventBus } from '../kernel/events';

/**
 * In-app notifications: the forum tells a member about something that happened to their
 * question (a lock reminder, a lock). Written by jobs and services with `notify`; read and
 * marked read by their owner only. A notification someone else owns does not exist for
 * you (404), as with private conversations.
 */

export const NOTIFICATIONS_PER_PAGE = 50;

export interface NotifyInput {
  kind: NotificationKind;
  threadId?: string | Types.ObjectId | null;
  /** Forum-written text from public facts: never private message content. */
  text: string;
}

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  threadId: string | null;
  url: string | null;
  text: string;
  createdAt: Date;
  readAt: Date | null;
}

export interface NotificationPage {
  notifications: NotificationView[];
  unread: number;
  page: number;
  hasMore: boolean;
}

const oid = (id: string | Types.ObjectId) => (typeof id === 'string' ? new Types.ObjectId(id) : id);

function toView(n: Pick<NotificationDoc, '_id' | 'kind' | 'threadId' | 'text' | 'createdAt' | 'readAt'>): NotificationView {
  const threadId = n.threadId ? String(n.threadId) : null;
  return {
    id: String(n._id),
    kind: n.kind,
    threadId,
    url: threadId ? `/threads/${threadId}` : null,
    text: n.text,
    createdAt: n.createdAt,
    readAt: n.readAt ?? null,
  };
}

export function notificationJson(n: NotificationView) {
  return {
    id: n.id,
    kind: n.kind,
    threadId: n.threadId,
    url: n.url,
    text: n.text,
    createdAt: n.createdAt,
    read: n.readAt !== null,
    readAt: n.readAt,
  };
}

export interface NotificationDeps {
  models: Pick<Models, 'Notification'>;
  clock: Clock;
  events: EventBus;
}

/** The notifications domain's service: every function takes the actor (or the user to tell) first. */
export function createNotificationService(deps: NotificationDeps) {
  const { clock, events } = deps;
  const { Notification } = deps.models;

  /** Adds one notification for `userId`, dated `at` (the caller's injected clock). */
  async function notify(userId: string | Types.ObjectId, input: NotifyInput, at: Date): Promise<string> {
    const doc = await Notification.create({
      userId: oid(userId),
      kind: input.kind,
      threadId: input.threadId ? oid(input.threadId) : null,
      text: input.text.slice(0, 500),
      createdAt: at,
      readAt: null,
    });
    await events.emit('viewer.changed', { userIds: [String(userId)] }); // the header bell count
    return String(doc._id);
  }

  /** Unread notifications of the actor: one countDocuments on {userId, readAt}. 0 when signed out. */
  async function unreadCount(actor: Actor | null): Promise<number> {
    if (!actor) return 0;
    return Notification.countDocuments({ userId: new Types.ObjectId(actor.id), readAt: null });
  }

  async function listNotifications(actor: Actor | null, input: { page?: number } = {}): Promise<NotificationPage> {
    if (!actor) return { notifications: [], unread: 0, page: 1, hasMore: false };
    const page = Math.max(1, input.page ?? 1);
    const userId = new Types.ObjectId(actor.id);
    const rows = await Notification.find({ userId }, { kind: 1, threadId: 1, text: 1, createdAt: 1, readAt: 1 })
      .sort({ createdAt: -1 })
      .skip((page - 1) * NOTIFICATIONS_PER_PAGE)
      .limit(NOTIFICATIONS_PER_PAGE + 1)
      .lean();
    return {
      notifications: rows.slice(0, NOTIFICATIONS_PER_PAGE).map(toView),
      unread: await unreadCount(actor),
      page,
      hasMore: rows.length > NOTIFICATIONS_PER_PAGE,
    };
  }

  /**
   * Marks the given notifications (or, without ids, all of the actor's) read. Ids that are
   * not the actor's are a 404 and nothing is marked: someone else's id must not be
   * distinguishable from one that never existed.
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
    const res = await Notification.updateMany(filter, { $set: { readAt: now } });
    await events.emit('viewer.changed', { userIds: [actor.id] });
    return { marked: res.modifiedCount, unread: await unreadCount(actor) };
  }

  return { notify, unreadCount, listNotifications, markRead };
}

export type NotificationService = ReturnType<typeof createNotificationService>;
