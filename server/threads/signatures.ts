import type { Types } from 'mongoose';
import { User } from '../../models/user';
import { signatureHtmlFor } from '../auth/signature';

/**
 * Staff signatures for the staff authors on one page: ONE query for all of them, and a
 * short in-memory cache so a busy thread page usually needs none. A signature edit shows
 * up within CACHE_MS. A moderator without their own signature gets the default one
 * (server/auth/signature.ts), cooked once.
 */
const CACHE_MS = 15_000;
const MAX_ENTRIES = 5_000;
const cache = new Map<string, { at: number; html: string | null }>();

export function forgetSignature(userId: string): void {
  cache.delete(userId);
}

export async function signaturesFor(ids: Types.ObjectId[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const now = Date.now();
  const missing: Types.ObjectId[] = [];
  for (const id of ids) {
    const key = String(id);
    const hit = cache.get(key);
    if (hit && now - hit.at < CACHE_MS) out.set(key, hit.html);
    else missing.push(id);
  }
  if (!missing.length) return out;
  const users = await User.find({ _id: { $in: missing } }, { displayName: 1, role: 1, signatureHtml: 1 }).lean();
  if (cache.size > MAX_ENTRIES) cache.clear();
  for (const id of missing) {
    const key = String(id);
    const u = users.find((x) => String(x._id) === key);
    const html = u ? signatureHtmlFor(u) : null;
    cache.set(key, { at: now, html });
    out.set(key, html);
  }
  return out;
}
