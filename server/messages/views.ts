import type { Types } from 'mongoose';
import type { SecureFieldKind } from '../../models/message';
import type { Visibility } from '../../models/thread';
import type { SecretBox } from './crypto';
import { fieldView, type FieldView, type StoredSecureField } from './secure-fields';

/**
 * The shapes the messages service returns (HTML and JSON read the same), built from lean
 * documents. In a support conversation (docs/support-team.md) the member sees the team as one
 * participant, "Support", and each staff message signed "Support · <moderator's name>".
 */

/** The support team as a participant of a support conversation. */
export const SUPPORT_PARTICIPANT = { id: 'support', username: 'support', displayName: 'Support', role: 'support' } as const;

export interface ParticipantView {
  id: string;
  username: string;
  displayName: string;
  role: string;
}

export interface ConversationView {
  id: string;
  subject: string;
  threadId: string | null;
  participants: ParticipantView[];
  createdAt: Date;
  lastMessageAt: Date;
  messageCount: number;
  unread: number;
  /** A conversation with the support team (the shared inbox). */
  support: boolean;
  status: 'open' | 'closed';
  /** Staff only (null for members): who on the team owns it, and whether support owes an answer. */
  assignee: { id: string; displayName: string } | null;
  awaitingSupport: boolean | null;
}

export interface MessageView {
  id: string;
  conversationId: string;
  author: { id: string; username: string; displayName: string; role: string };
  /** Written by staff in a support conversation: shown as "Support · <name>". */
  asSupport: boolean;
  /** A staff-only note (only ever present in a staff member's view). */
  internal: boolean;
  body: string;
  html: string;
  createdAt: Date;
  fields: FieldView[];
  requests: { kind: SecureFieldKind; label: string }[];
  /** Moderation took it out of view: members other than its author see a placeholder only. */
  visibility: Visibility | null;
}

export type ConvLean = {
  _id: Types.ObjectId;
  subject: string;
  participants: { userId: Types.ObjectId; username: string; displayName: string; role: string }[];
  participantIds: Types.ObjectId[];
  startedBy?: Types.ObjectId;
  threadId: Types.ObjectId | null;
  threadAskerId: Types.ObjectId | null;
  createdAt: Date;
  lastMessageAt: Date;
  messageCount: number;
  unread?: Record<string, number> | Map<string, number>;
  accessGrants?: { userId: Types.ObjectId; until: Date }[];
  support?: boolean;
  status?: 'open' | 'closed';
  assigneeId?: Types.ObjectId | null;
  assigneeName?: string | null;
  awaitingSupport?: boolean;
};

export type MessageLean = {
  _id: Types.ObjectId;
  conversationId: Types.ObjectId;
  authorId: Types.ObjectId;
  authorUsername: string;
  authorName?: string;
  authorRole?: string;
  internal?: boolean;
  body: string;
  html: string;
  createdAt: Date;
  fields: StoredSecureField[];
  requests: { kind: SecureFieldKind; label: string }[];
  visibility?: Visibility | null;
};

export const mapGet = <T>(m: Record<string, T> | Map<string, T> | undefined, k: string): T | undefined =>
  m instanceof Map ? m.get(k) : m?.[k];

const isStaffRole = (role: string | undefined) => role === 'moderator' || role === 'admin';

/** A conversation as `viewerId` sees it; `staffView` adds the team's own fields. */
export function toConversationView(c: ConvLean, viewerId: string | null, staffView = false): ConversationView {
  const people = c.participants.map((p) => ({
    id: String(p.userId),
    username: p.username,
    displayName: p.displayName || p.username,
    role: p.role,
  }));
  return {
    id: String(c._id),
    subject: c.subject,
    threadId: c.threadId ? String(c.threadId) : null,
    participants: c.support ? [...people, { ...SUPPORT_PARTICIPANT }] : people,
    createdAt: c.createdAt,
    lastMessageAt: c.lastMessageAt,
    messageCount: c.messageCount,
    unread: viewerId ? (mapGet(c.unread, viewerId) ?? 0) : 0,
    support: !!c.support,
    status: c.status ?? 'open',
    assignee: staffView && c.assigneeId ? { id: String(c.assigneeId), displayName: c.assigneeName ?? '' } : null,
    awaitingSupport: staffView && c.support ? !!c.awaitingSupport : null,
  };
}

/**
 * A message as one reader sees it (secure fields masked, `box` decrypting the masked hints).
 * A message moderation hid or deleted keeps its place but not its content for anyone but
 * staff and its author.
 */
export function toMessageView(
  m: MessageLean,
  now: Date,
  support: boolean,
  viewer: { id: string; staff: boolean },
  /** Decrypts the masked forms (null: no usable key, the masked forms show generically). */
  box: SecretBox | null,
): MessageView {
  const removed = !!m.visibility && !viewer.staff && String(m.authorId) !== viewer.id;
  return {
    id: String(m._id),
    conversationId: String(m.conversationId),
    author: {
      id: String(m.authorId),
      username: m.authorUsername,
      displayName: m.authorName || m.authorUsername,
      role: m.authorRole ?? 'member',
    },
    asSupport: support && isStaffRole(m.authorRole),
    internal: !!m.internal,
    body: removed ? '' : m.body,
    html: removed ? '' : m.html,
    createdAt: m.createdAt,
    fields: removed ? [] : (m.fields ?? []).map((f) => fieldView(f, now, box, String(m._id))),
    requests: removed ? [] : (m.requests ?? []).map((r) => ({ kind: r.kind, label: r.label })),
    visibility: m.visibility ?? null,
  };
}
