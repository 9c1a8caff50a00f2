import { Schema, type InferSchemaType } from 'mongoose';

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
    /** The account an action was about (role changes, suspensions): "by person" in the audit log. */
    subjectId: { type: Schema.Types.ObjectId, default: undefined },
    subjectUsername: { type: String, default: undefined },
    at: { type: Date, required: true },
  },
  { collection: 'audit_entries', versionKey: false },
);

auditEntrySchema.index({ conversationId: 1, at: -1 }, { sparse: true });
// The audit log screen reads newest first, keyset-paged on (at, _id), filtered by the actor,
// the action or the person it was about; a date range is a range on `at` in the same index.
auditEntrySchema.index({ at: -1, _id: -1 });
auditEntrySchema.index({ actorId: 1, at: -1, _id: -1 });
auditEntrySchema.index({ action: 1, at: -1, _id: -1 });
auditEntrySchema.index({ subjectId: 1, at: -1, _id: -1 }, { sparse: true });

export type AuditEntryAttrs = InferSchemaType<typeof auditEntrySchema>;
