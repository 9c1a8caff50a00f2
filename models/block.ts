import mongoose, { Schema, type InferSchemaType } from 'mongoose';

/** `blockerId` does not want new private conversations started by `blockedId`. */
export const blockSchema = new Schema(
  {
    blockerId: { type: Schema.Types.ObjectId, required: true },
    blockedId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'blocks', versionKey: false },
);

blockSchema.index({ blockerId: 1, blockedId: 1 }, { unique: true });
blockSchema.index({ blockedId: 1 });

export type BlockAttrs = InferSchemaType<typeof blockSchema>;
