/** Full-text search core for the embedded engine's `$text` queries and text indexes. */
import { parseSearchWith, tokenize as tokenizeWith, type ParsedSearch } from '../../../text-analysis';
import { queryLanguage } from './language';

export { TextIndex, type TextIndexStats } from './text-index';
export { TextAnalyzer, termScore, type TextQuery } from './analyzer';
export { textIndexOptionsFromSpec, validateTextIndexOptions, WILDCARD, type TextIndexOptions } from './options';
export { normalizeText, ENGLISH_STOP_WORDS, type ParsedSearch } from '../../../text-analysis';
export { SUPPORTED_LANGUAGES } from './language';

/** Parse a `$search` string; `language` defaults to english (unsupported: BadValue, code 2). */
export function parseSearch(search: string, language?: string): ParsedSearch {
  return parseSearchWith(search, queryLanguage(language, 'english'));
}

/** The index tokens of `text`; `language` defaults to english (unsupported: BadValue, code 2). */
export function tokenize(text: string, language?: string): string[] {
  return tokenizeWith(text, queryLanguage(language, 'english'));
}
