/** Numbers of the MongoDB wire protocol that the embedded server speaks or refuses. */
export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const HEADER_SIZE = 16;
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
/**
 * The largest message a client may send, advertised in hello and enforced on every incoming
 * frame, so it also bounds what one connection can make the server buffer: a largest
 * document plus room for the command around it (MongoDB's internal object size, 16 MiB +
 * 16 KiB). The driver splits write batches at maxBsonObjectSize of documents, which fits.
 */
export const MAX_MESSAGE_SIZE = MAX_BSON_OBJECT_SIZE + 16 * 1024;
export const MAX_WRITE_BATCH_SIZE = 100_000;

/** OP_MSG flag bits. */
export const FLAG_CHECKSUM_PRESENT = 1 << 0;
export const FLAG_MORE_TO_COME = 1 << 1;
