/**
 * The candidates of a bounded top-k text search (text-read.ts `boundedTop`; STORAGE.md, "Text
 * index"): documents met in the score levels read so far, each with bounds of its score
 * from the levels alone, no per-document read. A document met at level L of term t scores
 * between L's floor and bound for t; for a term whose level it was not met in yet, between 0
 * and that term's next unread level's bound.
 */

/** Which candidates need their exact score, and whether the bounds prove the top k. */
export interface Shortlist {
  /** record ids, best first by their bounds */
  rids: number[];
  /** the k best exact scores among `rids` are the k best of the whole index */
  proven: boolean;
}

export class Candidates {
  private readonly slot = new Map<number, number>();
  private readonly rid: number[] = [];
  private readonly lo: number[] = [];
  private readonly hi: number[] = [];
  private readonly mask: number[] = [];

  /** `terms` query terms (at most 31: one bit each). */
  constructor(private readonly terms: number) {}

  get size(): number {
    return this.rid.length;
  }

  /** Documents met at one level of term `term`, whose scores for it are in [floor, bound]. */
  add(rids: readonly number[], term: number, floor: number, bound: number): void {
    const bit = 1 << term;
    for (const r of rids) {
      let i = this.slot.get(r);
      if (i === undefined) {
        i = this.rid.length;
        this.slot.set(r, i);
        this.rid.push(r);
        this.lo.push(0);
        this.hi.push(0);
        this.mask.push(0);
      }
      if (this.mask[i] & bit) continue;
      this.mask[i] |= bit;
      this.lo[i] += floor;
      this.hi[i] += bound;
    }
  }

  /**
   * The candidates to score exactly, given each term's next unread level bound (`next[t]`,
   * 0 once the term is read to its end). With `need` candidates met, let kth be the need-th
   * best lower bound: no document unmet scores above sum(next), and a met one scores at
   * most its `hi` plus `next` of the terms it was not met in (its potential). If kth is at
   * least sum(next) and at most `max` met documents have a potential above kth, those
   * (best first) hold the top k: `proven`. Otherwise the `max` best by potential, and the
   * need best by lower bound, are returned unproven (the caller reads on or, past its
   * budget, takes them as an approximation).
   */
  shortlist(need: number, next: readonly number[], max: number): Shortlist {
    const n = this.rid.length;
    const pot = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let p = this.hi[i];
      for (let t = 0; t < this.terms; t++) if (!(this.mask[i] & (1 << t))) p += next[t];
      pot[i] = p;
    }
    const rest = next.reduce((a, b) => a + b, 0);
    if (n < need) return { rids: [...this.rid], proven: rest === 0 };
    const byLo = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.lo[b] - this.lo[a]);
    const kth = this.lo[byLo[need - 1]];
    const byPot = Array.from({ length: n }, (_, i) => i).sort((a, b) => pot[b] - pot[a] || this.lo[b] - this.lo[a]);
    const above = byPot.findIndex((i) => pot[i] <= kth);
    const contenders = above < 0 ? n : above;
    const proven = kth >= rest && contenders <= max;
    const picked = new Set<number>(byLo.slice(0, need));
    for (const i of byPot.slice(0, proven ? contenders : max)) picked.add(i);
    return { rids: [...picked].map((i) => this.rid[i]), proven };
  }
}
