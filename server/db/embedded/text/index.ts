/** Full-text search core for the embedded engine's `$text` queries and text indexes. */
import { parseSearchWith, tokenize as tokenizeWith, type ParsedSearch } from '../../../text-analysis';
import { queryLanguage } from './language';

export { TextIndex, type TextIndexStats } from './text-index';
export { TextAnalyzer, type TextQuery } from './analyzer';
export { textIndexOptionsFromSpec, type TextIndexOptions } from './options';
export { normalizeText, type ParsedSearch } from '../../../text-analysis';

/** Parse a `$search` string; `language` defaults to english (unsupported: BadValue, code 2). */
export function parseSearch(search: string, language?: string): ParsedSearch {
  return parseSearchWith(search, queryLanguage(language, 'english'));
}

/** The index tokens of `text`; `language` defaults to english (unsupported: BadValue, code 2). */
export function tokenize(text: string, language?: string): string[] {
  return tokenizeWith(text, queryLanguage(language, 'english'));
}
