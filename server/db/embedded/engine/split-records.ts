/**
 * Split records: a large document's large top-level fields are stored out of line, in the
 * collection's second table `c<id>t(rid INTEGER PRIMARY KEY, tail BLOB)`, so that an update
 * which leaves them alone (a counter `$inc` on a thread that carries 50 KB of search text)
 * rewrites a few hundred bytes, not the whole document. PostgreSQL does the same with TOAST;
 * WiredTiger gets the same effect from its modify records. STORAGE.md, "Split records".
 *
 * A document is split when its BSON is at least SPLIT_DOC_MIN bytes; the fields moved out
 * are the top-level fields (never `_id`) whose value takes at least SPLIT_FIELD_MIN bytes.
 * The row in `c<id>` then holds
 *
 *   0xFFFFFFFF | full BSON size (int32 LE) | names length (int32 LE) | names, a JSON array |
 *   head BSON
 *
 * where the head is the document with each moved field's value replaced by null (so field
 * order is kept) and the tail, in `c<id>t`, is a BSON document of the moved fields. A BSON
 * document starts with its own length (at most 16 MiB plus a little), never 0xFFFFFFFF, so a
 * row is told apart by its first four bytes; rows written before split records existed are
 * plain BSON and read as before.
 *
 * Invariant: a stored split record is one fieldsToSplit would split the same way (at least
 * SPLIT_DOC_MIN bytes, no field of SPLIT_FIELD_MIN bytes left in its head), so a document's
 * size alone tells whether it can be split, and a later write splits it as a new one would.
 */
import { BSON, type Document } from 'bson';
import { serializeDoc } from './codec';
import { setField } from './doc-utils';

/** Documents smaller than this (BSON bytes) are stored whole. */
export const SPLIT_DOC_MIN = 16 * 1024;
/** In a larger document, top-level values of at least this many bytes are stored out of line. */
export const SPLIT_FIELD_MIN = 4 * 1024;

const MARK = 0xffffffff;
const PREFIX = 12;

/** The stored head of a split row. */
export interface SplitHead {
  /** BSON size of the whole document */
  fullSize: number;
  /** the fields stored out of line, in document order */
  names: string[];
  /** the head document's BSON (moved fields hold null) */
  head: Buffer;
}

/** Bytes a top-level value takes in BSON, at least (strings under a third of the field limit by their length). */
function valueSize(v: unknown): number {
  if (typeof v === 'string') return v.length < SPLIT_FIELD_MIN / 3 ? v.length : Buffer.byteLength(v);
  if (v === null || typeof v !== 'object') return 0;
  return BSON.calculateObjectSize({ v });
}

/**
 * The fields of `doc` to store out of line, given its BSON size `bytes`; null when the
 * document is stored whole.
 */
export function fieldsToSplit(doc: Document, bytes: number): string[] | null {
  if (bytes < SPLIT_DOC_MIN) return null;
  const names: string[] = [];
  for (const k of Object.keys(doc)) if (k !== '_id' && valueSize(doc[k]) >= SPLIT_FIELD_MIN) names.push(k);
  return names.length ? names : null;
}

/** Whether `doc`, stored split with `names` out of line, has a field left in its head that would be moved now. */
export function headOutgrown(doc: Document, names: readonly string[]): boolean {
  for (const k of Object.keys(doc)) if (k !== '_id' && !names.includes(k) && valueSize(doc[k]) >= SPLIT_FIELD_MIN) return true;
  return false;
}

/** The row for `c<id>` of a split document. */
export function encodeHead(doc: Document, names: readonly string[], fullSize: number): Buffer {
  const out = new Set(names);
  const head: Document = {};
  for (const k of Object.keys(doc)) setField(head, k, out.has(k) ? null : doc[k]);
  const nameBytes = Buffer.from(JSON.stringify(names), 'utf8'); // a JSON array: "" is a field name too
  const prefix = Buffer.allocUnsafe(PREFIX);
  prefix.writeUInt32LE(MARK, 0);
  prefix.writeInt32LE(fullSize, 4);
  prefix.writeInt32LE(nameBytes.length, 8);
  return Buffer.concat([prefix, nameBytes, serializeDoc(head)]);
}

/** Writes the document's full BSON size into a head row (encodeHead before the size was known). */
export function setFullSize(row: Buffer, fullSize: number): Buffer {
  row.writeInt32LE(fullSize, 4);
  return row;
}

/** Bytes of the head BSON in a row made by encodeHead (no parsing of the names). */
export function headBsonLength(row: Buffer): number {
  return row.length - PREFIX - row.readInt32LE(8);
}

/** The rows of a new document: `head` for `c<id>` (plain BSON when nothing is moved), `tail` for `c<id>t` or null. */
export function rowsOf(doc: Document, bytes: Buffer): { head: Buffer; tail: Buffer | null } {
  const names = fieldsToSplit(doc, bytes.length);
  return names ? { head: encodeHead(doc, names, bytes.length), tail: encodeTail(doc, names) } : { head: bytes, tail: null };
}

/** The row for `c<id>t`: the moved fields as one BSON document. */
export function encodeTail(doc: Document, names: readonly string[]): Buffer {
  const tail: Document = {};
  for (const k of names) setField(tail, k, doc[k]);
  return serializeDoc(tail);
}

/** The parts of a split row, or null for a row stored whole (plain BSON). */
export function parseHead(row: Buffer): SplitHead | null {
  if (row.length < PREFIX || row.readUInt32LE(0) !== MARK) return null;
  const n = row.readInt32LE(8);
  return {
    fullSize: row.readInt32LE(4),
    names: JSON.parse(row.toString('utf8', PREFIX, PREFIX + n)) as string[],
    head: row.subarray(PREFIX + n),
  };
}

/** A document's BSON size from its row's length and first 8 bytes (a split row records it). */
export function storedSize(rowLength: number, first8: Buffer): number {
  return first8.length === 8 && first8.readUInt32LE(0) === MARK ? first8.readInt32LE(4) : rowLength;
}

/** Puts the moved fields back into the decoded head, in place (their slots keep their order). */
export function joinTail(head: Document, tail: Document): Document {
  for (const k of Object.keys(tail)) setField(head, k, tail[k]);
  return head;
}
