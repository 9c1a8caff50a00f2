import mongoose, { Schema, type Types } from 'mongoose';

/**
 * A product a question can "apply to". A short list managed by administrators; threads keep
 * a denormalised copy of the names so the list page needs no join.
 */
export const productSchema = new Schema(
  {
    name: { type: String, required: true, trim: true, maxlength: 80 },
    /** URL-friendly, lowercase: also makes names unique regardless of case. */
    slug: { type: String, required: true, maxlength: 100 },
    /** Display order in pickers and filters. */
    position: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);

productSchema.index({ name: 1 }, { unique: true });
productSchema.index({ slug: 1 }, { unique: true });

export interface ProductDoc {
  _id: Types.ObjectId;
  name: string;
  slug: string;
  position: number;
  createdAt: Date;
  updatedAt: Date;
}
