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
 *
 * Score of a term in one indexed string holding N tokens (stop words excluded), c of them
 * this term, field weight w:
 *     w * (1 + 1/2 + 1/4 + ... c terms) * (0.5 + 0.5 * c / N)
 * i.e. every further occurrence adds half as much as the previous one (diminishing, bounded
 * by 2w), and the same count in a shorter string scores higher. A document's score for a query
 * is the sum over the distinct positive query terms it contains of its scores for them.
 */
import { MongoCommandError } from '../engine-api';
import { compileFieldVisitor, type TextVisitor } from './fields';
import { documentLanguage, queryLanguage, type TextLanguage } from './language';
import { validateTextIndexOptions, type TextIndexOptions } from './options';
import { forEachToken, normalizeText, parseSearchWith, type ParsedSearch } from '../../../text-analysis';

export interface TextQuery {
  $search: string;
  $language?: string;
  $caseSensitive?: boolean;
  $diacriticSensitive?: boolean;
}

interface Posting {
  docs: number[];
  scores: number[];
}

export interface TextIndexStats {
  documents: number;
  tokens: number;
  postings: number;
}

/** Score of one term occurring `count` times in a string of `total` tokens, field weight `weight`. */
export function termScore(weight: number, count: number, total: number): number {
  return weight * (2 - 2 ** (1 - count)) * (0.5 + (0.5 * count) / total);
}

const QUERY_KEYS = new Set(['$search', '$language', '$caseSensitive', '$diacriticSensitive']);

function badValue(message: string): MongoCommandError {
  return new MongoCommandError(2, 'BadValue', message);
}

function checkFlag(query: Record<string, unknown>, name: string): void {
  const v = query[name];
  if (v === undefined || v === false) return;
  if (typeof v !== 'boolean') throw badValue(`${name} needs a boolean value`);
  throw badValue(`$text option ${name}: true is not supported by this server`);
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
  private readonly defaultLanguage: TextLanguage;
  private readonly languageOverride: string;
  private readonly visitFields: (doc: Record<string, unknown>, visit: TextVisitor) => void;

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

  // indexing scratch space, indexed by token id
  private strStamp = new Uint32Array(0);
  private strCount = new Uint32Array(0);
  private docStamp = new Uint32Array(0);
  private docScore = new Float64Array(0);
  private strGen = 0;
  private docGen = 0;

  constructor(options: TextIndexOptions) {
    const opts = validateTextIndexOptions(options);
    this.defaultLanguage = queryLanguage(opts.defaultLanguage, 'english');
    this.languageOverride = opts.languageOverride;
    this.visitFields = compileFieldVisitor(opts.fields, opts.languageOverride);
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
    this.languageOf(doc);
  }

  /** Index (or re-index) a document. On error the previous entry for docKey is untouched. */
  add(docKey: string, doc: Record<string, unknown>): void {
    const language = this.languageOf(doc); // the only thing that can refuse a document
    this.remove(docKey);
    const docTids = this.scoreDocument(doc, language);
    const n = docTids.length;
    if (n === 0) return;
    const entry = new Uint32Array(2 * n);
    entry.set(docTids);
    entry.subarray(0, n).sort();
    const id = this.freeDocIds.pop() ?? this.docKeys.length;
    const docScore = this.docScore;
    for (let j = 0; j < n; j++) {
      const p = this.postings[entry[j]]!;
      entry[n + j] = p.docs.length;
      p.docs.push(id);
      p.scores.push(docScore[entry[j]]);
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
    this.strStamp = new Uint32Array(0);
    this.strCount = new Uint32Array(0);
    this.docStamp = new Uint32Array(0);
    this.docScore = new Float64Array(0);
    this.strGen = 0;
    this.docGen = 0;
  }

  /**
   * Matching doc keys with their scores. `getDoc` returns the stored document; it is called
   * only when the search has phrases or negated phrases, and only for candidates.
   * Throws 2 BadValue for malformed queries, unsupported $language, and
   * $caseSensitive / $diacriticSensitive set to true (not supported: refused, never ignored).
   */
  search(query: TextQuery, getDoc: (docKey: string) => Record<string, unknown> | undefined): Map<string, number> {
    const parsed = this.parseQuery(query);
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
        if (doc === undefined || !this.phrasesMatch(doc, parsed)) continue;
      }
      result.set(key, acc[d]);
    }
    return result;
  }

  // --- internals ---

  private parseQuery(query: TextQuery): ParsedSearch {
    if (query === null || typeof query !== 'object') throw badValue('$text needs an object');
    const q = query as unknown as Record<string, unknown>;
    for (const key of Object.keys(q)) {
      if (!QUERY_KEYS.has(key)) throw badValue(`$text: unknown option ${key}`);
    }
    if (typeof q.$search !== 'string') throw badValue('$text.$search needs a string value');
    checkFlag(q, '$caseSensitive');
    checkFlag(q, '$diacriticSensitive');
    const language = queryLanguage(q.$language, this.defaultLanguage);
    return parseSearchWith(q.$search, language);
  }

  private languageOf(doc: Record<string, unknown>): TextLanguage {
    const field = this.languageOverride;
    const value = Object.hasOwn(doc, field) ? doc[field] : undefined;
    return documentLanguage(value, field, this.defaultLanguage);
  }

  /**
   * Tokenise the document, interning its tokens. Returns the ids of its distinct tokens;
   * `docScore[tid]` then holds its score for each (summed over fields and array elements).
   * Scratch arrays indexed by token id and generation stamps avoid per-call Maps.
   */
  private scoreDocument(doc: Record<string, unknown>, language: TextLanguage): number[] {
    const docTids: number[] = [];
    const strTids: number[] = [];
    let total = 0;
    if (this.docGen >= 0xfffffffe) {
      this.docStamp.fill(0);
      this.docGen = 0;
    }
    const docGen = ++this.docGen;
    let strGen = 0;
    const count = (token: string) => {
      const tid = this.intern(token);
      if (this.strStamp[tid] !== strGen) {
        this.strStamp[tid] = strGen;
        this.strCount[tid] = 1;
        strTids.push(tid);
      } else {
        this.strCount[tid]++;
      }
      total++;
    };
    this.visitFields(doc, (text, weight) => {
      if (this.strGen >= 0xfffffffe) {
        this.strStamp.fill(0);
        this.strGen = 0;
      }
      strGen = ++this.strGen;
      strTids.length = 0;
      total = 0;
      forEachToken(text, language, count);
      const { strCount, docStamp, docScore } = this;
      for (const tid of strTids) {
        const s = termScore(weight, strCount[tid], total);
        if (docStamp[tid] !== docGen) {
          docStamp[tid] = docGen;
          docScore[tid] = s;
          docTids.push(tid);
        } else {
          docScore[tid] += s;
        }
      }
    });
    return docTids;
  }

  private phrasesMatch(doc: Record<string, unknown>, parsed: ParsedSearch): boolean {
    const texts: string[] = [];
    this.visitFields(doc, (text) => texts.push(normalizeText(text)));
    for (const phrase of parsed.negatedPhrases) if (texts.some((t) => t.includes(phrase))) return false;
    for (const phrase of parsed.phrases) if (!texts.some((t) => t.includes(phrase))) return false;
    return true;
  }

  private intern(token: string): number {
    let tid = this.tokenIds.get(token);
    if (tid === undefined) {
      tid = this.freeTokenIds.pop() ?? this.postings.length;
      this.tokenIds.set(token, tid);
      this.tokenNames[tid] = token;
      this.postings[tid] = { docs: [], scores: [] };
      if (tid >= this.strStamp.length) this.growTokenScratch(tid + 1);
    }
    return tid;
  }

  private growTokenScratch(need: number): void {
    const cap = Math.max(need, this.strStamp.length * 2, 256);
    const grow = <T extends Uint32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const a = make(cap);
      a.set(old);
      return a;
    };
    this.strStamp = grow(this.strStamp, (n) => new Uint32Array(n));
    this.strCount = grow(this.strCount, (n) => new Uint32Array(n));
    this.docStamp = grow(this.docStamp, (n) => new Uint32Array(n));
    this.docScore = grow(this.docScore, (n) => new Float64Array(n));
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
