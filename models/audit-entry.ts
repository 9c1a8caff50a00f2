import mongoose, { Schema, type InferSchemaType } from 'mongoose';

/**
 * Who looked at or changed something sensitive, and when. Never holds a secret value:
 * ids, an action name and (for break-glass or redactions) the actor's stated reason.
 */
export const auditEntrySchema = new Schema(
  {
    actorId: { type: Schema.Types.ObjectId, required: true },
    actorUsername: { type: String, default: '' },
    action: { type: String, required: true },
    conversationId: { type: Schema.Types.ObjectId, default: undefined },
    messageId: { type: Schema.Types.ObjectId, default: undefined },
    fieldId: { type: String, default: undefined },
    targetType: { type: String, default: undefined },
    targetId: { type: Schema.Types.ObjectId, default: undefined },
    reason: { type: String, default: undefined, maxlength: 500 },
    at: { type: Date, required: true },
  },
  { collection: 'audit_entries', versionKey: false },
);

auditEntrySchema.index({ conversationId: 1, at: -1 }, { sparse: true });
auditEntrySchema.index({ actorId: 1, at: -1 });

export type AuditEntryAttrs = InferSchemaType<typeof auditEntrySchema>;
