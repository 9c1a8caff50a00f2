import { Types } from 'mongoose';
import type { Models } from '../../models';
import type { Visibility, VisibilityReason } from '../../models/thread';
import { isStaff, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { ConflictError, ForbiddenError, NotFoundError } from '../kernel/errors';
import type { EventBus } from '../kernel/events';

/**
 * Private messages under moderation (docs/moderation.md): a participant flags a message they
 * can read; the moderation queue shows staff that one message (never the rest of the
 * conversation, never a secure field's value); a moderator hides or deletes it, restorably.
 * A hidden message keeps its place and loses its content for everyone but staff and its author.
 */
export interface FlaggableMessage {
  id: string;
  conversationId: string;
  authorId: string;
  authorUsername: string;
}

export interface ReviewMessage extends FlaggableMessage {
  authorName: string;
  subject: string;
  body: string;
  html: string;
  /** Labels of its secure fields (their values are never part of a review). */
  fieldLabels: string[];
  visibility: Visibility | null;
  createdAt: Date;
}

export function createMessageModeration(deps: {
  models: Pick<Models, 'Conversation' | 'Message'>;
  clock: Clock;
  events: EventBus;
  /** Withholds a hidden message's files and shows them again (uploads' setMessageFilesVisible). */
  filesVisible: (authorId: string, conversationId: string, body: string, visible: boolean) => Promise<void>;
}) {
  const { Conversation, Message } = deps.models;

  /**
   * The message `actor` wants to flag, if they may read it: a participant of its conversation
   * (or staff on a support conversation). Anything else is a 404, as for a message that does
   * not exist. Internal notes cannot be flagged (they are staff's own).
   */
  async function flaggable(actor: Actor, messageId: string): Promise<FlaggableMessage> {
    const notFound = () => new NotFoundError('That message does not exist.');
    if (!/^[0-9a-fA-F]{24}$/.test(messageId)) throw notFound();
    const m = await Message.findById(new Types.ObjectId(messageId), {
      conversationId: 1,
      authorId: 1,
      authorUsername: 1,
      internal: 1,
    }).lean();
    if (!m || m.internal) throw notFound();
    const me = new Types.ObjectId(actor.id);
    const c = await Conversation.exists({
      _id: m.conversationId,
      $or: [{ participantIds: me }, ...(isStaff(actor) ? [{ support: true }] : [])],
    });
    if (!c) throw notFound();
    return { id: String(m._id), conversationId: String(m.conversationId), authorId: String(m.authorId), authorUsername: m.authorUsername };
  }

  /** The messages of a queue page, with their conversations' subjects (two queries). */
  async function forReview(ids: string[]): Promise<Map<string, ReviewMessage>> {
    const out = new Map<string, ReviewMessage>();
    if (!ids.length) return out;
    const rows = await Message.find(
      { _id: { $in: ids.map((id) => new Types.ObjectId(id)) } },
      {
        conversationId: 1,
        authorId: 1,
        authorUsername: 1,
        authorName: 1,
        body: 1,
        html: 1,
        'fields.label': 1,
        visibility: 1,
        createdAt: 1,
      },
    ).lean<
      {
        _id: Types.ObjectId;
        conversationId: Types.ObjectId;
        authorId: Types.ObjectId;
        authorUsername: string;
        authorName?: string;
        body: string;
        html: string;
        fields?: { label: string }[];
        visibility?: Visibility | null;
        createdAt: Date;
      }[]
    >();
    const convs = await Conversation.find({ _id: { $in: rows.map((r) => r.conversationId) } }, { subject: 1 }).lean();
    for (const m of rows) {
      out.set(String(m._id), {
        id: String(m._id),
        conversationId: String(m.conversationId),
        authorId: String(m.authorId),
        authorUsername: m.authorUsername,
        authorName: m.authorName || m.authorUsername,
        subject: convs.find((c) => c._id.equals(m.conversationId))?.subject ?? '',
        body: m.body,
        html: m.html,
        fieldLabels: (m.fields ?? []).map((f) => f.label),
        visibility: (m.visibility ?? null) as Visibility | null,
        createdAt: m.createdAt,
      });
    }
    return out;
  }

  /** Hides, deletes or restores a message (staff, or null for the forum acting on flags). */
  async function setVisibility(
    by: Actor | null,
    input: { messageId: string; visibility: Visibility | null; reason: VisibilityReason | null },
  ): Promise<{ before: Visibility | null; after: Visibility | null }> {
    if (by && !isStaff(by)) throw new ForbiddenError('Only support moderators can hide messages.');
    const _id = new Types.ObjectId(input.messageId);
    const m = await Message.findById(_id, { visibility: 1, conversationId: 1, authorId: 1, body: 1 }).lean();
    if (!m) throw new NotFoundError('That message does not exist.');
    const before = (m.visibility ?? null) as Visibility | null;
    if (before === input.visibility) return { before, after: before };
    const now = deps.clock.now();
    const res = await Message.updateOne(
      { _id, visibility: before },
      {
        $set: {
          visibility: input.visibility,
          visibilityReason: input.visibility ? input.reason : null,
          visibilityChangedAt: now,
          visibilityChangedBy: by ? new Types.ObjectId(by.id) : null,
        },
      },
    );
    if (!res.matchedCount) throw new ConflictError('Someone else changed this message at the same time. Reload and try again.');
    await deps.filesVisible(String(m.authorId), String(m.conversationId), m.body ?? '', input.visibility === null);
    return { before, after: input.visibility };
  }

  return { flaggable, forReview, setVisibility };
}

export type MessageModeration = ReturnType<typeof createMessageModeration>;
