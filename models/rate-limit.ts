import { Schema } from 'mongoose';

/**
 * Rate-limit counters shared by every app process (server/http/rate-limit.ts), in the document
 * shape of rate-limiter-flexible's MongoDB store: one document per limit and client
 * (`key` = "<action>:u:<user id>" or "<action>:ip:<address>"), `points` used in the current
 * window, `expire` its end. The store itself writes them (one atomic upsert per request); this
 * schema exists so the indexes it relies on are built with the others at start-up.
 */
export const rateLimitSchema = new Schema(
  {
    key: { type: String, required: true },
    points: { type: Number, required: true },
    expire: { type: Date, default: null },
  },
  { collection: 'rate_limits', versionKey: false },
);

rateLimitSchema.index({ key: 1 }, { unique: true });
// Expired windows are removed by the TTL monitor (the store also treats them as empty).
rateLimitSchema.index({ expire: -1 }, { expireAfterSeconds: 0 });
