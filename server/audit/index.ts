import { Types } from 'mongoose';
import type { Models } from '../../models';

/**
 * The audit log: who looked at or changed something sensitive, and when (secure-field
 * reveals, break-glass access, redactions, locks, role changes...). An entry never holds a
 * secret value: ids, an action name and, where the action asks for one, the actor's reason.
 */
export interface AuditInput {
  actor: { id: string; username: string };
  action: string;
  conversationId?: string | Types.ObjectId;
  messageId?: string | Types.ObjectId;
  fieldId?: string;
  targetType?: string;
  targetId?: string | Types.ObjectId;
  reason?: string;
  /** The account the action was about (role changes, suspensions, bans). */
  subject?: { id: string; username: string };
  at: Date;
}

const oid = (v: string | Types.ObjectId | undefined) => (v === undefined ? undefined : typeof v === 'string' ? new Types.ObjectId(v) : v);

/** The actions the forum records (the audit log screen's filter choices; docs/administration.md). */
export const AUDIT_ACTIONS = [
  'reveal_secure_field',
  'break_glass',
  'redact_post',
  'thread_locked',
  'thread_unlocked',
  'thread_closed_duplicate',
  'thread_moved',
  'role_changed',
  'flag_handled',
  'post_hidden',
  'post_deleted',
  'post_restored',
  'user_suspended',
  'user_silenced',
  'user_suspension_lifted',
  'user_silence_lifted',
  'user_banned',
  'user_unbanned',
  'support_settings_changed',
  'support_conversation_assigned',
] as const;

/** What the audit log screen filters on; `before` is the cursor of the previous page. */
export interface AuditQuery {
  actorId?: string;
  subjectId?: string;
  action?: string;
  /** Entries at or after this instant. */
  from?: Date;
  /** Entries before this instant. */
  to?: Date;
  before?: string;
  limit: number;
}

export interface AuditRow {
  id: string;
  at: Date;
  actorId: string;
  actorUsername: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  subjectUsername: string | null;
  conversationId: string | null;
  messageId: string | null;
  fieldId: string | null;
  reason: string | null;
}

/** `<at ms>.<_id hex>` of the last entry shown; the next page starts strictly after it. */
const cursorOf = (e: { at: Date; _id: Types.ObjectId }) => `${e.at.getTime()}.${String(e._id)}`;

function parseCursor(cursor: string): { at: Date; id: Types.ObjectId } | null {
  const m = /^(\d{1,15})\.([0-9a-f]{24})$/.exec(cursor);
  return m ? { at: new Date(Number(m[1])), id: new Types.ObjectId(m[2]) } : null;
}

export function createAudit(deps: { AuditEntry: Models['AuditEntry'] }) {
  const { AuditEntry } = deps;
  /** Appends one entry (one insert). */
  async function record(input: AuditInput): Promise<void> {
    await AuditEntry.create({
      actorId: new Types.ObjectId(input.actor.id),
      actorUsername: input.actor.username,
      action: input.action,
      conversationId: oid(input.conversationId),
      messageId: oid(input.messageId),
      fieldId: input.fieldId,
      targetType: input.targetType,
      targetId: oid(input.targetId),
      reason: input.reason?.slice(0, 500),
      subjectId: input.subject ? new Types.ObjectId(input.subject.id) : undefined,
      subjectUsername: input.subject?.username,
      at: input.at,
    });
  }
  /**
   * Entries newest first, filtered by actor, subject, action and date, keyset-paged on
   * (at, _id): the date range and the cursor are one range on `at` in the index chosen by the
   * equality filter ({actorId|subjectId|action, at, _id}, or {at, _id}), and the few entries at
   * exactly the cursor's instant are told apart by _id. A page costs the same at any depth.
   * Returns null `next` on the last page; a malformed cursor is treated as the first page.
   */
  async function search(q: AuditQuery): Promise<{ entries: AuditRow[]; next: string | null }> {
    const filter: Record<string, unknown> = {};
    if (q.actorId) filter.actorId = new Types.ObjectId(q.actorId);
    if (q.subjectId) filter.subjectId = new Types.ObjectId(q.subjectId);
    if (q.action) filter.action = q.action;
    const at: Record<string, Date> = {};
    if (q.from) at.$gte = q.from;
    if (q.to) at.$lt = q.to;
    const cursor = q.before ? parseCursor(q.before) : null;
    if (cursor) {
      at.$lte = cursor.at;
      filter.$nor = [{ at: cursor.at, _id: { $gte: cursor.id } }];
    }
    if (Object.keys(at).length) filter.at = at;
    const rows = await AuditEntry.find(filter)
      .sort({ at: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean();
    const page = rows.slice(0, q.limit);
    return {
      entries: page.map((e) => ({
        id: String(e._id),
        at: e.at,
        actorId: String(e.actorId),
        actorUsername: e.actorUsername,
        action: e.action,
        targetType: e.targetType ?? null,
        targetId: e.targetId ? String(e.targetId) : null,
        subjectUsername: e.subjectUsername ?? null,
        conversationId: e.conversationId ? String(e.conversationId) : null,
        messageId: e.messageId ? String(e.messageId) : null,
        fieldId: e.fieldId ?? null,
        reason: e.reason ?? null,
      })),
      next: rows.length > q.limit ? cursorOf(page[page.length - 1]!) : null,
    };
  }

  return { record, search };
}

export type AuditLog = ReturnType<typeof createAudit>;
