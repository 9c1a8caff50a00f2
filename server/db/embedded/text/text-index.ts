/**
 * An in-memory inverted index answering MongoDB-style `$text` queries.
 *
 * Layout (memory-lean, and every operation touches only what it needs):
 * - vocabulary: token -> token id; `postings[tokenId]` holds two parallel arrays, the internal
 *   ids of the documents containing the token and that document's score for the token
 *   (already summed over fields and array elements; see `termScore`).
 * - documents: docKey -> internal doc id (ids are recycled); per document one Uint32Array
 *   `[tokenIds ascending..., position of the doc in each token's posting...]`.
 * - remove() swaps the last entry of each posting into the freed slot and fixes the moved
 *   document's recorded position (binary search in its sorted token ids): O(tokens of the
 *   doc * log), no tombstones, postings never hold stale entries. Empty tokens are dropped.
 * - search() walks only the postings of the query's terms and negated terms; phrases and
 *   negated phrases are then verified on the candidates' stored text through `getDoc`.
 *
 * Matching rule: a document matches iff it contains at least one positive term (phrase words
 * count as terms), contains every positive phrase (in one indexed string, as a
 * case- and diacritic-insensitive substring), and contains no negated term and no negated
 * phrase. A search without positive terms (only stop words, or only negations) matches nothing.
 * Scores: analyzer.ts.
 *
 * The engine keeps its text indexes in SQLite (engine/text-store.ts); this in-memory index is
 * the reference the engine's index is tested against (same analyzer, same answers).
 */
import { TextAnalyzer, type TextQuery } from './analyzer';
import type { TextIndexOptions } from './options';

export { type TextQuery } from './analyzer';

interface Posting {
  docs: number[];
  scores: number[];
}

export interface TextIndexStats {
  documents: number;
  tokens: number;
  postings: number;
}

function lowerBound(a: Uint32Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class TextIndex {
  private readonly analyzer: TextAnalyzer;

  private tokenIds = new Map<string, number>();
  private tokenNames: (string | undefined)[] = [];
  private postings: (Posting | undefined)[] = [];
  private freeTokenIds: number[] = [];

  private docIds = new Map<string, number>();
  private docKeys: (string | undefined)[] = [];
  private docEntries: (Uint32Array | undefined)[] = [];
  private freeDocIds: number[] = [];
  private postingCount = 0;

  // query scratch space, indexed by internal doc id; `gen` stamps avoid clearing
  private seen = new Uint32Array(0);
  private excluded = new Uint32Array(0);
  private acc = new Float64Array(0);
  private gen = 0;

  constructor(options: TextIndexOptions) {
    this.analyzer = new TextAnalyzer(options);
  }

  /** Documents with at least one indexed token. */
  size(): number {
    return this.docIds.size;
  }

  stats(): TextIndexStats {
    return { documents: this.docIds.size, tokens: this.tokenIds.size, postings: this.postingCount };
  }

  has(docKey: string): boolean {
    return this.docIds.has(docKey);
  }

  /**
   * Throws (17261/17262) when the document cannot be indexed (bad language override);
   * lets the engine refuse a write before changing anything.
   */
  validateDocument(doc: Record<string, unknown>): void {
    this.analyzer.languageOf(doc);
  }

  /** Index (or re-index) a document. On error the previous entry for docKey is untouched. */
  add(docKey: string, doc: Record<string, unknown>): void {
    const scores = this.analyzer.termScores(doc); // the only thing that can refuse a document
    this.remove(docKey);
    const n = scores.size;
    if (n === 0) return;
    const byTid = new Map<number, number>();
    for (const [token, score] of scores) byTid.set(this.intern(token), score);
    const entry = new Uint32Array(2 * n);
    entry.set([...byTid.keys()]);
    entry.subarray(0, n).sort();
    const id = this.freeDocIds.pop() ?? this.docKeys.length;
    for (let j = 0; j < n; j++) {
      const p = this.postings[entry[j]]!;
      entry[n + j] = p.docs.length;
      p.docs.push(id);
      p.scores.push(byTid.get(entry[j])!);
    }
    this.postingCount += n;
    this.docIds.set(docKey, id);
    this.docKeys[id] = docKey;
    this.docEntries[id] = entry;
  }

  remove(docKey: string): void {
    const id = this.docIds.get(docKey);
    if (id === undefined) return;
    const entry = this.docEntries[id]!;
    const n = entry.length >>> 1;
    for (let j = 0; j < n; j++) {
      const tid = entry[j];
      const pos = entry[n + j];
      const p = this.postings[tid]!;
      const last = p.docs.length - 1;
      if (pos !== last) {
        const moved = p.docs[last];
        p.docs[pos] = moved;
        p.scores[pos] = p.scores[last];
        const other = this.docEntries[moved]!;
        const m = other.length >>> 1;
        other[m + lowerBound(other, m, tid)] = pos;
      }
      p.docs.pop();
      p.scores.pop();
      if (p.docs.length === 0) this.dropToken(tid);
    }
    this.postingCount -= n;
    this.docIds.delete(docKey);
    this.docKeys[id] = undefined;
    this.docEntries[id] = undefined;
    this.freeDocIds.push(id);
  }

  clear(): void {
    this.tokenIds = new Map();
    this.tokenNames = [];
    this.postings = [];
    this.freeTokenIds = [];
    this.docIds = new Map();
    this.docKeys = [];
    this.docEntries = [];
    this.freeDocIds = [];
    this.postingCount = 0;
    this.seen = new Uint32Array(0);
    this.excluded = new Uint32Array(0);
    this.acc = new Float64Array(0);
    this.gen = 0;
  }

  /**
   * Matching doc keys with their scores. `getDoc` returns the stored document; it is called
   * only when the search has phrases or negated phrases, and only for candidates.
   * Throws 2 BadValue for malformed queries, unsupported $language, and
   * $caseSensitive / $diacriticSensitive set to true (not supported: refused, never ignored).
   */
  search(query: TextQuery, getDoc: (docKey: string) => Record<string, unknown> | undefined): Map<string, number> {
    const parsed = this.analyzer.parseQuery(query);
    const result = new Map<string, number>();
    if (parsed.terms.length === 0) return result;

    this.prepareScratch();
    const gen = this.gen;
    const { seen, excluded, acc } = this;
    const touched: number[] = [];
    for (const term of parsed.terms) {
      const tid = this.tokenIds.get(term);
      if (tid === undefined) continue;
      const { docs, scores } = this.postings[tid]!;
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i];
        if (seen[d] !== gen) {
          seen[d] = gen;
          acc[d] = scores[i];
          touched.push(d);
        } else {
          acc[d] += scores[i];
        }
      }
    }
    if (touched.length === 0) return result;
    for (const term of parsed.negatedTerms) {
      const tid = this.tokenIds.get(term);
      if (tid === undefined) continue;
      for (const d of this.postings[tid]!.docs) excluded[d] = gen;
    }
    const checkText = parsed.phrases.length > 0 || parsed.negatedPhrases.length > 0;
    for (const d of touched) {
      if (excluded[d] === gen) continue;
      const key = this.docKeys[d]!;
      if (checkText) {
        const doc = getDoc(key);
        if (doc === undefined || !this.analyzer.phrasesMatch(doc, parsed)) continue;
      }
      result.set(key, acc[d]);
    }
    return result;
  }

  // --- internals ---

  private intern(token: string): number {
    let tid = this.tokenIds.get(token);
    if (tid === undefined) {
      tid = this.freeTokenIds.pop() ?? this.postings.length;
      this.tokenIds.set(token, tid);
      this.tokenNames[tid] = token;
      this.postings[tid] = { docs: [], scores: [] };
    }
    return tid;
  }

  private dropToken(tid: number): void {
    this.tokenIds.delete(this.tokenNames[tid]!);
    this.tokenNames[tid] = undefined;
    this.postings[tid] = undefined;
    this.freeTokenIds.push(tid);
  }

  private prepareScratch(): void {
    const need = this.docKeys.length;
    if (this.seen.length < need || this.gen >= 0xfffffffe) {
      const cap = Math.max(need, this.seen.length * 2, 64);
      this.seen = new Uint32Array(cap);
      this.excluded = new Uint32Array(cap);
      this.acc = new Float64Array(cap);
      this.gen = 0;
    }
    this.gen++;
  }
}
