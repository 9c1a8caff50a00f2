/**
 * Text index options, and their derivation from a `createIndexes` spec such as
 * `{key: {title: 'text', body: 'text'}, name, weights: {title: 10}, default_language: 'english',
 * language_override: 'language'}`.
 */
import { MongoCommandError, type IndexSpec } from '../engine-api';
import { lookupLanguage, SUPPORTED_LANGUAGES } from './language';

export interface TextIndexOptions {
  /** path -> weight. '$**' indexes every string field (weight fields['$**'], normally 1). */
  fields: Record<string, number>;
  /** 'english' (default) or 'none' (no stop words, no stemming) */
  defaultLanguage?: string;
  /** name of the per-document language field, default 'language' */
  languageOverride?: string;
}

export const WILDCARD = '$**';
const MAX_WEIGHT = 100_000;

function badSpec(message: string): MongoCommandError {
  return new MongoCommandError(67, 'CannotCreateIndex', message);
}

/** A JS number, or a bson Int32 / Double / Long (when values are not promoted). */
function numericValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object') {
    const t = (v as { _bsontype?: unknown })._bsontype;
    if (t === 'Int32' || t === 'Double') return Number((v as { value: unknown }).value);
    if (t === 'Long') return (v as { toNumber(): number }).toNumber();
  }
  return undefined;
}

function checkPath(path: string): void {
  if (path === WILDCARD) return;
  const parts = path.split('.');
  if (parts.some((p) => p === '' || p.startsWith('$'))) {
    throw badSpec(`text index field "${path}" is not a valid field path`);
  }
}

/** Validate options (throws 67 CannotCreateIndex); returns a normalised copy. */
export function validateTextIndexOptions(options: TextIndexOptions): Required<TextIndexOptions> {
  const fields: Record<string, number> = Object.create(null);
  for (const [path, weight] of Object.entries(options.fields)) {
    checkPath(path);
    if (!(typeof weight === 'number' && weight > 0 && weight < MAX_WEIGHT)) {
      throw badSpec(`text index weight for "${path}" must be a number greater than 0 and below ${MAX_WEIGHT}`);
    }
    fields[path] = weight;
  }
  if (Object.keys(fields).length === 0) throw badSpec('a text index needs at least one field');
  const defaultLanguage = options.defaultLanguage ?? 'english';
  if (!lookupLanguage(defaultLanguage)) {
    throw badSpec(`default_language "${defaultLanguage}" is not supported; this server supports ${SUPPORTED_LANGUAGES}`);
  }
  const languageOverride = options.languageOverride ?? 'language';
  if (languageOverride === '' || languageOverride.startsWith('$')) {
    throw badSpec(`language_override "${languageOverride}" is not a valid field name`);
  }
  return { fields, defaultLanguage, languageOverride };
}

/**
 * Build options from an index spec. Key entries with value 'text' are text fields (weight 1
 * unless `weights` says otherwise); `weights` may also name fields on its own (MongoDB reports
 * text indexes back as `{_fts: 'text', _ftsx: 1}` with the fields in `weights`). Other key
 * entries (ascending/descending prefix or suffix fields of a compound text index) are not
 * part of the text search and are ignored here: the engine applies them as ordinary filter
 * conditions. Throws 67 CannotCreateIndex for invalid specs.
 */
export function textIndexOptionsFromSpec(spec: IndexSpec): TextIndexOptions {
  const fields: Record<string, number> = Object.create(null);
  for (const [path, kind] of Object.entries(spec.key ?? {})) {
    if (kind !== 'text') continue;
    if (path === '_fts') continue; // fields then come from `weights`
    fields[path] = 1;
  }
  const weights = spec.weights;
  if (weights !== undefined) {
    if (weights === null || typeof weights !== 'object' || Array.isArray(weights)) {
      throw badSpec('text index option "weights" must be an object');
    }
    for (const [path, raw] of Object.entries(weights as Record<string, unknown>)) {
      const w = numericValue(raw);
      if (w === undefined) throw badSpec(`text index weight for "${path}" must be a number`);
      fields[path] = w;
    }
  }
  const lang = spec.default_language;
  if (lang !== undefined && typeof lang !== 'string') throw badSpec('default_language must be a string');
  const override = spec.language_override;
  if (override !== undefined && typeof override !== 'string') throw badSpec('language_override must be a string');
  const version = spec.textIndexVersion;
  if (version !== undefined && numericValue(version) !== 3) {
    throw badSpec('only textIndexVersion 3 is supported');
  }
  const options: TextIndexOptions = { fields: { ...fields } };
  if (lang !== undefined) options.defaultLanguage = lang;
  if (override !== undefined) options.languageOverride = override;
  validateTextIndexOptions(options);
  return options;
}
