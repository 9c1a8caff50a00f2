/**
 * Reading through a text index (text-store.ts): the documents matching a `$text` clause, the
 * rest of the filter, and their scores.
 *
 * A document matches when it holds at least one positive term and no negated term (both
 * from its stored term scores), every positive phrase and no negated phrase (its text), and
 * the rest of the filter (mingo). Its score is the sum of its scores for the positive terms.
 *
 * - topByScore: `sort: {score: {$meta: 'textScore'}}` with a limit. A threshold algorithm
 *   over score levels: each term's levels are read best first (the term whose next level
 *   could add the most goes next); every new document gets its exact score; the search stops
 *   once the k-th best exact score reaches the sum of the terms' next level bounds, which no
 *   unread document can beat. A broad term costs about the documents of its best levels, not
 *   its whole posting list.
 * - matches: every match, streamed (terms' levels best first, each document once), for
 *   counts (which stop at a cap), other sorts and pipelines.
 */
import type { Collection, Rec } from './collection';
import type { Deadline } from './errors';
import type { Matcher } from './mingo-context';
import type { ParsedSearch } from '../text';
import { indexTerm, termHash, type Level, type SqlTextIndex } from './text-store';

const LEVEL_CHUNK = 64;
const RID_CHUNK = 2048;

export interface TextHit extends Rec {
  score: number;
}

/** A parsed `$text` clause against one collection's text index. */
export class TextQueryRun {
  readonly parsed: ParsedSearch;
  private readonly terms: string[];
  private readonly hashes: number[];
  private readonly negHashes: number[];
  private readonly testRest: boolean;
  /** documents looked at (explain: docsExamined) and index entries read (keysExamined) */
  examined = 0;
  keys = 0;

  constructor(
    private readonly coll: Collection,
    private readonly index: SqlTextIndex,
    private readonly q: Matcher,
    private readonly deadline: Deadline,
  ) {
    this.parsed = index.parse(q.text!);
    this.terms = [...new Set(this.parsed.terms.map(indexTerm))];
    this.hashes = this.terms.map(termHash);
    this.negHashes = [...new Set(this.parsed.negatedTerms.map(indexTerm))].map(termHash);
    this.testRest = Object.keys(q.filter).length > 0;
    if (this.testRest) q.compile();
  }

  /** The exact score of a record for the query (null: no positive term, or a negated one). */
  private scoreOf(rid: number): number | null {
    const s = this.index.scoresOf(rid, [...this.hashes, ...this.negHashes]);
    if (!s) return null;
    let score = 0;
    for (let i = 0; i < this.hashes.length; i++) score += s[i];
    for (let i = this.hashes.length; i < s.length; i++) if (s[i] > 0) return null;
    return score > 0 ? score : null;
  }

  /** The record when its document passes phrases and the rest of the filter. */
  private accept(rid: number): Rec | null {
    const rec = this.coll.getRec(rid);
    if (!rec) return null;
    if (!this.index.analyzer.phrasesMatch(rec.doc, this.parsed)) return null;
    if (this.testRest && !this.q.test(rec.doc)) return null;
    return rec;
  }

  /** A term's score levels, best first, read in chunks. */
  private *levels(term: string): Generator<Level> {
    let after: string | null = null;
    for (;;) {
      const chunk = this.index.levels(term, after, LEVEL_CHUNK);
      for (const l of chunk) yield l;
      if (chunk.length < LEVEL_CHUNK) return;
      after = chunk[chunk.length - 1].token;
    }
  }

  private *ridsOf(token: string): Generator<number> {
    let after = 0;
    for (;;) {
      const rids = this.index.ridsOf(token, after, RID_CHUNK);
      for (const r of rids) yield r;
      if (rids.length < RID_CHUNK) return;
      after = rids[rids.length - 1];
    }
  }

  /** Every match, each once, with its score (null scores: `needScores` false and no negation). */
  *matches(needScores: boolean): Generator<TextHit> {
    if (!this.terms.length) return;
    const seen = new Set<number>();
    const score = needScores || this.negHashes.length > 0;
    for (const term of this.terms) {
      for (const level of this.levels(term)) {
        for (const rid of this.ridsOf(level.token)) {
          this.keys++;
          this.deadline.tick();
          if (seen.has(rid)) continue;
          seen.add(rid);
          this.examined++;
          const s = score ? this.scoreOf(rid) : 0;
          if (s === null) continue;
          const rec = this.accept(rid);
          if (rec) yield { ...rec, score: s };
        }
      }
    }
  }

  /** How many documents match (at most `cap` when cap > 0); reads documents only for phrases or the rest of the filter. */
  count(cap: number): number {
    if (!this.terms.length) return 0;
    const docs = this.testRest || this.parsed.phrases.length > 0 || this.parsed.negatedPhrases.length > 0;
    const seen = new Set<number>();
    let n = 0;
    for (const term of this.terms) {
      for (const level of this.levels(term)) {
        for (const rid of this.ridsOf(level.token)) {
          this.keys++;
          this.deadline.tick();
          if (seen.has(rid)) continue;
          seen.add(rid);
          if (this.negHashes.length && this.scoreOf(rid) === null) continue;
          if (docs) {
            this.examined++;
            if (!this.accept(rid)) continue;
          }
          if (++n === cap) return n;
        }
      }
    }
    return n;
  }

  /** The `need` best matches by score, best first (ties: lower record id first). */
  topByScore(need: number): TextHit[] {
    if (!this.terms.length || need <= 0) return [];
    const cursors = this.terms.map((t) => ({ it: this.levels(t), next: null as Level | null, done: false }));
    const advance = (c: (typeof cursors)[number]) => {
      const r = c.it.next();
      c.next = r.done ? null : r.value;
      c.done = !!r.done;
    };
    cursors.forEach(advance);
    const best: TextHit[] = []; // ascending by score: best[0] is the weakest kept
    const seen = new Set<number>();
    const worse = (a: TextHit, b: TextHit) => a.score < b.score || (a.score === b.score && a.rid > b.rid);
    for (;;) {
      let threshold = 0;
      let pick: (typeof cursors)[number] | null = null;
      for (const c of cursors) {
        if (!c.next) continue;
        threshold += c.next.bound;
        if (!pick || c.next.bound > pick.next!.bound) pick = c;
      }
      if (!pick || (best.length >= need && best[0].score >= threshold)) break;
      for (const rid of this.ridsOf(pick.next!.token)) {
        this.keys++;
        this.deadline.tick();
        if (seen.has(rid)) continue;
        seen.add(rid);
        this.examined++;
        const score = this.scoreOf(rid);
        if (score === null) continue;
        if (best.length >= need && score <= best[0].score) continue;
        const rec = this.accept(rid);
        if (!rec) continue;
        const hit = { ...rec, score };
        let i = 0;
        while (i < best.length && worse(best[i], hit)) i++;
        best.splice(i, 0, hit);
        if (best.length > need) best.shift();
      }
      advance(pick);
    }
    this.deadline.check();
    return best.reverse();
  }
}
