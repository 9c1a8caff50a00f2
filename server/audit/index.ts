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
  at: Date;
}

const oid = (v: string | Types.ObjectId | undefined) => (v === undefined ? undefined : typeof v === 'string' ? new Types.ObjectId(v) : v);

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
      reason: input.reason,
      at: input.at,
    });
  }
  return { record };
}

export type AuditLog = ReturnType<typeof createAudit>;
