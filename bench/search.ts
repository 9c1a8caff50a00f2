/**
 * Forum search at scale: `npx tsx bench/search.ts [--threads 100000] [--queries 50]`.
 * Prints numbers; asserts nothing. Deterministic (seeded PRNG).
 *
 * Data: --threads threads (title ~8 words, question ~50 words, replies' text 3 short replies
 * ~60 words) over a 5k-word Zipf-distributed vocabulary plus stop words, 10 products, mixed
 * statuses, a third with an accepted answer.
 * 1. Engine level with a temp dataDir: insert, build the text index over the existing
 *    documents (createIndexes), close.
 * 2. Start-up: the embedded server opens that dataDir (documents, _id and text index rebuilt
 *    from SQLite); mongoose connects and builds the schema's other indexes.
 * 3. Through the driver and mongoose: searchThreads (the
 *    page query: top 200 by text score, re-rank, count when capped, snippets for the page)
 *    for 1-, 2- and 3-term queries over common (top 100) and mid-frequency (rank 100-2000)
 *    words, and similarThreads for 6-word titles: p50 / p99 / mean latency.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ObjectId, type Document } from 'bson';
import { openEngine } from '../server/db/embedded';
import { startEmbeddedServer, type EmbeddedServer } from '../server/db/embedded';
import { benchForum } from './forum';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('threads', 100_000);
const QUERIES = arg('queries', 50);
const VOCAB = 5000;

let seed = 0x2545f491;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}
const SYL = ['ka', 'ro', 'mi', 'tel', 'san', 'dor', 'vin', 'lu', 'pex', 'qua', 'zen', 'bri', 'mon', 'fal', 'gur', 'hes'];
const vocab: string[] = [];
const seen = new Set<string>();
while (vocab.length < VOCAB) {
  let w = '';
  for (let i = 2 + Math.floor(rand() * 3); i > 0; i--) w += SYL[Math.floor(rand() * SYL.length)];
  if (!seen.has(w)) {
    seen.add(w);
    vocab.push(w);
  }
}
const cdf = new Float64Array(VOCAB);
let total = 0;
for (let i = 0; i < VOCAB; i++) cdf[i] = total += 1 / (i + 1);
function zipfWord(): string {
  const x = rand() * total;
  let lo = 0;
  let hi = VOCAB - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return vocab[lo]!;
}
const STOP = ['the', 'a', 'of', 'to', 'and', 'is', 'it', 'my', 'on'];
const sentence = (n: number) =>
  Array.from({ length: n }, () => (rand() < 0.2 ? STOP[Math.floor(rand() * STOP.length)] : zipfWord())).join(' ');
const pick = (from: number, to: number) => vocab[from + Math.floor(rand() * (to - from))]!;

const products = Array.from({ length: 10 }, () => new ObjectId());
const STATUSES = ['open', 'awaiting_asker', 'answered', 'locked'];
const author = new ObjectId();
const start = Date.UTC(2025, 0, 1);

function makeThread(i: number): Document {
  const at = new Date(start + i * 60_000);
  const status = STATUSES[i % 4]!;
  const p = i % 10;
  const title = sentence(6 + Math.floor(rand() * 5));
  const body = sentence(40 + Math.floor(rand() * 21));
  return {
    _id: new ObjectId(),
    title,
    slug: title.slice(0, 60).replace(/[^a-z0-9]+/g, '-'),
    bodySource: body,
    bodyHtml: `<p>${body}</p>`,
    rendererVersion: 1,
    author,
    authorName: 'Bench',
    authorUsername: 'bench',
    authorRole: 'member',
    products: [products[p]],
    productNames: [`Product ${p}`],
    status,
    acceptedReplyId: status === 'answered' ? new ObjectId() : null,
    replyCount: 3,
    views: 0,
    searchText: [sentence(20), sentence(20), sentence(20)].join('\n\n'),
    lastActivityAt: at,
    lastPosterRole: 'member',
    lastPosterName: 'Bench',
    lastPosterIsAsker: true,
    createdAt: at,
    updatedAt: at,
  };
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (x: number) => x.toFixed(1);
function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `p50 ${fmt(q(0.5))} ms  p99 ${fmt(q(0.99))} ms  mean ${fmt(mean)} ms`;
}

const TEXT_SPEC = {
  key: { title: 'text', bodySource: 'text', searchText: 'text' },
  name: 'thread_search',
  weights: { title: 10, bodySource: 2, searchText: 1 },
  default_language: 'english',
};

async function main() {
  let t0 = process.hrtime.bigint();
  const docs = Array.from({ length: N }, (_, i) => makeThread(i));
  console.log(`generated ${N} threads in ${fmt(ms(t0))} ms`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-search-'));
  let server: EmbeddedServer | null = null;
  let bench: Awaited<ReturnType<typeof benchForum>> | undefined;
  try {
    const e = openEngine({ dataDir: dir });
    t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i += 5000) e.insert('bench', 'threads', docs.slice(i, i + 5000));
    console.log(`engine+sqlite: insert ${N} threads ${fmt(ms(t0))} ms`);
    t0 = process.hrtime.bigint();
    e.createIndexes('bench', 'threads', [TEXT_SPEC]);
    console.log(`engine+sqlite: text index build over existing threads ${fmt(ms(t0))} ms`);
    e.close();
    docs.length = 0;

    // Start-up: the embedded server loads the data dir (documents, _id and text index).
    t0 = process.hrtime.bigint();
    server = await startEmbeddedServer({ dataDir: dir });
    console.log(`server start on the data dir (load ${N} threads, rebuild _id + text index) ${fmt(ms(t0))} ms`);
    t0 = process.hrtime.bigint();
    bench = await benchForum(`${server.uri}/bench`); // init(): the schemas' other indexes, built over the loaded threads
    const { searchThreads, similarThreads } = bench.forum.search;
    console.log(`connect + init() (every model's indexes over ${N} threads) ${fmt(ms(t0))} ms`);

    const run = async (label: string, make: () => string) => {
      const lat: number[] = [];
      let hits = 0;
      for (let i = 0; i < QUERIES; i++) {
        const q = make();
        const t = process.hrtime.bigint();
        const r = await searchThreads(null, { q, page: 1 });
        lat.push(ms(t));
        hits += r.total;
      }
      console.log(`search ${label.padEnd(22)} ${stats(lat)}  avg matches ${Math.round(hits / QUERIES)}`);
    };
    await run('1 term common', () => pick(0, 100));
    await run('1 term mid', () => pick(100, 2000));
    await run('2 terms mid', () => `${pick(100, 2000)} ${pick(100, 2000)}`);
    await run('3 terms mid', () => `${pick(100, 2000)} ${pick(100, 2000)} ${pick(100, 2000)}`);
    await run('3 terms common', () => `${pick(0, 100)} ${pick(0, 100)} ${pick(0, 100)}`);
    await run('phrase 2 words', () => `"${pick(0, 100)} ${pick(0, 100)}"`);
    const lat: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const title = sentence(6);
      const t = process.hrtime.bigint();
      await similarThreads(null, { title });
      lat.push(ms(t));
    }
    console.log(`similar (6-word title)      ${stats(lat)}`);
    const filtered: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const t = process.hrtime.bigint();
      await searchThreads(null, { q: `${pick(100, 2000)} ${pick(100, 2000)}`, status: 'answered', page: 1 });
      filtered.push(ms(t));
    }
    console.log(`search 2 terms + status     ${stats(filtered)}`);
  } finally {
    await bench?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
