import mongoose, { Schema, type Types } from 'mongoose';

/**
 * Edit history: one document per edit, holding the content as it was BEFORE the edit.
 * Written before the post is changed, so a crash in between leaves an extra revision,
 * never a lost one.
 */
export const revisionSchema = new Schema(
  {
    targetType: { type: String, enum: ['thread', 'reply'], required: true },
    targetId: { type: Schema.Types.ObjectId, required: true },
    threadId: { type: Schema.Types.ObjectId, ref: 'Thread', required: true },
    editor: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    editorName: { type: String, default: '' },
    /** Previous title (threads only). */
    title: { type: String, default: null },
    bodySource: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

revisionSchema.index({ targetId: 1, createdAt: -1 });

export interface RevisionDoc {
  _id: Types.ObjectId;
  targetType: 'thread' | 'reply';
  targetId: Types.ObjectId;
  threadId: Types.ObjectId;
  editor: Types.ObjectId;
  editorName: string;
  title: string | null;
  bodySource: string;
  createdAt: Date;
}
