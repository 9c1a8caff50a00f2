/**
 * Index key extraction: the values a document contributes to an index, multikey expansion
 * over arrays, and the key strings (keystring.ts) of the resulting key tuples.
 */
import type { Document } from 'bson';
import { UNDEFINED_KEY } from './bson-order';
import { isPlainObject } from './doc-utils';
import { MongoCommandError } from './errors';
import { encodeKey, encodeTuple, keyId } from './keystring';

export interface KeyField {
  path: string;
  parts: string[];
  dir: 1 | -1;
}

export interface IndexKey {
  /** the key string of the key tuple (without the record id) */
  enc: Buffer;
  /** the raw values (for E11000 messages) */
  values: unknown[];
}

interface PathValues {
  values: unknown[];
  multi: boolean;
  present: boolean;
}

function isDigits(s: string): boolean {
  return s.length > 0 && /^\d+$/.test(s);
}

function collect(v: unknown, parts: string[], i: number, st: PathValues): void {
  if (i === parts.length) {
    if (v === undefined) {
      st.values.push(null);
      return;
    }
    st.present = true;
    if (Array.isArray(v)) {
      st.multi = true;
      if (v.length === 0) st.values.push(UNDEFINED_KEY);
      else for (const e of v) st.values.push(e);
    } else {
      st.values.push(v);
    }
    return;
  }
  const part = parts[i];
  if (Array.isArray(v)) {
    if (isDigits(part) && Number(part) < v.length) {
      collect(v[Number(part)], parts, i + 1, st);
      return;
    }
    st.multi = true;
    if (v.length === 0) {
      st.values.push(null);
      return;
    }
    for (const e of v) {
      if (isPlainObject(e)) collect(Object.prototype.hasOwnProperty.call(e, part) ? e[part] : undefined, parts, i + 1, st);
      else st.values.push(null);
    }
    return;
  }
  if (isPlainObject(v)) {
    collect(Object.prototype.hasOwnProperty.call(v, part) ? v[part] : undefined, parts, i + 1, st);
    return;
  }
  st.values.push(null);
}

/** All values of one key field in `doc`, deduplicated by encoding. */
export function fieldValues(doc: Document, f: KeyField): PathValues {
  const st: PathValues = { values: [], multi: false, present: false };
  collect(doc, f.parts, 0, st);
  if (st.values.length > 1) {
    const seen = new Set<string>();
    st.values = st.values.filter((v) => {
      const e = keyId(encodeKey(v));
      if (seen.has(e)) return false;
      seen.add(e);
      return true;
    });
  }
  return st;
}

/**
 * Which fields of an index have met arrays: `value` once any has, `paths` a bit mask of the
 * key fields' positions (bit i: fields[i]; MongoDB's multikey paths). -1 in `paths`: not known,
 * every field may have (an index marked by a version that did not keep paths).
 */
export interface MultikeyFlag {
  value: boolean;
  paths: number;
}

/**
 * The keys `doc` contributes. Returns null when a sparse index skips the document.
 * Sets `multikey.value`, and the field's bit in `multikey.paths`, when an array was expanded.
 */
export function extractKeys(doc: Document, fields: KeyField[], sparse: boolean, multikey: MultikeyFlag): IndexKey[] | null {
  if (fields.length === 1) {
    const pv = fieldValues(doc, fields[0]);
    if (sparse && !pv.present) return null;
    if (pv.multi) {
      multikey.value = true;
      multikey.paths |= 1;
    }
    const dir = fields[0].dir;
    return pv.values.map((v) => ({ enc: encodeKey(v, dir), values: [v] }));
  }
  const per = fields.map((f) => fieldValues(doc, f));
  if (sparse && !per.some((p) => p.present)) return null;
  const arrays = per.map((p, i) => (p.multi ? fields[i].path : null)).filter((p): p is string => p !== null);
  if (arrays.length > 1) {
    throw new MongoCommandError(171, 'CannotIndexParallelArrays', `cannot index parallel arrays [${arrays[1]}] [${arrays[0]}]`);
  }
  if (arrays.length) {
    multikey.value = true;
    multikey.paths |= 1 << per.findIndex((p) => p.multi);
  }
  const dirs = fields.map((f) => f.dir);
  let tuples: unknown[][] = [[]];
  for (let i = 0; i < fields.length; i++) {
    const vals = per[i].values;
    if (vals.length === 1) {
      for (const t of tuples) t.push(vals[0]);
    } else {
      const next: unknown[][] = [];
      for (const t of tuples) for (const v of vals) next.push([...t, v]);
      tuples = next;
    }
  }
  return tuples.map((values) => ({ enc: encodeTuple(values, dirs), values }));
}
