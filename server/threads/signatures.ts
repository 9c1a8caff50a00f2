import type { Types } from 'mongoose';
import type { Models } from '../../models';
import type { SupportRulesSource } from '../calendar';
import type { CacheRegistry } from '../kernel/cache';
import { cookDefaultSignature, signatureHtmlFor } from '../auth';

/**
 * Staff signatures for the staff authors on one page: ONE query for all of them, and a
 * short cache ('signatures', CACHE_MS) so a busy thread page usually needs none. A signature
 * edit in this process clears it ('viewer.changed'); another process's edit shows up within
 * CACHE_MS. A moderator without their own signature gets the default one, cooked once per
 * name and policy wording.
 */
const CACHE_MS = 15_000;

export function createSignatures(deps: { User: Models['User']; caches: CacheRegistry; rules: SupportRulesSource }) {
  const { User, rules } = deps;
  const cache = deps.caches.create<{ html: string | null }>('signatures', { max: 5_000, ttlMs: CACHE_MS });
  const cooked = deps.caches.create<string>('default-signatures', { max: 1_000, ttlMs: 3_600_000 });
  const cookDefault = (displayName: string): string => {
    const r = rules.current();
    const key = `${displayName}\n${r.calendar.settings.open}-${r.calendar.settings.close}|${r.lockAfterDays}|${r.firstResponseDays}|${r.calendar.settings.zone}|${r.calendar.settings.days.join()}|${r.calendar.settings.holidayCountry}`;
    const hit = cooked.get(key);
    if (hit !== undefined) return hit;
    const html = cookDefaultSignature(displayName, r);
    cooked.set(key, html);
    return html;
  };

  async function forAuthors(ids: Types.ObjectId[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const missing: Types.ObjectId[] = [];
    for (const id of ids) {
      const hit = cache.get(String(id));
      if (hit) out.set(String(id), hit.html);
      else missing.push(id);
    }
    if (!missing.length) return out;
    const users = await User.find({ _id: { $in: missing } }, { displayName: 1, role: 1, signatureHtml: 1 }).lean();
    for (const id of missing) {
      const key = String(id);
      const u = users.find((x) => String(x._id) === key);
      const html = u ? signatureHtmlFor(u, cookDefault) : null;
      cache.set(key, { html });
      out.set(key, html);
    }
    return out;
  }

  return {
    forAuthors,
    forget: (userId: string) => cache.delete(userId),
    /** Every cached signature (the support rules changed: default signatures quote them). */
    clear: () => {
      cache.clear();
      cooked.clear();
    },
  };
}

export type Signatures = ReturnType<typeof createSignatures>;
