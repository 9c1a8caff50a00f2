/**
 * Reading through a text index (text-store.ts): the documents matching a `$text` clause, the
 * rest of the filter, and their scores.
 *
 * A document matches when it holds at least one positive term and no negated term (both
 * from its stored term scores), every positive phrase and no negated phrase (its text), and
 * the rest of the filter (mingo). Its score is the sum of its scores for the positive terms.
 *
 * - topByScore: `sort: {score: {$meta: 'textScore'}}` with a limit. Each term's score
 *   levels are read best first (the term whose next level could add the most goes next).
 *   Without phrases, negations or other filter fields (`boundedTop`): documents are met in
 *   the levels only, their scores bounded by the levels' bounds (text-topk.ts), until the
 *   bounds prove which documents can be in the k best; only those get their exact scores
 *   (one stored row each). Past a budget of postings (POSTINGS_PER_RESULT per result) the
 *   best candidates by their bounds are taken instead: an approximation, see STORAGE.md.
 *   Otherwise (`exactTop`) every new document gets its exact score and is tested, and the
 *   search stops once the k-th best exact score reaches the sum of the terms' next level
 *   bounds.
 * - matches: every match, streamed (terms' levels best first, each document once), for
 *   counts (which stop at a cap), other sorts and pipelines.
 *
 * The long ones are `Steps` (steps.ts): one chunk of postings or one batch of scores per
 * step, so the wire server can run them in slices between other connections' commands.
 */
import type { Collection, Rec } from './collection';
import type { Deadline } from './errors';
import type { Matcher } from './mingo-context';
import type { ParsedSearch } from '../text';
import { alive } from './planner';
import { runSteps, type Steps } from './steps';
import { indexTerm, termHash, type Level, type SqlTextIndex } from './text-store';
import { Candidates } from './text-topk';

const FIRST_RIDS = 64;
const MAX_RIDS = 1024;
/** Exact scores are read this many documents per step. */
const SCORE_BATCH = 256;
/**
 * boundedTop reads at most this many postings per result asked (and at least MIN_POSTINGS)
 * before it settles for the best candidates by their bounds.
 */
const POSTINGS_PER_RESULT = 40;
const MIN_POSTINGS = 4000;
/** boundedTop scores exactly at most this many candidates per result asked (plus the k best). */
const RESCORE_PER_RESULT = 3;
/** The candidates are checked for a proof once postings read since the last check reach this share of their number (amortised). */
const CHECK_GROWTH = 0.25;

export interface TextHit extends Rec {
  score: number;
}

/** A parsed `$text` clause against one collection's text index. */
export class TextQueryRun {
  readonly parsed: ParsedSearch;
  private readonly terms: string[];
  private readonly hashes: number[];
  private readonly all: number[];
  private readonly negated: boolean;
  private readonly testRest: boolean;
  /** documents must be read to decide a match (phrases, the rest of the filter) */
  private readonly needDocs: boolean;
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
    const neg = [...new Set(this.parsed.negatedTerms.map(indexTerm))].map(termHash);
    this.all = [...this.hashes, ...neg];
    this.negated = neg.length > 0;
    this.testRest = Object.keys(q.filter).length > 0;
    if (this.testRest) q.compile();
    this.needDocs = this.testRest || this.parsed.phrases.length > 0 || this.parsed.negatedPhrases.length > 0;
  }

  /**
   * Exact scores of records for the query, read together (one query per batch): null for a
   * record holding a negated term (or gone from the index).
   */
  private scoresOf(rids: number[]): Map<number, number | null> {
    const stored = this.index.scoresOfMany(rids, this.all);
    const out = new Map<number, number | null>();
    for (const rid of rids) {
      const s = stored.get(rid);
      let score: number | null = null;
      if (s) {
        score = 0;
        for (let i = 0; i < this.hashes.length; i++) score += s[i];
        for (let i = this.hashes.length; i < s.length; i++) if (s[i] > 0) score = null;
        if (score === 0) score = null;
      }
      out.set(rid, score);
    }
    return out;
  }

  /** The record when its document passes phrases and the rest of the filter. */
  private accept(rid: number): Rec | null {
    const rec = this.coll.getRec(rid);
    if (!rec) return null;
    if (!this.index.analyzer.phrasesMatch(rec.doc, this.parsed)) return null;
    if (this.testRest && !this.q.test(rec.doc)) return null;
    return rec;
  }

  /** A term's score levels, best first. */
  private *levels(term: string): Generator<Level> {
    alive(this.coll, this.index);
    for (const l of this.index.levels(term)) {
      alive(this.coll, this.index);
      yield l;
    }
  }

  /** Record ids holding `token`, ascending, in growing chunks. */
  private *postings(token: string): Generator<number[]> {
    let after = 0;
    let size = FIRST_RIDS;
    for (;;) {
      alive(this.coll, this.index);
      const rids = this.index.ridsOf(token, after, size);
      this.keys += rids.length;
      if (rids.length) yield rids;
      if (rids.length < size) return;
      after = rids[rids.length - 1];
      size = Math.min(size * 4, MAX_RIDS);
    }
  }

  /** Record ids holding `token` that were not seen before, in growing chunks. */
  private *fresh(token: string, seen: Set<number>): Generator<number[]> {
    for (const rids of this.postings(token)) {
      const out: number[] = [];
      for (const r of rids) {
        if (seen.has(r)) continue;
        seen.add(r);
        out.push(r);
      }
      if (out.length) yield out;
    }
  }

  /** Every match, each once, with its score (0 unless `needScores` or a term is negated). */
  *matches(needScores: boolean): Generator<TextHit> {
    const seen = new Set<number>();
    for (const term of this.terms) {
      for (const level of this.levels(term)) {
        for (const rids of this.fresh(level.token, seen)) {
          const scores = needScores || this.negated ? this.scoresOf(rids) : null;
          for (const rid of rids) {
            this.deadline.tick();
            this.examined++;
            const s = scores ? scores.get(rid) : 0;
            if (s === null || s === undefined) continue;
            const rec = this.accept(rid);
            if (rec) yield { ...rec, score: s };
          }
        }
      }
    }
  }

  /** Every match with its score, in steps (for a sort on other fields). */
  *allSteps(): Steps<TextHit[]> {
    const out: TextHit[] = [];
    const from = this.examined;
    for (const h of this.matches(true)) {
      out.push(h);
      if (((this.examined - from) & 63) === 0) yield;
    }
    return out;
  }

  /** How many documents match (at most `cap` when cap > 0); reads documents only for phrases or the rest of the filter. */
  count(cap: number): number {
    return runSteps(this.countSteps(cap));
  }

  /** count() in steps: one chunk of postings per step. */
  *countSteps(cap: number): Steps<number> {
    const seen = new Set<number>();
    let n = 0;
    for (const term of this.terms) {
      for (const level of this.levels(term)) {
        for (const rids of this.fresh(level.token, seen)) {
          const scores = this.negated ? this.scoresOf(rids) : null;
          for (const rid of rids) {
            this.deadline.tick();
            if (scores && scores.get(rid) == null) continue;
            if (this.needDocs) {
              this.examined++;
              if (!this.accept(rid)) continue;
            }
            if (++n === cap) return n;
          }
          yield;
        }
      }
    }
    return n;
  }

  /** The `need` best matches by score, best first. */
  topByScore(need: number): TextHit[] {
    return runSteps(this.topSteps(need));
  }

  /** topByScore() in steps. */
  *topSteps(need: number): Steps<TextHit[]> {
    if (!this.terms.length || need <= 0) return [];
    if (this.needDocs || this.negated || this.terms.length > 31) return yield* this.exactTop(need);
    return yield* this.boundedTop(need);
  }

  /** Term cursors over score levels, best first. */
  private cursors() {
    const cursors = this.terms.map((t, term) => ({ term, it: this.levels(t), next: null as Level | null }));
    for (const c of cursors) this.advance(c);
    return cursors;
  }

  private advance(c: { it: Generator<Level>; next: Level | null }): void {
    const r = c.it.next();
    c.next = r.done ? null : r.value;
  }

  /**
   * Top k from the score levels alone (text-topk.ts), then exact scores for the shortlist
   * only. Exact while the bounds prove the shortlist; past the postings budget, the best
   * candidates by their bounds (STORAGE.md).
   */
  private *boundedTop(need: number): Steps<TextHit[]> {
    const cursors = this.cursors();
    const cands = new Candidates(this.terms.length);
    const budget = Math.max(MIN_POSTINGS, POSTINGS_PER_RESULT * need);
    const max = RESCORE_PER_RESULT * need;
    let read = 0;
    let checked = 0;
    let picked: number[] | null = null;
    for (;;) {
      let pick: (typeof cursors)[number] | null = null;
      for (const c of cursors) if (c.next && (!pick || c.next.bound > pick.next!.bound)) pick = c;
      if (!pick) break;
      const level = pick.next!;
      for (const rids of this.postings(level.token)) {
        this.deadline.check();
        cands.add(rids, pick.term, level.floor, level.bound);
        read += rids.length;
        yield;
      }
      this.advance(pick);
      const over = read >= budget;
      if (cands.size >= need && (over || read - checked >= CHECK_GROWTH * cands.size)) {
        checked = read;
        const next = cursors.map((c) => c.next?.bound ?? 0);
        const s = cands.shortlist(need, next, max);
        yield;
        if (s.proven || over) {
          picked = s.rids;
          break;
        }
      }
    }
    picked ??= cands.shortlist(need, new Array<number>(this.terms.length).fill(0), max).rids;
    const best: { rid: number; score: number }[] = [];
    for (let i = 0; i < picked.length; i += SCORE_BATCH) {
      const rids = picked.slice(i, i + SCORE_BATCH);
      const scores = this.scoresOf(rids);
      this.examined += rids.length;
      for (const rid of rids) {
        const score = scores.get(rid);
        if (score != null) best.push({ rid, score });
      }
      yield;
    }
    best.sort((a, b) => b.score - a.score || a.rid - b.rid);
    const out: TextHit[] = [];
    for (const b of best) {
      if (out.length === need) break;
      const rec = this.coll.getRec(b.rid);
      if (rec) out.push({ ...rec, score: b.score });
      if ((out.length & 63) === 0) yield;
    }
    this.deadline.check();
    return out;
  }

  /**
   * The threshold algorithm with exact scores: per level read, the documents that could
   * still enter the k best get their exact scores in one batch and are tested (phrases,
   * negations, the rest of the filter); without phrases or a rest of the filter, documents
   * are read only for the final k.
   */
  private *exactTop(need: number): Steps<TextHit[]> {
    const cursors = this.cursors();
    // ascending by score: best[0] is the weakest kept
    const best: { rid: number; score: number; rec: Rec | null }[] = [];
    const seen = new Set<number>();
    const full = () => best.length >= need;
    for (;;) {
      let threshold = 0;
      let pick: (typeof cursors)[number] | null = null;
      for (const c of cursors) {
        if (!c.next) continue;
        threshold += c.next.bound;
        if (!pick || c.next.bound > pick.next!.bound) pick = c;
      }
      // no unread document can score above `threshold`
      if (!pick || (full() && best[0].score >= threshold)) break;
      for (const rids of this.fresh(pick.next!.token, seen)) {
        if (full() && best[0].score >= threshold) break;
        const scores = this.scoresOf(rids);
        for (const rid of rids) {
          this.deadline.tick();
          this.examined++;
          const score = scores.get(rid);
          if (score == null || (full() && score <= best[0].score)) continue;
          let rec: Rec | null = null;
          if (this.needDocs) {
            rec = this.accept(rid);
            if (!rec) continue;
          }
          let i = 0;
          while (i < best.length && best[i].score < score) i++;
          best.splice(i, 0, { rid, score, rec });
          if (best.length > need) best.shift();
        }
        yield;
      }
      this.advance(pick);
    }
    this.deadline.check();
    const out: TextHit[] = [];
    for (let i = best.length - 1; i >= 0; i--) {
      const rec = best[i].rec ?? this.coll.getRec(best[i].rid);
      if (rec) out.push({ ...rec, score: best[i].score });
    }
    return out;
  }
}
