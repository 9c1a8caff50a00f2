/**
 * The one place where the embedded server turns documents into BSON bytes and back: what the
 * wire layer decodes from a client, what storage writes and reads. Keeping every (de)serialize
 * here means the representation of values in memory is decided once (numeric.ts):
 *
 *   int32 -> JS number; int64 -> Long; double -> JS number, or a `Double` wrapper when the
 *   value is an integer in the int32 range (so it is written back as a double, not an int32);
 *   `{$ref, $id}` sub-documents -> plain documents (bson would make DBRef objects of them,
 *   which queries on `field.$id` could not see).
 *
 * Every value therefore keeps its BSON type through a round trip, and `$type` sees it.
 */
import { BSON, Double, type Document } from 'bson';
import { mongoError } from './errors';
import { MAX_BSON_SIZE, dbRefToPlain, setField } from './doc-utils';
import { isInt32Value } from './numeric';

/** Numbers stay wrapped (Int32 / Double / Long) so their type is known; binaries stay Binary. */
const DECODE_OPTIONS: BSON.DeserializeOptions = { promoteValues: false, promoteBuffers: false };

/**
 * In-place: Int32 -> number, Double -> number unless it would pass for an int32, DBRef ->
 * plain `{$ref, $id, ...}`. Returns the (possibly replaced) value.
 */
export function normalizeDecoded(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      if (e !== null && typeof e === 'object') v[i] = normalizeDecoded(e);
    }
    return v;
  }
  const bt = (v as { _bsontype?: string })._bsontype;
  if (bt !== undefined) {
    switch (bt) {
      case 'Int32':
        return (v as { value: number }).value;
      case 'Double': {
        const x = (v as Double).value;
        return isInt32Value(x) ? v : x;
      }
      case 'DBRef':
        return normalizeDecoded(dbRefToPlain(v));
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const e = o[k];
    if (e !== null && typeof e === 'object') {
      const n = normalizeDecoded(e);
      if (n !== e) setField(o, k, n);
    }
  }
  return v;
}

/** A stored document (or stored options/spec) from its BSON bytes. */
export function deserializeStored(bytes: Uint8Array): Document {
  return normalizeDecoded(BSON.deserialize(bytes, DECODE_OPTIONS)) as Document;
}

/** A document from a client's message. Throws bson's BSONError on invalid bytes. */
export function deserializeWire(bytes: Uint8Array): Document {
  return normalizeDecoded(BSON.deserialize(bytes, DECODE_OPTIONS)) as Document;
}

/** BSON bytes of a document, enforcing the 16 MiB limit. */
export function serializeDoc(doc: Document): Buffer {
  let bytes: Buffer;
  try {
    const u8 = BSON.serialize(doc);
    bytes = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/size|large|RangeError/i.test(msg) || e instanceof RangeError) {
      throw mongoError(10334, `object to insert too large: ${msg}`);
    }
    throw mongoError(2, `document cannot be stored as BSON: ${msg}`);
  }
  if (bytes.length > MAX_BSON_SIZE) {
    throw mongoError(10334, `object to insert too large. size in bytes: ${bytes.length}, max size: ${MAX_BSON_SIZE}`);
  }
  return bytes;
}
