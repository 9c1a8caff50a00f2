/**
 * Micro benchmark of the text index: `npx tsx bench/text-micro.ts [docs]`.
 * Builds 100k synthetic forum posts (title ~8 words, body ~80 words) over a ~5k-word
 * vocabulary with a Zipf-like word frequency, then times 1-, 2- and 3-term queries whose
 * words are drawn uniformly from the vocabulary ("rare") or from its 100 most common words
 * ("common"), plus two-word phrase queries. Deterministic (seeded PRNG).
 */
import { TextIndex } from '../server/db/embedded/text/index';

const N = Number(process.argv[2] ?? 100_000);
const VOCAB = 5000;
const QUERIES = 300;

let seed = 0x9e3779b9;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}

const SYLLABLES = ['ka', 'ro', 'mi', 'tel', 'san', 'dor', 'vin', 'lu', 'pex', 'qua', 'zen', 'bri', 'mon', 'fal', 'gur', 'hes'];
const vocab: string[] = [];
const seen = new Set<string>();
while (vocab.length < VOCAB) {
  const n = 2 + Math.floor(rand() * 3);
  let w = '';
  for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
  if (!seen.has(w)) {
    seen.add(w);
    vocab.push(w);
  }
}
// Zipf(s=1) sampling through a cumulative table
const cdf = new Float64Array(VOCAB);
let acc = 0;
for (let i = 0; i < VOCAB; i++) cdf[i] = acc += 1 / (i + 1);
function zipfWord(): string {
  const x = rand() * acc;
  let lo = 0;
  let hi = VOCAB - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return vocab[lo];
}
const STOP = ['the', 'a', 'of', 'to', 'and', 'is', 'it'];
function sentence(words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(rand() < 0.15 ? STOP[Math.floor(rand() * STOP.length)] : zipfWord());
  return out.join(' ');
}

const docs = new Map<string, Record<string, unknown>>();
for (let i = 0; i < N; i++) {
  docs.set(`id${i}`, { title: sentence(6 + Math.floor(rand() * 5)), body: sentence(60 + Math.floor(rand() * 41)) });
}

const heapBefore = (global.gc?.(), process.memoryUsage().heapUsed);
const index = new TextIndex({ fields: { title: 10, body: 1 } });
let t0 = performance.now();
for (const [k, d] of docs) index.add(k, d);
const buildMs = performance.now() - t0;
const heapAfter = (global.gc?.(), process.memoryUsage().heapUsed);
const st = index.stats();
console.log(`docs ${N}, vocab ${VOCAB} (Zipf), tokens ${st.tokens}, postings ${st.postings}`);
console.log(
  `build: ${buildMs.toFixed(0)} ms (${((N / buildMs) * 1000).toFixed(0)} docs/s)` +
    (global.gc ? `, index heap ~${((heapAfter - heapBefore) / 1048576).toFixed(0)} MiB` : ' (run with --expose-gc for heap size)'),
);

const getDoc = (k: string) => docs.get(k);
function bench(label: string, makeQuery: () => string): void {
  const times: number[] = [];
  let hits = 0;
  for (let i = 0; i < 20; i++) index.search({ $search: makeQuery() }, getDoc); // warm-up
  for (let i = 0; i < QUERIES; i++) {
    const q = makeQuery();
    t0 = performance.now();
    hits += index.search({ $search: q }, getDoc).size;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const p = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))].toFixed(3);
  console.log(`${label.padEnd(22)} p50 ${p(0.5)} ms  p99 ${p(0.99)} ms  avg hits ${(hits / QUERIES).toFixed(0)}`);
}
const rare = () => vocab[Math.floor(rand() * VOCAB)];
const common = () => vocab[Math.floor(rand() * 100)];
for (const terms of [1, 2, 3]) {
  bench(`${terms}-term uniform`, () => Array.from({ length: terms }, rare).join(' '));
}
for (const terms of [1, 2, 3]) {
  bench(`${terms}-term top-100`, () => Array.from({ length: terms }, common).join(' '));
}
bench('phrase "w1 w2" uniform', () => `"${rare()} ${rare()}"`);
bench('1-term -negation', () => `${rare()} -${common()}`);

// removal cost
t0 = performance.now();
for (let i = 0; i < 10_000; i++) index.remove(`id${i}`);
console.log(`remove 10k docs: ${(performance.now() - t0).toFixed(0)} ms`);
