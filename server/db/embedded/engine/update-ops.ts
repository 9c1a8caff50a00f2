/**
 * Update operators applied to a private copy of a document. Positional segments (`$`,
 * `$[]`, `$[id]`) are first expanded into concrete paths for that document, so every
 * operator works on plain paths with MongoDB's type rules and errors, and field names
 * such as `__proto__` stay data.
 */
import { Double, Long, Timestamp, type Document } from 'bson';
import { compareUtf8, compareValues, toNumber, valuesEqual } from './bson-order';
import { arith as numericArith, numKind } from './numeric';
import { collationCompare } from './collation';
import { cloneDeep, formatValue, isPlainObject, setField } from './doc-utils';
import { badValue, conflictingOps, failedToParse, typeMismatch, mongoError } from './errors';
import { bsonTypeCode, compileFilter } from './mingo-context';
import type { Matcher, OperationOptions } from './mingo-context';

export const UPDATE_OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$pull',
  '$pullAll',
  '$addToSet',
  '$pop',
  '$rename',
  '$currentDate',
  '$bit',
  '$setOnInsert',
]);

const pathNotViable = (msg: string) => mongoError(28, msg);
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isIndex = (s: string) => /^\d+$/.test(s);

const TYPE_NAMES: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
};
const typeName = (v: unknown) => TYPE_NAMES[bsonTypeCode(v)] ?? 'unknown';

/** Validates the operator document: known operators, object arguments, path conflicts. */
export function validateOperators(u: Document, forUpsert: boolean): void {
  const paths: string[] = [];
  for (const op of Object.keys(u)) {
    if (!op.startsWith('$')) {
      throw failedToParse(`Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (!UPDATE_OPERATORS.has(op)) {
      throw failedToParse(`Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    const arg = u[op];
    if (!isPlainObject(arg)) {
      throw failedToParse(
        `Modifiers operate on fields but we found type ${typeName(arg)} instead. For example: {$mod: {<field>: ...}} not {${op}: ${formatValue(arg)}}`,
      );
    }
    if (op === '$setOnInsert' && !forUpsert) continue;
    for (const p of Object.keys(arg)) {
      if (p === '' || p.split('.').some((s) => s === '')) {
        throw mongoError(56, `An update path '${p}' contains an empty field name, which is not allowed.`);
      }
      paths.push(p);
      if (op === '$rename') {
        const to = arg[p];
        if (typeof to !== 'string') throw badValue(`The 'to' field for $rename must be a string: ${p}: ${formatValue(to)}`);
        if (to === p) throw badValue(`The source and target field for $rename must differ: ${p}: "${to}"`);
        if (to.startsWith(p + '.') || p.startsWith(to + '.')) {
          throw badValue(`The source and target field for $rename must not be on the same path: ${p}: "${to}"`);
        }
        paths.push(to);
      }
    }
  }
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (a === b || b.startsWith(a + '.')) {
      throw conflictingOps(`Updating the path '${b}' would create a conflict at '${a}'`);
    }
  }
}

// ---- positional expansion ------------------------------------------------------------------

interface Ctx {
  doc: Document;
  filter: Document;
  arrayFilters: Map<string, Matcher>;
  usedFilters: Set<string>;
  upsertInsert: boolean;
  /** compiled query conditions per array field, for the positional `$` */
  positional: Map<string, Matcher | null>;
  /** the statement's collation and `let` variables */
  op: OperationOptions;
}

/** The filter's clauses on `field` (or paths under it), from the top level and `$and` branches. */
function clausesOn(filter: Document, field: string, out: Document[] = []): Document[] {
  for (const k of Object.keys(filter)) {
    const v = filter[k];
    if (k === '$and' && Array.isArray(v)) {
      for (const b of v) if (isPlainObject(b)) clausesOn(b, field, out);
    } else if (k === field || k.startsWith(field + '.')) out.push({ [k]: v });
  }
  return out;
}

/** The index of the first element of `arr` that the query's conditions on `field` match. */
function positionalIndex(ctx: Ctx, field: string, arr: unknown[]): number {
  if (ctx.upsertInsert) throw badValue('The positional operator did not find the match needed from the query.');
  let q = ctx.positional.get(field);
  if (q === undefined) {
    const clauses = clausesOn(ctx.filter, field);
    q = clauses.length ? compileFilter(clauses.length === 1 ? clauses[0] : { $and: clauses }, undefined, ctx.op) : null;
    ctx.positional.set(field, q);
  }
  if (q) for (let i = 0; i < arr.length; i++) if (q.test({ [field]: [arr[i]] })) return i;
  throw badValue('The positional operator did not find the match needed from the query.');
}

/** Concrete paths (arrays of segments) a possibly positional path stands for in `doc`. */
function expand(ctx: Ctx, path: string): string[][] {
  const parts = path.split('.');
  if (!parts.some((p) => p.startsWith('$'))) return [parts];
  const out: string[][] = [];
  const walk = (node: unknown, i: number, acc: string[]) => {
    if (i === parts.length) {
      out.push(acc);
      return;
    }
    const p = parts[i];
    if (p === '$' || p === '$[]' || (p.startsWith('$[') && p.endsWith(']'))) {
      const field = acc.join('.');
      if (!Array.isArray(node)) {
        if (ctx.upsertInsert && p !== '$') return;
        throw badValue(`The path '${field}' must exist in the document in order to apply array updates.`);
      }
      if (p === '$') {
        const idx = positionalIndex(ctx, field, node);
        walk(node[idx], i + 1, [...acc, String(idx)]);
        return;
      }
      let q: Matcher | undefined;
      let id = '';
      if (p !== '$[]') {
        id = p.slice(2, -1);
        q = ctx.arrayFilters.get(id);
        if (!q) throw badValue(`No array filter found for identifier '${id}' in path '${path}'`);
        ctx.usedFilters.add(id);
      }
      node.forEach((e, idx) => {
        if (q && !q.test({ [id]: e })) return;
        walk(e, i + 1, [...acc, String(idx)]);
      });
      return;
    }
    let next: unknown;
    if (Array.isArray(node)) next = isIndex(p) ? node[Number(p)] : undefined;
    else if (isPlainObject(node) && own(node, p)) next = node[p];
    walk(next, i + 1, [...acc, p]);
  };
  walk(ctx.doc, 0, []);
  return out;
}

export function compileArrayFilters(arrayFilters: Document[] | undefined, op: OperationOptions = {}): Map<string, Matcher> {
  const m = new Map<string, Matcher>();
  for (const f of arrayFilters ?? []) {
    if (!isPlainObject(f)) throw failedToParse('arrayFilters entries must be objects');
    let id: string | null = null;
    for (const k of Object.keys(f)) {
      const top = k.split('.')[0];
      if (!/^[a-z][a-zA-Z0-9]*$/.test(top)) {
        throw badValue(
          `Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${top}'`,
        );
      }
      if (id !== null && id !== top)
        throw failedToParse('Error parsing array filter :: caused by :: Expected a single top-level field name');
      id = top;
    }
    if (id === null) throw failedToParse('Cannot use an expression without a top-level field name in arrayFilters');
    if (m.has(id)) throw failedToParse(`Found multiple array filters with the same top-level field name ${id}`);
    m.set(id, compileFilter(f, undefined, op).compile());
  }
  return m;
}

// ---- path access ---------------------------------------------------------------------------

type Container = Record<string, unknown> | unknown[];

/** The container holding the last segment; creates documents on the way when `create`. */
function parentOf(doc: Document, parts: string[], create: boolean): Container | null {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i];
    let next: unknown;
    if (Array.isArray(cur)) {
      if (!isIndex(p)) {
        if (!create) return null;
        throw pathNotViable(`Cannot create field '${p}' in element {${parts.slice(0, i).join('.')}: ${formatValue(cur)}}`);
      }
      next = cur[Number(p)];
      if ((next === undefined || next === null) && create) {
        next = {};
        while (cur.length < Number(p)) cur.push(null);
        cur[Number(p)] = next;
      }
    } else if (isPlainObject(cur)) {
      next = own(cur, p) ? cur[p] : undefined;
      if (next === undefined && create) {
        next = {};
        setField(cur, p, next);
      }
    } else {
      if (!create) return null;
      throw pathNotViable(`Cannot create field '${p}' in element {${parts[i - 1]}: ${formatValue(cur)}}`);
    }
    if (next === undefined || next === null) {
      if (!create) return null;
      if (next === null) throw pathNotViable(`Cannot create field '${parts[i + 1]}' in element {${p}: null}`);
    }
    cur = next;
  }
  if (Array.isArray(cur) || isPlainObject(cur)) return cur;
  if (!create) return null;
  const last = parts[parts.length - 1];
  throw pathNotViable(`Cannot create field '${last}' in element {${parts[parts.length - 2]}: ${formatValue(cur)}}`);
}

function getIn(c: Container | null, k: string): unknown {
  if (!c) return undefined;
  if (Array.isArray(c)) return isIndex(k) ? c[Number(k)] : undefined;
  return own(c, k) ? c[k] : undefined;
}

function putIn(c: Container, k: string, v: unknown): void {
  if (Array.isArray(c)) {
    if (!isIndex(k)) throw pathNotViable(`Cannot create field '${k}' in an array`);
    const i = Number(k);
    while (c.length < i) c.push(null);
    c[i] = v;
  } else setField(c, k, v);
}

// ---- arithmetic ----------------------------------------------------------------------------

const isNumeric = (v: unknown) => numKind(v) !== null;
const isLong = (v: unknown) => (v as { _bsontype?: string })?._bsontype === 'Long';

/** $inc / $mul with MongoDB's result types (int overflows to long, long to double). */
function arith(a: unknown, b: unknown, op: 'inc' | 'mul'): unknown {
  return numericArith(a, b, op === 'inc' ? 'add' : 'multiply');
}

function idOf(doc: Document): string {
  return `{_id: ${formatValue(doc._id)}}`;
}

// ---- the operators -------------------------------------------------------------------------

function sortArray(arr: unknown[], spec: unknown): void {
  if (typeof spec === 'number' || (spec && typeof spec === 'object' && !isPlainObject(spec))) {
    const d = toNumber(spec) < 0 ? -1 : 1;
    arr.sort((a, b) => d * compareValues(a, b));
    return;
  }
  if (!isPlainObject(spec) || Object.keys(spec).length === 0)
    throw badValue('The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields');
  const keys = Object.keys(spec).map((k) => [k.split('.'), toNumber(spec[k]) < 0 ? -1 : 1] as const);
  const get = (e: unknown, parts: readonly string[]) => {
    let cur = e;
    for (const p of parts) cur = isPlainObject(cur) && own(cur, p) ? cur[p] : undefined;
    return cur;
  };
  arr.sort((a, b) => {
    for (const [parts, d] of keys) {
      const c = compareValues(get(a, parts), get(b, parts));
      if (c) return d * c;
    }
    return 0;
  });
}

function pullMatcher(spec: unknown, op: OperationOptions): (e: unknown) => boolean {
  if (isPlainObject(spec)) {
    const keys = Object.keys(spec);
    const fieldOps = keys.some((k) => k.startsWith('$') && !['$or', '$and', '$nor', '$expr'].includes(k));
    if (fieldOps) {
      const q = compileFilter({ v: spec }, undefined, op);
      return (e) => q.test({ v: e });
    }
    const q = compileFilter(spec, undefined, op);
    return (e) => isPlainObject(e) && q.test(e);
  }
  if (spec instanceof RegExp) return (e) => typeof e === 'string' && spec.test(e);
  const strCmp = collationCompare(op.collation);
  return (e) => valuesEqual(e, spec, strCmp);
}

function applyOne(op: string, doc: Document, parts: string[], arg: unknown, now: Date, opts: OperationOptions = {}): void {
  const last = parts[parts.length - 1];
  const path = parts.join('.');
  const create = op !== '$unset' && op !== '$pop' && op !== '$pull' && op !== '$pullAll' && op !== '$rename';
  const parent = parentOf(doc, parts, create);
  const cur = getIn(parent, last);
  switch (op) {
    case '$set':
    case '$setOnInsert':
      putIn(parent!, last, cloneDeep(arg));
      return;
    case '$unset':
      if (!parent || cur === undefined) return;
      if (Array.isArray(parent)) parent[Number(last)] = null;
      else delete parent[last];
      return;
    case '$inc':
    case '$mul': {
      const name = op === '$inc' ? 'increment' : 'multiply';
      if (!isNumeric(arg)) throw typeMismatch(`Cannot ${name} with non-numeric argument: {${path}: ${formatValue(arg)}}`);
      if (cur === undefined) {
        putIn(parent!, last, op === '$inc' ? arg : isLong(arg) ? Long.ZERO : numKind(arg) === 'double' ? new Double(0) : 0);
        return;
      }
      if (!isNumeric(cur)) {
        throw typeMismatch(
          `Cannot apply ${op} to a value of non-numeric type. ${idOf(doc)} has the field '${last}' of non-numeric type ${typeName(cur)}`,
        );
      }
      putIn(parent!, last, arith(cur, arg, op === '$inc' ? 'inc' : 'mul'));
      return;
    }
    case '$min':
    case '$max':
      if (cur === undefined || (op === '$min' ? compareValues(arg, cur) < 0 : compareValues(arg, cur) > 0)) {
        putIn(parent!, last, cloneDeep(arg));
      }
      return;
    case '$currentDate': {
      const t = arg === true ? 'date' : isPlainObject(arg) ? arg.$type : undefined;
      if (t === 'date' || typeof arg === 'boolean') putIn(parent!, last, new Date(now));
      else if (t === 'timestamp') putIn(parent!, last, new Timestamp({ t: Math.floor(now.getTime() / 1000), i: 1 }));
      else
        throw badValue(
          `${formatValue(arg)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`,
        );
      return;
    }
    case '$push':
    case '$addToSet': {
      let arr: unknown[];
      if (cur === undefined) arr = [];
      else if (!Array.isArray(cur)) {
        throw badValue(`The field '${path}' must be an array but is of type ${typeName(cur)} in document ${idOf(doc)}`);
      } else arr = cur;
      const mods = isPlainObject(arg) && own(arg, '$each');
      const items = mods ? (arg as Document).$each : [arg];
      if (!Array.isArray(items)) throw badValue(`The argument to $each in ${op} must be an array but it was of type: ${typeName(items)}`);
      if (op === '$addToSet') {
        if (mods && Object.keys(arg as Document).length > 1) throw badValue('Found unexpected fields after $each in $addToSet');
        for (const it of items) if (!arr.some((e) => valuesEqual(e, it))) arr.push(cloneDeep(it));
      } else {
        const m = (mods ? arg : {}) as Document;
        for (const k of Object.keys(m)) {
          if (!['$each', '$slice', '$sort', '$position'].includes(k)) throw badValue(`Unrecognized clause in $push: ${k}`);
        }
        let pos = m.$position === undefined ? arr.length : toNumber(m.$position);
        if (!Number.isInteger(pos)) throw badValue('The value for $position must be an integer value');
        if (pos < 0) pos = Math.max(0, arr.length + pos);
        arr.splice(Math.min(pos, arr.length), 0, ...items.map((x: unknown) => cloneDeep(x)));
        if (m.$sort !== undefined) sortArray(arr, m.$sort);
        if (m.$slice !== undefined) {
          const n = toNumber(m.$slice);
          if (!Number.isInteger(n)) throw badValue('The value for $slice must be an integer value');
          if (n >= 0) arr.splice(n);
          else arr.splice(0, Math.max(0, arr.length + n));
        }
      }
      if (cur === undefined) putIn(parent!, last, arr);
      return;
    }
    case '$pop': {
      if (cur === undefined) return;
      if (!Array.isArray(cur)) throw typeMismatch(`Path '${path}' contains an element of non-array type '${typeName(cur)}'`);
      const n = toNumber(arg);
      if (n !== 1 && n !== -1) throw failedToParse(`$pop expects 1 or -1, found: ${formatValue(arg)}`);
      if (n === 1) cur.pop();
      else cur.shift();
      return;
    }
    case '$pull':
    case '$pullAll': {
      if (cur === undefined) return;
      if (!Array.isArray(cur)) throw badValue(`Cannot apply ${op} to a non-array value`);
      let match: (e: unknown) => boolean;
      if (op === '$pullAll') {
        if (!Array.isArray(arg)) throw badValue(`$pullAll requires an array argument but was given a ${typeName(arg)}`);
        match = (e) => arg.some((x) => valuesEqual(e, x));
      } else match = pullMatcher(arg, opts);
      const kept = cur.filter((e) => !match(e));
      if (kept.length !== cur.length) putIn(parent!, last, kept);
      return;
    }
    case '$bit': {
      if (!isPlainObject(arg)) throw badValue('$bit needs an object like {and: 5}');
      let v: unknown = cur === undefined ? 0 : cur;
      if (!isNumeric(v) || !Number.isInteger(toNumber(v)))
        throw badValue(
          `Cannot apply $bit to a value of non-integral type. ${idOf(doc)} has the field ${last} of non-integer type ${typeName(cur)}`,
        );
      for (const [k, x] of Object.entries(arg)) {
        const big = isLong(v) || isLong(x);
        const a = isLong(v) ? (v as Long).toBigInt() : BigInt(toNumber(v));
        const b = isLong(x) ? (x as Long).toBigInt() : BigInt(toNumber(x));
        const r = k === 'and' ? a & b : k === 'or' ? a | b : k === 'xor' ? a ^ b : null;
        if (r === null) throw badValue(`The $bit modifier only supports 'and', 'or', and 'xor', not '${k}'`);
        v = big ? Long.fromBigInt(BigInt.asIntN(64, r)) : Number(BigInt.asIntN(32, r));
      }
      putIn(parent!, last, v);
      return;
    }
  }
}

function applyRename(doc: Document, from: string, to: string, now: Date): void {
  const fromParts = from.split('.');
  const parent = parentOf(doc, fromParts, false);
  if (Array.isArray(parent))
    throw badValue(
      `The source field cannot be an array element, '${from}' in doc with _id: ${formatValue(doc._id)} has an array field called '${fromParts[fromParts.length - 2]}'`,
    );
  const v = getIn(parent, fromParts[fromParts.length - 1]);
  if (v === undefined) return;
  applyOne('$unset', doc, fromParts, '', now);
  const toParts = to.split('.');
  if (Array.isArray(parentOf(doc, toParts, false))) throw badValue(`The destination field cannot be an array element, '${to}'`);
  applyOne('$set', doc, toParts, v, now);
}

export interface ApplyContext {
  filter: Document;
  arrayFilters: Map<string, Matcher>;
  upsertInsert: boolean;
  now?: Date;
  op?: OperationOptions;
}

/** MongoDB's field order for updates: numeric names numerically, other names by bytes. */
function comparePaths(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    if (isIndex(a[i]) && isIndex(b[i])) return Number(a[i]) - Number(b[i]) || (a[i] < b[i] ? -1 : 1);
    return compareUtf8(a[i], b[i]);
  }
  return a.length - b.length;
}

/**
 * Applies an operator update to `doc` (a private copy) in place. Every positional path (`$`,
 * `$[]`, `$[id]`) is resolved against the document as it was before the update, so several
 * fields under one positional element reach the same element; then the operations run in
 * MongoDB's field order (new fields appear in that order).
 */
export function applyOperators(doc: Document, u: Document, ac: ApplyContext): void {
  const ctx: Ctx = {
    doc,
    filter: ac.filter,
    arrayFilters: ac.arrayFilters,
    usedFilters: new Set(),
    upsertInsert: ac.upsertInsert,
    positional: new Map(),
    op: ac.op ?? {},
  };
  const now = ac.now ?? new Date();
  const steps: { op: string; parts: string[]; arg: unknown }[] = [];
  for (const op of Object.keys(u)) {
    if (op === '$setOnInsert' && !ac.upsertInsert) continue;
    const arg = u[op] as Document;
    for (const path of Object.keys(arg)) {
      if (op === '$rename') {
        applyRename(doc, path, arg[path] as string, now);
        continue;
      }
      for (const parts of expand(ctx, path)) steps.push({ op, parts, arg: arg[path] });
    }
  }
  steps.sort((a, b) => comparePaths(a.parts, b.parts));
  for (const st of steps) applyOne(st.op, doc, st.parts, st.arg, now, ctx.op);
  const named = new Set<string>();
  for (const op of Object.keys(u)) {
    for (const path of Object.keys(u[op] as Document)) {
      for (const m of path.matchAll(/\$\[([^\]]+)\]/g)) named.add(m[1]);
    }
  }
  for (const id of ac.arrayFilters.keys()) {
    if (!named.has(id)) {
      throw failedToParse(`The array filter for identifier '${id}' was not used in the update ${formatValue(u)}`);
    }
  }
}
