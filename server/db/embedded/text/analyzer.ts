/**
 * What a text index makes of documents and queries, independent of where postings are kept:
 * the scored tokens of a document, the parsed `$text` query, and the phrase check. Both the
 * engine's SQLite index (engine/text-store.ts) and the in-memory reference index
 * (text-index.ts) use it, so they cannot disagree on tokens or scores.
 *
 * Score of a term in one indexed string holding N tokens (stop words excluded), c of them
 * this term, field weight w:
 *     w * (1 + 1/2 + 1/4 + ... c terms) * (0.5 + 0.5 * c / N)
 * i.e. every further occurrence adds half as much as the previous one (diminishing, bounded
 * by 2w), and the same count in a shorter string scores higher. A document's score for a
 * term is the sum over its indexed strings; its score for a query is the sum over the
 * distinct positive query terms it contains.
 */
import { MongoCommandError } from '../engine-api';
import { forEachToken, normalizeText, parseSearchWith, type ParsedSearch } from '../../../text-analysis';
import { compileFieldVisitor, type TextVisitor } from './fields';
import { documentLanguage, queryLanguage, type TextLanguage } from './language';
import { validateTextIndexOptions, type TextIndexOptions } from './options';

export interface TextQuery {
  $search: string;
  $language?: string;
  $caseSensitive?: boolean;
  $diacriticSensitive?: boolean;
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

export class TextAnalyzer {
  private readonly defaultLanguage: TextLanguage;
  private readonly languageOverride: string;
  private readonly visitFields: (doc: Record<string, unknown>, visit: TextVisitor) => void;

  /** Throws 67 CannotCreateIndex for invalid options. */
  constructor(options: TextIndexOptions) {
    const opts = validateTextIndexOptions(options);
    this.defaultLanguage = queryLanguage(opts.defaultLanguage, 'english');
    this.languageOverride = opts.languageOverride;
    this.visitFields = compileFieldVisitor(opts.fields, opts.languageOverride);
  }

  /** The language a document is indexed in; 17261 / 17262 for a bad override field. */
  languageOf(doc: Record<string, unknown>): TextLanguage {
    const field = this.languageOverride;
    const value = Object.hasOwn(doc, field) ? doc[field] : undefined;
    return documentLanguage(value, field, this.defaultLanguage);
  }

  /** Distinct tokens of `doc` with the document's score for each (see the file comment). */
  termScores(doc: Record<string, unknown>): Map<string, number> {
    const language = this.languageOf(doc);
    const scores = new Map<string, number>();
    const counts = new Map<string, number>();
    this.visitFields(doc, (text, weight) => {
      counts.clear();
      let total = 0;
      forEachToken(text, language, (t) => {
        counts.set(t, (counts.get(t) ?? 0) + 1);
        total++;
      });
      for (const [t, c] of counts) scores.set(t, (scores.get(t) ?? 0) + termScore(weight, c, total));
    });
    return scores;
  }

  /**
   * True when `a` and `b` give the index the same input: the same indexed strings with the
   * same weights, and the same language. Unchanged strings are usually the same string
   * objects (an update copies the untouched fields by reference), which compare at once.
   */
  sameIndexedText(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
    const field = this.languageOverride;
    if (a[field] !== b[field]) return false;
    const left: (string | number)[] = [];
    this.visitFields(a, (text, weight) => left.push(text, weight));
    let i = 0;
    let same = true;
    this.visitFields(b, (text, weight) => {
      if (!same) return;
      if (left[i] !== text || left[i + 1] !== weight) same = false;
      i += 2;
    });
    return same && i === left.length;
  }

  /** Parses a `$text` clause: 2 BadValue for malformed queries and unsupported options. */
  parseQuery(query: TextQuery): ParsedSearch {
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

  /** Every positive phrase in one indexed string, no negated phrase in any. */
  phrasesMatch(doc: Record<string, unknown>, parsed: ParsedSearch): boolean {
    if (parsed.phrases.length === 0 && parsed.negatedPhrases.length === 0) return true;
    const texts: string[] = [];
    this.visitFields(doc, (text) => texts.push(normalizeText(text)));
    for (const phrase of parsed.negatedPhrases) if (texts.some((t) => t.includes(phrase))) return false;
    for (const phrase of parsed.phrases) if (!texts.some((t) => t.includes(phrase))) return false;
    return true;
  }
}
