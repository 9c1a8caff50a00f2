import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { Model } from 'mongoose';
import type { ThreadDoc } from '../../models/thread';
import type { Logger } from '../kernel/logger';

/**
 * Thread view counting, kept off the page's hot path.
 *
 * - A viewer counts once per thread per DEDUPE_MS: signed-in readers by user id,
 *   anonymous ones by a hash of IP + user agent (no session, no cookie is created).
 * - Bots and link previewers do not count.
 * - Counts are buffered in memory and written with one `$inc` per thread at most every
 *   FLUSH_MS, and on flushViews() (tests, shutdown).
 *
 * Trade-off, on purpose: a crash loses the views counted in the last few seconds, and each
 * app process dedupes on its own (a reader bounced between processes may count twice).
 * View counts are a popularity hint, not an audit record.
 */
export const DEDUPE_MS = 30 * 60_000;
export const FLUSH_MS = 5_000;
const MAX_SEEN = 100_000;

export const BOT_UA =
  /bot|crawl|spider|slurp|facebookexternalhit|preview|scrap|fetch|monitor|curl|wget|python-requests|httpclient|go-http|java\/|okhttp|axios|node-fetch|embedly|whatsapp|skypeuripreview|bingpreview|mediapartners/i;

export function isBot(userAgent: string | undefined): boolean {
  return !userAgent || BOT_UA.test(userAgent);
}

export function viewerKey(userId: string | null, ip: string, userAgent: string): string {
  if (userId) return `u:${userId}`;
  return `a:${createHash('sha256').update(`${ip}\n${userAgent}`).digest('base64url').slice(0, 22)}`;
}

/** The view counter of one app: its dedupe memory, its buffer and its flush timer. */
export function createViewCounter(deps: { Thread: Model<ThreadDoc>; logger: Pick<Logger, 'error'> }) {
  const { Thread, logger } = deps;
  /** viewer+thread key -> expiry (ms). A Map keeps insertion order: the oldest entries come first. */
  const seen = new Map<string, number>();
  /** threadId -> views not yet written. */
  const pending = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;

  /**
   * Counts a view if this viewer has not been counted for this thread recently.
   * Synchronous and memory-only; returns whether it counted.
   */
  function countView(threadId: string, viewer: { userId: string | null; ip: string; userAgent?: string }, nowMs: number): boolean {
    if (isBot(viewer.userAgent)) return false;
    const key = `${threadId}|${viewerKey(viewer.userId, viewer.ip, viewer.userAgent ?? '')}`;
    const until = seen.get(key);
    if (until !== undefined && until > nowMs) return false;
    if (until !== undefined) seen.delete(key); // re-insert at the end (newest)
    seen.set(key, nowMs + DEDUPE_MS);
    if (seen.size > MAX_SEEN) evict(nowMs);
    pending.set(threadId, (pending.get(threadId) ?? 0) + 1);
    if (!timer) {
      timer = setInterval(() => void flushViews().catch((err: unknown) => logger.error({ err }, 'view counter flush failed')), FLUSH_MS);
      timer.unref();
    }
    return true;
  }

  function evict(nowMs: number): void {
    // Oldest first; stop at the first live entry unless we are still over the bound.
    for (const [key, until] of seen) {
      if (seen.size <= MAX_SEEN * 0.9 && until > nowMs) break;
      seen.delete(key);
    }
  }

  /** Views counted but not yet written, so a page can show the reader's own view at once. */
  function pendingViews(threadId: string): number {
    return pending.get(threadId) ?? 0;
  }

  /** Writes buffered counts: one `$inc` per thread in one bulk write. */
  async function flushViews(): Promise<void> {
    if (flushing) await flushing;
    if (!pending.size) return;
    const batch = [...pending];
    pending.clear();
    flushing = (async () => {
      try {
        await Thread.bulkWrite(
          batch.map(([id, n]) => ({ updateOne: { filter: { _id: new Types.ObjectId(id) }, update: { $inc: { views: n } } } })),
          { ordered: false },
        );
      } finally {
        flushing = null;
      }
    })();
    await flushing;
  }

  /** Stops the timer (shutdown). Call flushViews() first to keep the last counts. */
  function stopViewCounter(): void {
    if (timer) clearInterval(timer);
    timer = null;
  }

  /** Adds views straight to the stored counts, one `$inc` per thread in one bulk write. */
  async function addViews(counts: Record<string, number>): Promise<void> {
    const entries = Object.entries(counts).filter(([, n]) => n > 0);
    if (!entries.length) return;
    await Thread.bulkWrite(
      entries.map(([id, n]) => ({ updateOne: { filter: { _id: new Types.ObjectId(id) }, update: { $inc: { views: n } } } })),
      { ordered: false },
    );
  }

  return { count: countView, pending: pendingViews, flush: flushViews, add: addViews, stop: stopViewCounter };
}

export type ViewCounter = ReturnType<typeof createViewCounter>;
