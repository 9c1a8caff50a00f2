/**
 * Text-search languages this server understands. Only two behaviours exist:
 * - 'english': English stop words removed, Porter stemming;
 * - 'none': no stop words, no stemming (still lower-cased and diacritic-folded).
 * Any other language (including ones MongoDB itself supports, such as 'french') is refused
 * with a clear error instead of being silently indexed with English rules.
 */
import { MongoCommandError } from '../engine-api';
import type { TextLanguage } from '../../../text-analysis';

export type { TextLanguage };

const NAMES: Record<string, TextLanguage> = {
  english: 'english',
  en: 'english',
  none: 'none',
};

/** Resolve a language name (case-insensitive); undefined when unsupported. */
export function lookupLanguage(name: string): TextLanguage | undefined {
  return Object.hasOwn(NAMES, name.toLowerCase()) ? NAMES[name.toLowerCase()] : undefined;
}

export const SUPPORTED_LANGUAGES = 'english (en) and none';

/** For a `$language` in a `$text` query: code 2 BadValue. */
export function queryLanguage(name: unknown, fallback: TextLanguage): TextLanguage {
  if (name === undefined) return fallback;
  if (typeof name !== 'string') {
    throw new MongoCommandError(2, 'BadValue', '$language needs a string value');
  }
  const lang = lookupLanguage(name);
  if (!lang) {
    throw new MongoCommandError(
      2,
      'BadValue',
      `unsupported language "${name}" for $text query; this server supports ${SUPPORTED_LANGUAGES}`,
    );
  }
  return lang;
}

/**
 * For the per-document language override field: code 17262 when the language is unknown,
 * 17261 when the field is not a string (MongoDB uses these location codes for the same
 * situations, so their codeName is "Location<code>").
 */
export function documentLanguage(value: unknown, field: string, fallback: TextLanguage): TextLanguage {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') {
    throw new MongoCommandError(17261, 'Location17261', `language override field "${field}" of a text-indexed document must be a string`);
  }
  const lang = lookupLanguage(value);
  if (!lang) {
    throw new MongoCommandError(
      17262,
      'Location17262',
      `language override unsupported: ${value} (this server supports ${SUPPORTED_LANGUAGES})`,
    );
  }
  return lang;
}
