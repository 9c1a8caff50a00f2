/** Full-text search core for the embedded engine's `$text` queries and text indexes. */
export { TextIndex, termScore, type TextQuery, type TextIndexStats } from './text-index';
export { textIndexOptionsFromSpec, validateTextIndexOptions, WILDCARD, type TextIndexOptions } from './options';
export { parseSearch, type ParsedSearch } from './query';
export { tokenize, normalizeText } from './tokenize';
export { ENGLISH_STOP_WORDS } from './stopwords';
export { SUPPORTED_LANGUAGES } from './language';
