/**
 * The one place where the embedded server turns documents into BSON bytes and back: what the
 * wire layer decodes from a client, what storage writes and reads. Keeping every (de)serialize
 * here means the representation of values in memory (which BSON numeric types become JS
 * numbers, which stay wrapped) is decided once.
 */
import { BSON, type Document } from 'bson';
import { MongoCommandError } from './errors';
import { MAX_BSON_SIZE } from './doc-utils';

/** Options for documents read back from storage: an int64 stays a Long, binaries stay Binary. */
export const STORED_DECODE_OPTIONS = { promoteLongs: false, promoteBuffers: false } as const;

/** Options for every document decoded from a client's message (server/db/embedded/wire/messages.ts). */
export const WIRE_DECODE_OPTIONS: BSON.DeserializeOptions = {};

/** A stored document (or stored options/spec) from its BSON bytes. */
export function deserializeStored(bytes: Uint8Array): Document {
  return BSON.deserialize(bytes, STORED_DECODE_OPTIONS);
}

/** A document from a client's message. Throws bson's BSONError on invalid bytes. */
export function deserializeWire(bytes: Uint8Array): Document {
  return BSON.deserialize(bytes, WIRE_DECODE_OPTIONS);
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
      throw new MongoCommandError(10334, 'BSONObjectTooLarge', `object to insert too large: ${msg}`);
    }
    throw new MongoCommandError(2, 'BadValue', `document cannot be stored as BSON: ${msg}`);
  }
  if (bytes.length > MAX_BSON_SIZE) {
    throw new MongoCommandError(
      10334,
      'BSONObjectTooLarge',
      `object to insert too large. size in bytes: ${bytes.length}, max size: ${MAX_BSON_SIZE}`,
    );
  }
  return bytes;
}
