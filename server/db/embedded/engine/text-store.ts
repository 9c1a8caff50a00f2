/**
 * A collection's text index in SQLite (see STORAGE.md, "Text index").
 *
 * - `t<id>`: an FTS5 table (contentless, detail=none, ascii tokenizer) whose rows are record
 *   ids and whose tokens are `<term>·<level>`: the term as text/analyzer.ts makes it, and the
 *   document's score for it quantised on a log scale (LEVELS_PER_OCTAVE steps per doubling),
 *   written so that a term's tokens sort from the highest score down. FTS5 keeps postings in
 *   segments it merges incrementally, so a write appends a small segment instead of touching
 *   one B-tree page per term, and a score level is one doclist.
 * - `t<id>v`: the fts5vocab view of it: a term's levels, best first, with document counts.
 * - `t<id>d(rid, terms)`: per document the exact score of each of its terms (32-bit FNV-1a
 *   hash of the term, then the float64 score, sorted by hash), read for the candidates of a
 *   query: exact scores, negated terms.
 *
 * '·' (U+00B7) cannot occur in a term (terms are runs of letters and digits) and the ascii
 * tokenizer keeps every non-ASCII character inside a token.
 */
import type { Document } from 'bson';
import type { IndexSpec } from '../engine-api';
import { TextAnalyzer, textIndexOptionsFromSpec, type ParsedSearch, type TextQuery } from '../text';
import { LRUCache } from 'lru-cache';
import type { SqliteStore } from './sqlite-store';

const LEVELS_PER_OCTAVE = 32;
const LEVEL_ZERO = 2048;
const MAX_LEVEL = 4095;
const SEP = '\u00b7';
const SEP_END = '\u00b8';
/**
 * Terms are cut to this many characters in the index and in queries alike (FTS5 caps token
 * sizes): two giant "words" sharing their first 200 characters are one term here.
 */
const MAX_TERM_CHARS = 200;

/** The form of a term the index stores (see MAX_TERM_CHARS). */
export function indexTerm(term: string): string {
  return term.length > MAX_TERM_CHARS ? term.slice(0, MAX_TERM_CHARS) : term;
}

/** The score level of a (positive) score. */
export function levelOf(score: number): number {
  const l = Math.floor(Math.log2(score) * LEVELS_PER_OCTAVE) + LEVEL_ZERO;
  return l < 0 ? 0 : l > MAX_LEVEL ? MAX_LEVEL : l;
}

/** An upper bound of every score at `level` (a little above, against rounding in log2). */
export function levelBound(level: number): number {
  if (level >= MAX_LEVEL) return Infinity;
  return 2 ** ((level - LEVEL_ZERO + 1) / LEVELS_PER_OCTAVE) * (1 + 1e-9);
}

function tokenOf(term: string, level: number): string {
  return indexTerm(term) + SEP + (MAX_LEVEL - level).toString(16).padStart(3, '0');
}

function levelOfToken(token: string): number {
  return MAX_LEVEL - parseInt(token.slice(token.lastIndexOf(SEP) + 1), 16);
}

/** 32-bit FNV-1a of a term's UTF-16 code units. */
export function termHash(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    h ^= term.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function encodeTerms(scores: Map<string, number>): Buffer {
  const byHash = new Map<number, number>();
  for (const [t, s] of scores) {
    const h = termHash(indexTerm(t));
    byHash.set(h, (byHash.get(h) ?? 0) + s);
  }
  const entries = [...byHash].sort((a, b) => a[0] - b[0]);
  const buf = Buffer.allocUnsafe(entries.length * 12);
  entries.forEach(([h, s], i) => {
    buf.writeUInt32BE(h, i * 12);
    buf.writeDoubleBE(s, i * 12 + 4);
  });
  return buf;
}

/** The score stored for `hash` in a terms blob, or 0 when the document lacks the term. */
function scoreIn(blob: Buffer, hash: number): number {
  let lo = 0;
  let hi = blob.length / 12;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const h = blob.readUInt32BE(mid * 12);
    if (h === hash) return blob.readDoubleBE(mid * 12 + 4);
    if (h < hash) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

/** Terms whose score levels are kept (per text index; a term has about a hundred levels). */
const LEVELS_CACHE_TERMS = 512;

/** Memory for the term scores of recently scored documents (per text index). */
const TERMS_CACHE_BYTES = 8 * 1024 * 1024;

/** A lower bound of every score at `level` (a little below, against rounding in log2; 0 for the lowest). */
export function levelFloor(level: number): number {
  if (level <= 0) return 0;
  return 2 ** ((level - LEVEL_ZERO) / LEVELS_PER_OCTAVE) * (1 - 1e-9);
}

/** One score level of a term: its FTS5 token, how many documents it holds, bounds of their scores. */
export interface Level {
  token: string;
  docs: number;
  /** every document's score for the term at this level is in [floor, bound] */
  floor: number;
  bound: number;
}

export class SqlTextIndex {
  readonly kind = 'text' as const;
  readonly name: string;
  readonly analyzer: TextAnalyzer;
  /** set when the index is dropped: open reads of it stop (QueryPlanKilled) */
  dropped = false;
  private readonly fts: string;
  private readonly vocab: string;
  private readonly terms: string;
  /**
   * Term-score rows of recently scored documents: a repeated search reads no row again.
   * A row changes only through insert/remove here, which evict it (and a rolled-back write
   * evicts it again through `forget`).
   */
  private readonly termRows = new LRUCache<number, Buffer>({ maxSize: TERMS_CACHE_BYTES, sizeCalculation: (b) => b.length + 32 });
  /**
   * The score levels of recently searched terms (fts5vocab is slow to read: a scan of its
   * segments per query). Any change to the index (a write, or its rollback) clears it: a
   * new level must never be missed.
   */
  private readonly termLevels = new LRUCache<string, Level[]>({ max: LEVELS_CACHE_TERMS });

  constructor(
    private readonly store: SqliteStore,
    readonly id: number,
    readonly spec: IndexSpec,
  ) {
    this.name = spec.name;
    this.analyzer = new TextAnalyzer(textIndexOptionsFromSpec(spec));
    this.fts = `t${id}`;
    this.vocab = `t${id}v`;
    this.terms = `t${id}d`;
  }

  createTables(): void {
    this.store.db.exec(`
      CREATE VIRTUAL TABLE ${this.fts} USING fts5(tok, content='', contentless_delete=1, detail=none, tokenize='ascii');
      CREATE VIRTUAL TABLE ${this.vocab} USING fts5vocab(${this.fts}, 'row');
      CREATE TABLE ${this.terms} (rid INTEGER PRIMARY KEY, terms BLOB NOT NULL);
    `);
  }

  dropTables(): void {
    for (const t of [this.vocab, this.fts, this.terms]) this.store.forget(t);
    this.store.db.exec(`DROP TABLE IF EXISTS ${this.vocab}; DROP TABLE IF EXISTS ${this.fts}; DROP TABLE IF EXISTS ${this.terms};`);
  }

  private sql(table: string, purpose: string, sql: string, mode?: 'pluck' | 'raw') {
    return this.store.stmt(`${table}:${purpose}`, sql, mode);
  }

  /** Throws (17261 / 17262) for a document the index cannot hold; called before any change. */
  validate(doc: Document): void {
    this.analyzer.languageOf(doc);
  }

  /** True when the index would hold the same entries for both versions of a document. */
  sameText(a: Document, b: Document): boolean {
    return this.analyzer.sameIndexedText(a, b);
  }

  insert(rid: number, doc: Document): void {
    const scores = this.analyzer.termScores(doc);
    if (scores.size === 0) return;
    const byTerm = new Map<string, number>();
    for (const [term, score] of scores) byTerm.set(indexTerm(term), (byTerm.get(indexTerm(term)) ?? 0) + score);
    let tokens = '';
    for (const [term, score] of byTerm) tokens += (tokens ? ' ' : '') + tokenOf(term, levelOf(score));
    this.termRows.delete(rid);
    this.termLevels.clear();
    this.sql(this.fts, 'ins', `INSERT INTO ${this.fts} (rowid, tok) VALUES (?, ?)`).run(rid, tokens);
    this.sql(this.terms, 'ins', `INSERT INTO ${this.terms} (rid, terms) VALUES (?, ?)`).run(rid, encodeTerms(byTerm));
  }

  /** Drops what is cached about a document (its write was undone). */
  forget(rid: number): void {
    this.termRows.delete(rid);
    this.termLevels.clear();
  }

  remove(rid: number): void {
    this.termRows.delete(rid);
    this.termLevels.clear();
    const gone = this.sql(this.terms, 'del', `DELETE FROM ${this.terms} WHERE rid = ?`).run(rid);
    if (gone.changes) this.sql(this.fts, 'del', `DELETE FROM ${this.fts} WHERE rowid = ?`).run(rid);
  }

  parse(query: Document): ParsedSearch {
    return this.analyzer.parseQuery(query as unknown as TextQuery);
  }

  /**
   * Stored scores for the given term hashes of many documents at once (one SQLite query):
   * rid -> scores; a document not in the index is missing from the result.
   */
  scoresOfMany(rids: readonly number[], hashes: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    const missing: number[] = [];
    for (const rid of rids) {
      const blob = this.termRows.get(rid);
      if (blob)
        out.set(
          rid,
          hashes.map((h) => scoreIn(blob, h)),
        );
      else missing.push(rid);
    }
    if (!missing.length) return out;
    const rows = this.sql(
      this.terms,
      'getMany',
      `SELECT rid, terms FROM ${this.terms} WHERE rid IN (SELECT value FROM json_each(?))`,
      'raw',
    ).all(JSON.stringify(missing)) as [number, Buffer][];
    for (const [rid, blob] of rows) {
      this.termRows.set(rid, blob);
      out.set(
        rid,
        hashes.map((h) => scoreIn(blob, h)),
      );
    }
    return out;
  }

  /** Every score level of `term` (an indexTerm), best first (kept until the index changes). */
  levels(term: string): readonly Level[] {
    const cached = this.termLevels.get(term);
    if (cached) return cached;
    const rows = this.sql(this.vocab, 'lv', `SELECT term, doc FROM ${this.vocab} WHERE term >= ? AND term < ?`).all(
      term + SEP,
      term + SEP_END,
    ) as { term: string; doc: number }[];
    const levels = rows.map((r) => {
      const level = levelOfToken(r.term);
      return { token: r.term, docs: r.doc, floor: levelFloor(level), bound: levelBound(level) };
    });
    this.termLevels.set(term, levels);
    return levels;
  }

  /** Record ids holding `token`, ascending, after `after`, at most `limit`. */
  ridsOf(token: string, after: number, limit: number): number[] {
    return this.sql(
      this.fts,
      'match',
      `SELECT rowid FROM ${this.fts} WHERE ${this.fts} MATCH ? AND rowid > ? ORDER BY rowid LIMIT ?`,
      'pluck',
    ).all(`"${token}"`, after, limit) as number[];
  }

  /** Documents in the index. */
  size(): number {
    return this.sql(this.terms, 'n', `SELECT count(*) FROM ${this.terms}`, 'pluck').get() as number;
  }
}
