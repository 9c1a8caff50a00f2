/**
 * Forum-shaped documents for the storage benches (bench/gen-forum.ts, bench/storage.ts):
 * threads, replies and votes with the fields of models/thread.ts, models/reply.ts and
 * models/vote.ts, deterministic per thread number (a thread, its replies and their votes
 * come out the same on every run, _ids included, so an interrupted generation resumes).
 *
 * Text: English-like support questions and answers in Markdown (paragraphs, lists, inline
 * code, error codes, version numbers) over a Zipf-distributed vocabulary of common support
 * words plus a long tail of rarer made-up product and component names. A reply is about 600
 * bytes; a thread has 1-5 replies (3 on average) and about one vote per reply.
 */
import { ObjectId } from 'bson';

/** xorshift32: a small deterministic generator. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
    for (let i = 0; i < 4; i++) this.next();
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 0x1_0000_0000;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Common words of support conversations, most frequent first (the Zipf head). */
const COMMON = `the i to and a it is my of in that this for on not with when you have but after can was be
error update install windows account password sign office outlook email code access exam screen app file
settings version problem issue help try again restart open click message page download browser team
still work working shows cannot get set using new use computer phone certificate login reset
thanks please steps following check clear cache private window profile driver printer network connection
license key activation subscription billing payment invoice renewal product support ticket case answer
question solved accepted reply step first second then before now same different laptop device mobile
mailbox calendar meeting chat channel folder sync share drive storage backup restore recover delete
remove uninstall reinstall upgrade version build release firmware bios boot startup shutdown crash
freeze slow fast blank black white button menu tab option dialog window error message warning`
  .split(/\s+/)
  .filter(Boolean);

const SYLLABLES = [
  'ka',
  'ro',
  'mi',
  'tel',
  'san',
  'dor',
  'vin',
  'lu',
  'pex',
  'qua',
  'zen',
  'bri',
  'mon',
  'fal',
  'gur',
  'hes',
  'tor',
  'nix',
];

/** The vocabulary: common words, then made-up names (20k), in frequency order. */
export const VOCABULARY: string[] = (() => {
  const rng = new Rng(12345);
  const out = [...COMMON];
  const seen = new Set(out);
  while (out.length < COMMON.length + 20_000) {
    let w = '';
    const n = 2 + rng.int(3);
    for (let i = 0; i < n; i++) w += rng.pick(SYLLABLES);
    if (!seen.has(w)) {
      seen.add(w);
      out.push(w);
    }
  }
  return out;
})();

const CDF = (() => {
  const c = new Float64Array(VOCABULARY.length);
  let acc = 0;
  for (let i = 0; i < c.length; i++) c[i] = acc += 1 / (i + 1) ** 1.05;
  return c;
})();

function word(rng: Rng): string {
  const x = rng.next() * CDF[CDF.length - 1]!;
  let lo = 0;
  let hi = CDF.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (CDF[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return VOCABULARY[lo]!;
}

function sentence(rng: Rng): string {
  const n = 6 + rng.int(12);
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.03) words.push(`\`0x${rng.int(0xffffff).toString(16)}\``);
    else if (r < 0.05) words.push(`${1 + rng.int(20)}.${rng.int(10)}.${rng.int(999)}`);
    else words.push(word(rng));
  }
  const s = words.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + (rng.next() < 0.15 ? '?' : '.');
}

/** Markdown of about `bytes` bytes: paragraphs, sometimes a numbered list. */
export function markdown(rng: Rng, bytes: number): string {
  const parts: string[] = [];
  let len = 0;
  while (len < bytes) {
    let p: string;
    if (rng.next() < 0.2) {
      const items = 2 + rng.int(3);
      p = Array.from({ length: items }, (_, i) => `${i + 1}. ${sentence(rng)}`).join('\n');
    } else {
      p = Array.from({ length: 1 + rng.int(3) }, () => sentence(rng)).join(' ');
    }
    parts.push(p);
    len += p.length + 2;
  }
  return parts.join('\n\n');
}

/** A stand-in for the forum's Markdown rendering (same size class; never parsed back). */
export function html(md: string): string {
  return md
    .split('\n\n')
    .map(
      (p) =>
        `<p>${p
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;')
          .replace(/`([^`]*)`/g, '<code>$1</code>')}</p>`,
    )
    .join('\n');
}

export function title(rng: Rng): string {
  const n = 4 + rng.int(7);
  const s = Array.from({ length: n }, () => word(rng)).join(' ');
  return (s[0]!.toUpperCase() + s.slice(1)).slice(0, 200);
}

/** A deterministic ObjectId: timestamp `seconds`, then a tag byte and a 64-bit number. */
export function oid(seconds: number, tag: number, n: number): ObjectId {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(seconds >>> 0, 0);
  b[4] = tag;
  b.writeUIntBE(n, 6, 6);
  return new ObjectId(b);
}

export interface Person {
  _id: ObjectId;
  username: string;
  displayName: string;
  role: 'member' | 'moderator' | 'admin';
}

export const MEMBERS = 5000;
export const MODERATORS = 20;

export function person(i: number): Person {
  const mod = i < MODERATORS;
  return {
    _id: oid(1_600_000_000, 1, i),
    username: mod ? `mod_${i}` : `member_${i}`,
    displayName: mod ? `Moderator ${i}` : `Member ${i}`,
    role: mod ? 'moderator' : 'member',
  };
}

export function userDoc(i: number) {
  const p = person(i);
  return {
    _id: p._id,
    username: p.username,
    usernameLower: p.username.toLowerCase(),
    email: `${p.username}@bench.invalid`,
    displayName: p.displayName,
    // not a usable hash: nobody signs in as a generated user
    passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$YmVuY2g$YmVuY2hiZW5jaGJlbmNoYmVuY2g',
    role: p.role,
    signature: p.role === 'moderator' ? 'Support team' : null,
    signatureHtml: p.role === 'moderator' ? '<p>Support team</p>' : null,
    signatureRendererVersion: p.role === 'moderator' ? 1 : null,
    createdAt: new Date(1_600_000_000_000),
    lastLoginAt: null,
  };
}

/** A reply document with the fields of models/reply.ts. `at`: its creation time (ms). */
export function replyDoc<Id>(r: {
  _id: Id;
  threadId: Id;
  author: Pick<Person, 'displayName' | 'username'> & { _id: Id; role: string };
  bodySource: string;
  bodyHtml: string;
  rendererVersion: number;
  at: number;
  helpful: number;
  notHelpful: number;
}) {
  return {
    _id: r._id,
    threadId: r.threadId,
    author: r.author._id,
    authorName: r.author.displayName,
    authorUsername: r.author.username,
    authorRole: r.author.role,
    system: false,
    systemKind: null,
    bodySource: r.bodySource,
    bodyHtml: r.bodyHtml,
    rendererVersion: r.rendererVersion,
    helpfulCount: r.helpful,
    notHelpfulCount: r.notHelpful,
    satisfactionSum: 0,
    satisfactionCount: 0,
    createdAt: new Date(r.at),
    editedAt: null,
  };
}

/**
 * A thread document with the fields of models/thread.ts: asked by `asker` at `created` (ms),
 * last active at `at` (ms) by `last`, with the replies' text as its search text.
 */
export function threadDoc(t: {
  _id: ObjectId;
  rng: Rng;
  asker: Person;
  last: Person;
  product: { _id: ObjectId; name: string };
  bodySource: string;
  bodyHtml: string;
  rendererVersion: number;
  status: string;
  accepted: { _id: unknown; createdAt: unknown } | null;
  replies: ReadonlyArray<Record<string, unknown>>;
  created: number;
  at: number;
}) {
  const heading = title(t.rng);
  return {
    _id: t._id,
    title: heading,
    slug: heading
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80),
    bodySource: t.bodySource,
    bodyHtml: t.bodyHtml,
    rendererVersion: t.rendererVersion,
    author: t.asker._id,
    authorName: t.asker.displayName,
    authorUsername: t.asker.username,
    authorRole: t.asker.role,
    products: [t.product._id],
    productNames: [t.product.name],
    status: t.status,
    acceptedReplyId: t.accepted ? t.accepted._id : null,
    acceptedAt: t.accepted ? t.accepted.createdAt : null,
    acceptedBy: t.accepted ? t.asker._id : null,
    replyCount: t.replies.length,
    views: t.rng.int(500),
    lastActivityAt: new Date(t.at),
    lastPosterRole: t.last.role,
    lastPosterId: t.last._id,
    lastPosterName: t.last.displayName,
    lastPosterIsAsker: t.last === t.asker,
    lockedAt: t.status === 'locked' ? new Date(t.at + 86_400_000) : null,
    lockReason: t.status === 'locked' ? 'no_response' : null,
    lockNote: '',
    lockedBy: null,
    searchText: t.replies.map((r) => `\n\n${r.bodySource as string}`).join(''),
    privateMessageNoticeAt: null,
    editedAt: null,
    createdAt: new Date(t.created),
    updatedAt: new Date(t.at),
  };
}

const STATUSES = ['open', 'awaiting_asker', 'answered', 'answered', 'locked', 'open'] as const;
/** Two years of threads: thread i is created START + i * STEP (1M threads). */
export const START_MS = Date.UTC(2023, 0, 1);
const STEP_MS = 63_000;

export interface ThreadBundle {
  thread: Record<string, unknown>;
  replies: Record<string, unknown>[];
  votes: Record<string, unknown>[];
}

/** Thread number `i` with its replies and votes; `products` as stored ({_id, name}). */
export function threadBundle(i: number, products: { _id: ObjectId; name: string }[], rendererVersion = 1): ThreadBundle {
  const rng = new Rng(i * 2654435761 + 7);
  const created = START_MS + i * STEP_MS;
  const asker = person(MODERATORS + rng.int(MEMBERS));
  const product = products[i % products.length]!;
  const threadId = oid(Math.floor(created / 1000), 2, i);
  const bodySource = markdown(rng, 250 + rng.int(500));
  const nReplies = 1 + rng.int(5);
  const replies: Record<string, unknown>[] = [];
  const votes: Record<string, unknown>[] = [];
  let at = created;
  let last: Person = asker;
  for (let r = 0; r < nReplies; r++) {
    at += 60_000 + rng.int(3_600_000);
    const staff = rng.next() < 0.4;
    const author = staff ? person(rng.int(MODERATORS)) : rng.next() < 0.5 ? asker : person(MODERATORS + rng.int(MEMBERS));
    last = author;
    const src = markdown(rng, 450 + rng.int(300));
    const replyId = oid(Math.floor(at / 1000), 3, i * 8 + r);
    const nVotes = rng.int(3);
    let helpful = 0;
    let notHelpful = 0;
    const voters = new Set<number>();
    for (let v = 0; v < nVotes; v++) {
      const u = MODERATORS + rng.int(MEMBERS);
      if (voters.has(u)) continue;
      voters.add(u);
      const yes = rng.next() < 0.7;
      if (yes) helpful++;
      else notHelpful++;
      votes.push({
        _id: oid(Math.floor(at / 1000) + 60, 4, (i * 8 + r) * 4 + v),
        replyId,
        userId: person(u)._id,
        threadId,
        helpful: yes,
        score: null,
        comment: '',
        createdAt: new Date(at + 60_000),
        updatedAt: new Date(at + 60_000),
      });
    }
    replies.push(
      replyDoc({ _id: replyId, threadId, author, bodySource: src, bodyHtml: html(src), rendererVersion, at, helpful, notHelpful }),
    );
  }
  const status = STATUSES[rng.int(STATUSES.length)]!;
  const accepted = status === 'answered' ? replies[rng.int(replies.length)]! : null;
  const thread = threadDoc({
    _id: threadId,
    rng,
    asker,
    last,
    product,
    bodySource,
    bodyHtml: html(bodySource),
    rendererVersion,
    status,
    accepted: accepted as { _id: unknown; createdAt: unknown } | null,
    replies,
    created,
    at,
  });
  return { thread, replies, votes };
}
