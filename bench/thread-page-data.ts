/**
 * Thread-page-shaped documents for bench/thread-page.ts and its baseline servers
 * (bench/thread-page-baselines.ts): thread number `i` with REPLIES_PER_THREAD replies of
 * forum-shaped Markdown (bench/forum-data.ts), rendered by the forum's own renderer
 * (server/markdown/render.ts) as a reply posted through the forum would be, and the bench
 * reader's votes on a few of them. Deterministic per thread number: the baselines rebuild
 * thread 0 exactly as the seeded forum stores it.
 */
import { ObjectId } from 'bson';
import { Rng, markdown, oid, person, replyDoc, threadDoc, MODERATORS, MEMBERS } from './forum-data';
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
  let lastAuthor = asker;
  const replies = [];
  const votes = [];
  for (let r = 0; r < REPLIES_PER_THREAD; r++) {
    at += 60_000 + rng.int(600_000);
    const roll = rng.next();
    const author = roll < 0.35 ? person(rng.int(MODERATORS)) : roll < 0.7 ? asker : person(MODERATORS + rng.int(MEMBERS));
    const src = markdown(rng, 450 + rng.int(300));
    const replyId = oid(Math.floor(at / 1000), 6, i * 64 + r);
    replies.push(
      replyDoc({
        _id: replyId,
        threadId,
        author,
        bodySource: src,
        bodyHtml: renderMarkdown(src),
        rendererVersion: RENDERER_VERSION,
        at,
        helpful: rng.int(4),
        notHelpful: rng.int(2),
      }),
    );
    lastAuthor = author;
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
  const thread = threadDoc({
    _id: threadId,
    rng,
    asker,
    last: lastAuthor,
    product,
    bodySource,
    bodyHtml: renderMarkdown(bodySource),
    rendererVersion: RENDERER_VERSION,
    status: 'open',
    accepted: null,
    replies,
    created,
    at,
  });
  return { thread, replies, votes };
}
