/**
 * Text normalisation and tokenising shared by indexing and query parsing, so both sides
 * always agree on what a token is.
 *
 * normalize: lower-case, then fold diacritics (NFD, drop combining marks). "Résumé" -> "resume".
 * tokens:    maximal runs of Unicode letters/digits (\p{L}\p{N}) of the normalised text; every
 *            other character (space, punctuation, hyphen, apostrophe, underscore) delimits.
 * english:   stop words dropped, the rest Porter-stemmed. none: tokens kept as they are.
 */
import { stemmer } from 'stemmer';
import { ENGLISH_STOP_WORDS } from './stopwords';

/** The two text behaviours: English (stop words, Porter stems) or none (tokens as they are). */
export type TextLanguage = 'english' | 'none';

const NON_ASCII = /[^\x00-\x7f]/;
const COMBINING_MARKS = /\p{M}+/gu;
const WORD = /[\p{L}\p{N}]+/gu;
const DELIMITERS = /[^\p{L}\p{N}]+/u;

/** Lower-case and fold diacritics. Plain ASCII skips the (costly) Unicode decomposition. */
export function normalizeText(text: string): string {
  const lower = text.toLowerCase();
  if (!NON_ASCII.test(lower)) return lower;
  return lower.normalize('NFD').replace(COMBINING_MARKS, '');
}

// Stop-word lookup and stemming dominate indexing cost and vocabularies repeat heavily:
// memoise word -> token ('' for a stop word), bounded.
const TOKEN_CACHE_LIMIT = 200_000;
let englishCache = new Map<string, string>();

/** Map one already-normalised word to its index token, or undefined for a stop word. */
export function wordToToken(word: string, language: TextLanguage): string | undefined {
  if (language === 'none') return word;
  let t = englishCache.get(word);
  if (t === undefined) {
    t = ENGLISH_STOP_WORDS.has(word) ? '' : stemmer(word);
    if (englishCache.size >= TOKEN_CACHE_LIMIT) englishCache = new Map();
    englishCache.set(word, t);
  }
  return t === '' ? undefined : t;
}

/** Call `fn` for every token of `text`, in order, duplicates included. */
export function forEachToken(text: string, language: TextLanguage, fn: (token: string) => void): void {
  for (const word of normalizeText(text).split(DELIMITERS)) {
    if (word === '') continue;
    const t = wordToToken(word, language);
    if (t !== undefined) fn(t);
  }
}

/** Tokens of an already-normalised string (used for search strings). */
export function tokensOfNormalized(normalized: string, language: TextLanguage): string[] {
  const out: string[] = [];
  for (const m of normalized.matchAll(WORD)) {
    const t = wordToToken(m[0], language);
    if (t !== undefined) out.push(t);
  }
  return out;
}

/** The normalised, stop-word-free, stemmed tokens of `text`, duplicates kept. */
export function tokenize(text: string, language: TextLanguage = 'english'): string[] {
  const out: string[] = [];
  forEachToken(text, language, (t) => out.push(t));
  return out;
}
