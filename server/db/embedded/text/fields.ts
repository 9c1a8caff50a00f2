/**
 * Which strings of a document a text index covers, and with what weight.
 *
 * - A dotted path ("thread.title") walks sub-documents; through an array of sub-documents it
 *   continues into each element ("comments.body"); a numeric part ("tags.0") picks an element.
 * - At the end of the path a string is indexed, and so is every string element of an array.
 *   Other values (numbers, dates, ObjectIds, ...) are ignored.
 * - '$**' indexes every string anywhere in the document (except the top-level language
 *   override field). Its weight applies unless the string's path (array positions left out,
 *   e.g. "comments.body") has a weight of its own.
 */
import { WILDCARD } from './options';

export type TextVisitor = (text: string, weight: number) => void;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const INDEX = /^(0|[1-9]\d*)$/;

function walkPath(value: unknown, parts: string[], i: number, weight: number, visit: TextVisitor): void {
  if (i === parts.length) {
    if (typeof value === 'string') visit(value, weight);
    else if (Array.isArray(value)) for (const el of value) if (typeof el === 'string') visit(el, weight);
    return;
  }
  const part = parts[i];
  if (Array.isArray(value)) {
    if (INDEX.test(part) && Number(part) < value.length) walkPath(value[Number(part)], parts, i + 1, weight, visit);
    for (const el of value) if (isPlainObject(el)) walkPath(el, parts, i, weight, visit);
    return;
  }
  if (isPlainObject(value) && Object.hasOwn(value, part)) walkPath(value[part], parts, i + 1, weight, visit);
}

function walkAll(value: unknown, path: string, weights: Record<string, number>, wildcardWeight: number, visit: TextVisitor): void {
  if (typeof value === 'string') {
    visit(value, Object.hasOwn(weights, path) ? weights[path] : wildcardWeight);
  } else if (Array.isArray(value)) {
    for (const el of value) walkAll(el, path, weights, wildcardWeight, visit);
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      walkAll(value[key], path === '' ? key : `${path}.${key}`, weights, wildcardWeight, visit);
    }
  }
}

/** Compile the field list into a function visiting every indexed string of a document. */
export function compileFieldVisitor(
  fields: Record<string, number>,
  languageOverride: string,
): (doc: Record<string, unknown>, visit: TextVisitor) => void {
  if (Object.hasOwn(fields, WILDCARD)) {
    const wildcardWeight = fields[WILDCARD];
    return (doc, visit) => {
      for (const key of Object.keys(doc)) {
        if (key === languageOverride) continue;
        walkAll(doc[key], key, fields, wildcardWeight, visit);
      }
    };
  }
  const compiled = Object.entries(fields).map(([path, weight]) => ({ parts: path.split('.'), weight }));
  return (doc, visit) => {
    for (const { parts, weight } of compiled) walkPath(doc, parts, 0, weight, visit);
  };
}
