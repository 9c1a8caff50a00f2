/**
 * Thread-page-shaped documents for bench/thread-page.ts and its baseline servers
 * (bench/thread-page-baselines.ts): thread number `i` with REPLIES_PER_THREAD replies of
 * forum-shaped Markdown (bench/forum-data.ts), rendered by the forum's own renderer
 * (server/markdown/render.ts) as a reply posted through the forum would be, and the bench
 * reader's votes on a few of them. Deterministic per thread number: the baselines rebuild
 * thread 0 exactly as the seeded forum stores it.
 */
import { ObjectId } from 'bson';
import { Rng, markdown, oid, person, title, MODERATORS, MEMBERS } from './forum-data';
import { RENDERER_VERSION, renderMarkdown } from '../server/markdown/render';

/** Replies on every seeded thread: exactly one page of the thread page (REPLIES_PER_PAGE). */
export const REPLIES_PER_THREAD = 50;

/** The one account the benchmark signs in as (a real argon2 hash of READER.password is stored). */
export const READER = {
  _id: oid(1_600_000_000, 9, 1),
  username: 'bench_reader',
  displayName: 'Bench Reader',
  email: 'bench_reader@bench.invalid',
  password: 'bench-reader-password-1',
} as const;

/** The reader's user document, with `passwordHash` computed by the caller (argon2, as the forum stores it). */
export function readerDoc(passwordHash: string) {
  return {
    _id: READER._id,
    username: READER.username,
    usernameLower: READER.username,
    email: READER.email,
    displayName: READER.displayName,
    passwordHash,
    role: 'member',
    emailVerified: true,
    emailVerifiedAt: new Date(1_600_000_000_000),
    createdAt: new Date(1_600_000_000_000),
    lastLoginAt: null,
  };
}

const START_MS = Date.UTC(2024, 0, 1);

/**
 * Thread `i` (an open question, so signed-in readers get the reply form) with its replies,
 * alternating the asker, other members and moderators (staff replies carry signatures), and
 * the reader's votes on every tenth reply. `products` as stored ({_id, name}).
 */
export function pageThread(i: number, products: { _id: ObjectId; name: string }[]) {
  const rng = new Rng(i * 2654435761 + 11);
  const created = START_MS + i * 600_000;
  const asker = person(MODERATORS + rng.int(MEMBERS));
  const product = products[i % products.length]!;
  const threadId = oid(Math.floor(created / 1000), 5, i);
  const bodySource = markdown(rng, 250 + rng.int(500));
  let at = created;
  const replies = [];
  const votes = [];
  for (let r = 0; r < REPLIES_PER_THREAD; r++) {
    at += 60_000 + rng.int(600_000);
    const roll = rng.next();
    const author = roll < 0.35 ? person(rng.int(MODERATORS)) : roll < 0.7 ? asker : person(MODERATORS + rng.int(MEMBERS));
    const src = markdown(rng, 450 + rng.int(300));
    const replyId = oid(Math.floor(at / 1000), 6, i * 64 + r);
    replies.push({
      _id: replyId,
      threadId,
      author: author._id,
      authorName: author.displayName,
      authorUsername: author.username,
      authorRole: author.role,
      system: false,
      systemKind: null,
      bodySource: src,
      bodyHtml: renderMarkdown(src),
      rendererVersion: RENDERER_VERSION,
      helpfulCount: rng.int(4),
      notHelpfulCount: rng.int(2),
      satisfactionSum: 0,
      satisfactionCount: 0,
      createdAt: new Date(at),
      editedAt: null,
    });
    if (r % 10 === 3) {
      votes.push({
        _id: oid(Math.floor(at / 1000) + 60, 7, i * 64 + r),
        replyId,
        userId: READER._id,
        threadId,
        helpful: r % 20 === 3,
        score: null,
        comment: '',
        createdAt: new Date(at + 60_000),
        updatedAt: new Date(at + 60_000),
      });
    }
  }
  const last = replies[replies.length - 1]!;
  const t = title(rng);
  const thread = {
    _id: threadId,
    title: t,
    slug: t
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80),
    bodySource,
    bodyHtml: renderMarkdown(bodySource),
    rendererVersion: RENDERER_VERSION,
    author: asker._id,
    authorName: asker.displayName,
    authorUsername: asker.username,
    authorRole: asker.role,
    products: [product._id],
    productNames: [product.name],
    status: 'open',
    acceptedReplyId: null,
    acceptedAt: null,
    acceptedBy: null,
    replyCount: REPLIES_PER_THREAD,
    views: rng.int(500),
    lastActivityAt: last.createdAt,
    lastPosterRole: last.authorRole,
    lastPosterId: last.author,
    lastPosterName: last.authorName,
    lastPosterIsAsker: String(last.author) === String(asker._id),
    lockedAt: null,
    lockReason: null,
    lockNote: '',
    lockedBy: null,
    searchText: replies.map((r) => `\n\n${r.bodySource}`).join(''),
    privateMessageNoticeAt: null,
    editedAt: null,
    createdAt: new Date(created),
    updatedAt: last.createdAt,
  };
  return { thread, replies, votes };
}
