import mongoose, { Schema } from 'mongoose';

/**
 * Failed sign-in counters, one document per throttle key ("acct:<name>", "ip:<address>"),
 * shared by every app process. A counter lives for one fixed window; the TTL index removes
 * it once the window has passed (the service also treats an expired window as empty, so
 * correctness never depends on when the TTL monitor runs).
 */
export const loginAttemptSchema = new Schema(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true, default: 0 },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'login_attempts', versionKey: false },
);

loginAttemptSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
