import { Schema } from 'mongoose';

/**
 * Settings administrators change at run time, one document per group keyed by `_id`
 * (today only 'support': the support calendar and lock rule, docs/administration.md). A missing
 * field means "the environment's value" (server/config.ts). `version` grows by one on each
 * change, so every app process can tell in one small read whether what it holds is current.
 */
export const settingSchema = new Schema(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true, default: 0 },
    values: { type: Schema.Types.Mixed, default: {} },
    updatedAt: { type: Date, default: null },
    updatedBy: { type: Schema.Types.ObjectId, default: null },
    updatedByUsername: { type: String, default: '' },
  },
  { collection: 'settings', versionKey: false, minimize: false },
);

export interface SettingDoc {
  _id: string;
  version: number;
  values: Record<string, unknown>;
  updatedAt: Date | null;
  updatedBy: unknown;
  updatedByUsername: string;
}
