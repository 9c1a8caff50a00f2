/**
 * Collation: how strings compare in queries, sorts, distinct, aggregation and counts.
 *
 * `{locale: 'simple'}` (or no collation) is MongoDB's default byte order. Any other locale is
 * served by Node's built-in ICU (`Intl.Collator`), the same Unicode Collation Algorithm
 * MongoDB uses, for strengths 1-3: strength 1 ignores case and diacritics, 2 ignores case,
 * 3 (the default) distinguishes both; `caseLevel`, `caseFirst`, `numericOrdering` and
 * `alternate: 'shifted'` map to the collator's options. What ICU's JavaScript interface cannot
 * express (strength 4 and 5, `backwards`, `maxVariable: 'space'`) is refused with BadValue,
 * never approximated.
 *
 * Intl.Collator offers no sort keys, so values under a collation cannot be encoded into index
 * keys: collated queries and sorts do not use string index bounds (planner), and indexes and
 * collections with a non-simple default collation are refused (ddl.ts, handlers/catalog.ts).
 */
import type { Document } from 'bson';
import type { StringCompare } from './bson-order';
import { isPlainObject } from './doc-utils';
import { badValue, mongoError } from './errors';

const FIELDS = new Set([
  'locale',
  'caseLevel',
  'caseFirst',
  'strength',
  'numericOrdering',
  'alternate',
  'maxVariable',
  'normalization',
  'backwards',
  'version',
]);

const cache = new Map<string, StringCompare>();

function bool(spec: Document, k: string): boolean {
  const v = spec[k];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw mongoError(14, `BSON field 'collation.${k}' is the wrong type, expected type 'bool'`);
  return v;
}

function intlLocale(locale: string): string {
  // MongoDB spells variants ICU-style: en_US, de@collation=phonebook.
  const [base, variant] = locale.split('@');
  let tag = base.replace(/_/g, '-');
  const co = /^collation=([a-z]+)$/.exec(variant ?? '');
  if (co) tag += `-u-co-${co[1]}`;
  else if (variant) throw badValue(`Field 'locale' is invalid in: { locale: "${locale}" }`);
  return tag;
}

/**
 * The string order of a collation spec: undefined for none or `{locale: 'simple'}` (byte
 * order), a comparator otherwise. Throws BadValue / 40415 / 40414 for invalid specs.
 */
export function collationCompare(spec: unknown): StringCompare | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isPlainObject(spec)) throw mongoError(14, "BSON field 'collation' is the wrong type, expected type 'object'");
  for (const k of Object.keys(spec)) {
    if (!FIELDS.has(k)) throw mongoError(40415, `BSON field 'collation.${k}' is an unknown field.`);
  }
  if (spec.locale === undefined) throw mongoError(40414, "BSON field 'collation.locale' is missing but a required field");
  if (typeof spec.locale !== 'string') throw mongoError(14, "BSON field 'collation.locale' is the wrong type, expected type 'string'");
  if (spec.locale === 'simple') return undefined;
  const key = JSON.stringify(spec);
  const hit = cache.get(key);
  if (hit) return hit;

  const strength = spec.strength === undefined ? 3 : Number(spec.strength);
  if (![1, 2, 3, 4, 5].includes(strength))
    throw badValue(`collation strength must be an integer from 1 to 5, not ${String(spec.strength)}`);
  if (strength > 3) throw badValue(`collation strength ${strength} is not supported by this server (strengths 1 to 3 are)`);
  const caseLevel = bool(spec, 'caseLevel');
  const numeric = bool(spec, 'numericOrdering');
  bool(spec, 'normalization');
  if (bool(spec, 'backwards')) throw badValue("collation 'backwards: true' is not supported by this server");
  const caseFirst = spec.caseFirst ?? 'off';
  if (!['upper', 'lower', 'off'].includes(caseFirst as string)) throw badValue(`collation caseFirst must be 'upper', 'lower' or 'off'`);
  const alternate = spec.alternate ?? 'non-ignorable';
  if (alternate !== 'non-ignorable' && alternate !== 'shifted') throw badValue(`collation alternate must be 'non-ignorable' or 'shifted'`);
  const maxVariable = spec.maxVariable ?? 'punct';
  if (maxVariable !== 'punct' && maxVariable !== 'space') throw badValue(`collation maxVariable must be 'punct' or 'space'`);
  if (alternate === 'shifted' && maxVariable === 'space') {
    throw badValue("collation maxVariable 'space' is not supported by this server");
  }

  let tag: string;
  try {
    tag = intlLocale(spec.locale);
    if (Intl.Collator.supportedLocalesOf([tag]).length === 0) throw new Error('unsupported');
  } catch {
    throw badValue(`Field 'locale' is invalid in: { locale: "${spec.locale}" }`);
  }
  let sensitivity: 'base' | 'accent' | 'case' | 'variant' = strength === 1 ? 'base' : strength === 2 ? 'accent' : 'variant';
  if (caseLevel && sensitivity === 'base') sensitivity = 'case';
  else if (caseLevel && sensitivity === 'accent') sensitivity = 'variant';
  const collator = new Intl.Collator(tag, {
    sensitivity,
    numeric,
    caseFirst: caseFirst === 'off' ? 'false' : (caseFirst as 'upper' | 'lower'),
    ignorePunctuation: alternate === 'shifted',
    usage: 'sort',
  });
  const cmp: StringCompare = (a, b) => (a === b ? 0 : collator.compare(a, b));
  cache.set(key, cmp);
  return cmp;
}
