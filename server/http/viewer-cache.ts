/**
 * Per-user facts that EVERY signed-in page needs before it can render, cached in this
 * process for a few seconds so a member reading page after page does not pay three
 * database round trips per page for them:
 *   - 'actor':   the passport user (username, display name, role)   (auth/passport.ts)
 *   - 'notes':   the header bell's unread notification count       (notifications)
 *   - 'msgs':    the header's unread private message count          (messages)
 *
 * Why: measured on the thread page (bench/thread-page.ts), these were 3 of the 7 queries of
 * a signed-in page view, each a full driver + wire + engine round trip.
 *
 * How long: VIEWER_CACHE_MS (3 s) from the load; concurrent misses share one load.
 *
 * What invalidates (this process sees its own writes at once):
 *   - invalidateViewer(userId) after every write that changes one of these facts:
 *     setRole (auth/service.ts), notify / markRead (notifications/service.ts), a new
 *     conversation, a reply, opening a conversation (messages/service.ts);
 *   - invalidateAllViewers() after bulk repairs (messages/repair.ts).
 *
 * What a reader may see stale, and for how long (at most VIEWER_CACHE_MS): writes made by
 * ANOTHER process (a second app process, the `forum` CLI): a role change (a demoted
 * moderator keeps moderator pages and buttons here for up to 3 s, and the services
 * authorise with this actor, so that is also the window in which the old role is
 * honoured), a deleted account (still signed in for up to 3 s), a new notification or
 * message (the badge lags up to 3 s).
 */
export const VIEWER_CACHE_MS = 3_000;
const MAX_ENTRIES = 10_000;

type Kind = 'actor' | 'notes' | 'msgs';
interface Entry {
  at: number;
  value: Promise<unknown>;
}

const entries = new Map<string, Entry>();
let enabled = true;

/** The cached value of `kind` for `userId` if fresh, else `load()` (shared by concurrent callers). */
export function viewerCached<T>(kind: Kind, userId: string, load: () => Promise<T>, nowMs = Date.now()): Promise<T> {
  if (!enabled) return load();
  const key = `${userId}|${kind}`;
  const hit = entries.get(key);
  if (hit && nowMs - hit.at < VIEWER_CACHE_MS) return hit.value as Promise<T>;
  const value = load();
  const entry: Entry = { at: nowMs, value };
  entries.delete(key);
  entries.set(key, entry);
  if (entries.size > MAX_ENTRIES) {
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }
  value.catch(() => {
    if (entries.get(key) === entry) entries.delete(key); // failures are not cached
  });
  return value;
}

/** Drops everything cached for these users (call after a write that changes their facts). */
export function invalidateViewer(...userIds: Array<string | { toString(): string } | null | undefined>): void {
  for (const id of userIds) {
    if (id === null || id === undefined) continue;
    const s = String(id);
    entries.delete(`${s}|actor`);
    entries.delete(`${s}|notes`);
    entries.delete(`${s}|msgs`);
  }
}

export function invalidateAllViewers(): void {
  entries.clear();
}

/** Benchmarks and tests: turn the cache off (every call loads) or back on. */
export function setViewerCacheEnabled(on: boolean): void {
  enabled = on;
  entries.clear();
}
