import type { Model, Types } from 'mongoose';
import type { ThreadDoc } from '../../models/thread';
import type { ReplyDoc } from '../../models/reply';

/**
 * The thread's `searchText`: the Markdown source of its human replies, oldest first, joined
 * and capped at SEARCH_TEXT_MAX code points, so that words of the replies find their thread
 * (text index weight 1; see models/thread.ts). Only public reply text goes in: system notes
 * are left out, and private messages and secure fields live in other collections and are never
 * copied here.
 *
 * `searchTextLength` (code points) travels with it, so that posting a reply costs the same in a
 * long thread as in a short one (issue 20 item 5): the reply's piece is cut to the room left in
 * the application and appended with a plain `$concat` on the condition that the length is still
 * the one read (concurrent replies cannot lose each other's text: the loser re-reads and tries
 * again); once the text is full, a reply does not write it at all. Nothing on this path counts
 * the stored text's code points (the older pipeline cut the whole joined text with `$substrCP`
 * on every reply: 12% of the server's CPU in a 1000-reply thread). A thread stored before the
 * length existed takes that older path once, which also records the length.
 *
 * Edits and redactions rebuild both from the replies. A crash between the reply write and this
 * one leaves the field short; rebuildSearchText / backfillSearchText repair it.
 */
export const SEARCH_TEXT_MAX = 50_000;

/** How often a reply re-reads the length after losing a race before taking the older path. */
const APPEND_ATTEMPTS = 4;

const SEPARATOR = '\n\n';

/** `s` cut to at most `max` code points, with its length in code points. */
function capped(s: string, max: number): { text: string; length: number } {
  // A string of at most `max` UTF-16 units has at most `max` code points: no split needed.
  if (s.length <= max) {
    let length = s.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          length--;
          i++;
        }
      }
    }
    return { text: s, length };
  }
  const points = Array.from(s);
  const kept = points.length <= max ? points : points.slice(0, max);
  return { text: kept.join(''), length: kept.length };
}

export function createSearchText(deps: { Thread: Model<ThreadDoc>; Reply: Model<ReplyDoc> }) {
  const { Thread, Reply } = deps;

  async function storedLength(threadId: Types.ObjectId): Promise<number | null | undefined> {
    const t = await Thread.findById(threadId, { searchTextLength: 1 }).lean();
    if (!t) return undefined;
    return typeof t.searchTextLength === 'number' ? t.searchTextLength : null;
  }

  /**
   * The older, length-blind append: cuts the whole joined text on the server (cost grows with
   * the stored text) and records its length. For threads stored before `searchTextLength`, and
   * as the last resort of a reply that keeps losing races. A pipeline update through the
   * driver: mongoose would cast it.
   */
  async function appendCountingAll(threadId: Types.ObjectId, piece: string, filter: Record<string, unknown> = {}): Promise<boolean> {
    const text = { $substrCP: [{ $concat: [{ $ifNull: ['$searchText', ''] }, { $literal: piece }] }, 0, SEARCH_TEXT_MAX] };
    const res = await Thread.collection.updateOne({ ...filter, _id: threadId }, [
      { $set: { searchText: text } },
      { $set: { searchTextLength: { $strLenCP: '$searchText' } } },
    ]);
    return res.matchedCount > 0;
  }

  /**
   * Appends one reply's source. `knownLength`: the thread's searchTextLength as the caller
   * just read it (null: not recorded yet; undefined: not read), which saves a read.
   */
  async function appendReplySearchText(threadId: Types.ObjectId, body: string, knownLength?: number | null): Promise<void> {
    const piece = `${SEPARATOR}${body}`;
    let length = knownLength === undefined ? await storedLength(threadId) : knownLength;
    for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
      if (length === undefined) return; // the thread is gone
      if (length === null) {
        if (await appendCountingAll(threadId, piece, { searchTextLength: { $exists: false } })) return;
      } else {
        if (length >= SEARCH_TEXT_MAX) return;
        const add = capped(piece, SEARCH_TEXT_MAX - length);
        const res = await Thread.collection.updateOne({ _id: threadId, searchTextLength: length }, [
          {
            $set: {
              searchText: { $concat: [{ $ifNull: ['$searchText', ''] }, { $literal: add.text }] },
              searchTextLength: { $literal: length + add.length },
            },
          },
        ]);
        if (res.matchedCount) return;
      }
      length = await storedLength(threadId);
    }
    if (length !== undefined) await appendCountingAll(threadId, piece);
  }

  /** The capped text of a thread's human replies, read from the replies themselves. */
  async function replyText(threadId: Types.ObjectId): Promise<{ text: string; length: number }> {
    // Only what the public sees: replies moderation held, hid or deleted stay out of search.
    const replies = await Reply.find({ threadId, system: { $ne: true }, visibility: null }, { bodySource: 1 })
      .sort({ createdAt: 1, _id: 1 })
      .lean();
    let out = '';
    for (const r of replies) {
      out += `${SEPARATOR}${r.bodySource}`;
      if (out.length >= SEARCH_TEXT_MAX) break;
    }
    return capped(out, SEARCH_TEXT_MAX);
  }

  /** Recomputes one thread's searchText and its length (after a reply edit or redaction). */
  async function rebuildSearchText(threadId: Types.ObjectId): Promise<void> {
    const { text, length } = await replyText(threadId);
    await Thread.updateOne({ _id: threadId }, { $set: { searchText: text, searchTextLength: length } });
  }

  /** Recomputes every thread's searchText (repair, or after upgrading an existing database). */
  async function backfillSearchText(progress?: (done: number) => void): Promise<number> {
    let n = 0;
    for await (const t of Thread.find({}, { _id: 1 }).sort({ _id: 1 }).lean().cursor()) {
      await rebuildSearchText(t._id);
      n++;
      if (progress && n % 1000 === 0) progress(n);
    }
    return n;
  }

  return { append: appendReplySearchText, rebuild: rebuildSearchText, backfill: backfillSearchText };
}

export type SearchText = ReturnType<typeof createSearchText>;
