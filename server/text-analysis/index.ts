/**
 * Text analysis shared by the embedded database's text index (server/db/embedded/text/) and
 * the forum's search highlighter (server/search/snippet.ts), so a highlighted word is always
 * one the index matched: normalisation, tokens, English stop words and stems, and the
 * `$search` string syntax.
 */
export { normalizeText, tokenize, forEachToken, type TextLanguage } from './tokenize';
export { parseSearch, parseSearchWith, type ParsedSearch } from './search-syntax';
