/**
 * Parsing of a `$text` `$search` string.
 *
 * Grammar (from the observable behaviour of MongoDB's $text):
 * - Whitespace separates chunks. A chunk's words (split like indexed text: "e-mail" gives
 *   "e" and "mail") are positive terms, OR-ed together.
 * - A `"` starts a phrase that runs to the next `"` (or to the end of the string when there is
 *   none). In JS/JSON source that quote is written `\"`. A backslash is just a delimiter.
 * - A chunk starting with `-` (at the start of the string or after whitespace) is negated:
 *   `-expired` excludes documents containing "expired"; `-"out of stock"` excludes documents
 *   containing that phrase. A hyphen anywhere else is an ordinary delimiter.
 *
 * The words of positive phrases are also positive terms (that is how candidate documents are
 * found); the phrase itself is then checked as a substring of the document text. Terms are
 * de-duplicated and keep first-seen order.
 */
import { normalizeText, tokensOfNormalized } from './tokenize';
import type { TextLanguage } from './tokenize';

export interface ParsedSearch {
  /** positive tokens (stemmed, stop words removed), phrase words included */
  terms: string[];
  negatedTerms: string[];
  /** positive phrases: lower-cased, diacritic-folded, trimmed */
  phrases: string[];
  negatedPhrases: string[];
}

const SPACE = /\s/;

export function parseSearchWith(search: string, language: TextLanguage): ParsedSearch {
  const terms = new Set<string>();
  const negatedTerms = new Set<string>();
  const phrases = new Set<string>();
  const negatedPhrases = new Set<string>();
  const n = search.length;
  let i = 0;
  while (i < n) {
    if (SPACE.test(search[i])) {
      i++;
      continue;
    }
    let negated = false;
    if (search[i] === '-') {
      negated = true;
      while (i < n && search[i] === '-') i++;
    }
    if (i < n && search[i] === '"') {
      let end = search.indexOf('"', i + 1);
      if (end < 0) end = n;
      const phrase = normalizeText(search.slice(i + 1, end)).trim();
      i = end + 1;
      if (phrase === '') continue;
      if (negated) {
        negatedPhrases.add(phrase);
      } else {
        phrases.add(phrase);
        for (const t of tokensOfNormalized(phrase, language)) terms.add(t);
      }
      continue;
    }
    let end = i;
    while (end < n && search[end] !== '"' && !SPACE.test(search[end])) end++;
    const into = negated ? negatedTerms : terms;
    for (const t of tokensOfNormalized(normalizeText(search.slice(i, end)), language)) into.add(t);
    i = end;
  }
  return {
    terms: [...terms],
    negatedTerms: [...negatedTerms],
    phrases: [...phrases],
    negatedPhrases: [...negatedPhrases],
  };
}

/** Parse a `$search` string with English rules (the forum's language). */
export function parseSearch(search: string): ParsedSearch {
  return parseSearchWith(search, 'english');
}
