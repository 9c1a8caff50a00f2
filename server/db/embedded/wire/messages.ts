import { BSON, type Document } from 'bson';
import { deserializeWire } from '../engine/codec';
import { FLAG_CHECKSUM_PRESENT, FLAG_MORE_TO_COME, HEADER_SIZE, OP_COMPRESSED, OP_MSG, OP_QUERY, OP_REPLY } from './constants';

export interface CommandRequest {
  opCode: typeof OP_MSG | typeof OP_QUERY;
  requestId: number;
  /** OP_MSG moreToCome: the client expects no reply. */
  moreToCome: boolean;
  /** The command document, kind-1 sequences merged in under their identifiers. */
  command: Document;
  /** Database: `$db` for OP_MSG, the part before `.$cmd` for OP_QUERY. */
  db: string;
}

/**
 * The frame was delimited correctly but its content is unusable. The connection stays
 * open and the client gets an error reply to `requestId` in the given reply format.
 */
export class ProtocolError extends Error {
  constructor(
    readonly requestId: number,
    readonly replyWith: 'msg' | 'reply',
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parses one complete frame (as returned by FrameReader). Throws ProtocolError. */
export function parseFrame(frame: Buffer): CommandRequest {
  const requestId = frame.readInt32LE(4);
  const opCode = frame.readInt32LE(12);
  if (opCode === OP_MSG) return parseMsg(frame, requestId);
  if (opCode === OP_QUERY) return parseQuery(frame, requestId);
  const what = opCode === OP_COMPRESSED ? 'compressed messages are' : `opcode ${opCode} is`;
  throw new ProtocolError(requestId, 'msg', 2, 'BadValue', `${what} not supported by the embedded server`);
}

function parseMsg(frame: Buffer, requestId: number): CommandRequest {
  if (frame.length < HEADER_SIZE + 5) throw malformed(requestId, 'msg', 'OP_MSG is too short');
  const flags = frame.readUInt32LE(HEADER_SIZE);
  // Required flag bits are 0-15: any unknown one set there means we cannot honour the message.
  if ((flags & 0xfffc) !== 0) throw malformed(requestId, 'msg', `OP_MSG has unsupported required flag bits 0x${flags.toString(16)}`);
  const end = flags & FLAG_CHECKSUM_PRESENT ? frame.length - 4 : frame.length;
  let pos = HEADER_SIZE + 4;
  let body: Document | undefined;
  let sequences: [string, Document[]][] | undefined;
  while (pos < end) {
    const kind = frame[pos++];
    if (kind === 0) {
      if (body) throw malformed(requestId, 'msg', 'OP_MSG has more than one body section');
      const size = docSize(frame, pos, end, requestId, 'msg');
      body = decode(frame, pos, size, requestId, 'msg');
      pos += size;
    } else if (kind === 1) {
      if (pos + 4 > end) throw malformed(requestId, 'msg', 'OP_MSG document sequence is truncated');
      const size = frame.readInt32LE(pos);
      const seqEnd = pos + size;
      if (size < 5 || seqEnd > end) throw malformed(requestId, 'msg', 'OP_MSG document sequence has an invalid size');
      const idEnd = frame.indexOf(0, pos + 4);
      if (idEnd < 0 || idEnd >= seqEnd) throw malformed(requestId, 'msg', 'OP_MSG document sequence identifier is not terminated');
      const identifier = frame.toString('utf8', pos + 4, idEnd);
      const docs: Document[] = [];
      let p = idEnd + 1;
      while (p < seqEnd) {
        const dsize = docSize(frame, p, seqEnd, requestId, 'msg');
        docs.push(decode(frame, p, dsize, requestId, 'msg'));
        p += dsize;
      }
      (sequences ??= []).push([identifier, docs]);
      pos = seqEnd;
    } else {
      throw malformed(requestId, 'msg', `OP_MSG has an unknown section kind ${kind}`);
    }
  }
  if (!body) throw malformed(requestId, 'msg', 'OP_MSG has no body section');
  if (sequences) {
    for (const [identifier, docs] of sequences) {
      if (Object.hasOwn(body, identifier))
        throw malformed(requestId, 'msg', `OP_MSG field '${identifier}' is given both in the body and as a document sequence`);
      // defineProperty: an identifier such as '__proto__' is data, never a prototype.
      Object.defineProperty(body, identifier, { value: docs, enumerable: true, writable: true, configurable: true });
    }
  }
  const db = body.$db;
  if (typeof db !== 'string' || db === '') throw malformed(requestId, 'msg', "OP_MSG command has no '$db' field");
  return { opCode: OP_MSG, requestId, moreToCome: (flags & FLAG_MORE_TO_COME) !== 0, command: body, db };
}

function parseQuery(frame: Buffer, requestId: number): CommandRequest {
  const nameStart = HEADER_SIZE + 4;
  const nameEnd = frame.indexOf(0, nameStart);
  if (nameEnd < 0) throw malformed(requestId, 'reply', 'OP_QUERY collection name is not terminated');
  const ns = frame.toString('utf8', nameStart, nameEnd);
  const pos = nameEnd + 1 + 8; // numberToSkip, numberToReturn
  const size = docSize(frame, pos, frame.length, requestId, 'reply');
  let query = decode(frame, pos, size, requestId, 'reply');
  const dot = ns.indexOf('.');
  if (dot <= 0 || ns.slice(dot + 1) !== '$cmd') {
    throw new ProtocolError(requestId, 'reply', 2, 'BadValue', 'OP_QUERY is only supported for commands (<db>.$cmd); use OP_MSG');
  }
  // Old clients wrap the command together with read preferences.
  if (query.$query && typeof query.$query === 'object') query = query.$query as Document;
  return { opCode: OP_QUERY, requestId, moreToCome: false, command: query, db: ns.slice(0, dot) };
}

function malformed(requestId: number, replyWith: 'msg' | 'reply', message: string): ProtocolError {
  return new ProtocolError(requestId, replyWith, 9, 'FailedToParse', message);
}

function docSize(frame: Buffer, pos: number, end: number, requestId: number, replyWith: 'msg' | 'reply'): number {
  if (pos + 5 > end) throw malformed(requestId, replyWith, 'document is truncated');
  const size = frame.readInt32LE(pos);
  if (size < 5 || pos + size > end) throw malformed(requestId, replyWith, 'document size is invalid or runs past the end of the message');
  return size;
}

function decode(frame: Buffer, pos: number, size: number, requestId: number, replyWith: 'msg' | 'reply'): Document {
  let bytes = frame.subarray(pos, pos + size);
  // Binary values decode to views of these bytes. A document that may hold one (it contains
  // a 0x05 byte, the binary type tag) gets its own copy, so a stored value never pins a
  // whole socket chunk or frame in memory.
  if (bytes.indexOf(5) !== -1) {
    bytes = Buffer.allocUnsafeSlow(size);
    frame.copy(bytes, 0, pos, pos + size);
  }
  try {
    return deserializeWire(bytes);
  } catch (err) {
    throw new ProtocolError(requestId, replyWith, 22, 'InvalidBSON', `invalid BSON in message: ${(err as Error).message}`);
  }
}

let nextRequestId = 1;

/**
 * Encodes a reply as [header, body]: the body is produced by one BSON.serialize call and
 * the two parts go out in one corked write, so the document is never copied again.
 */
export function encodeReply(responseTo: number, replyWith: 'msg' | 'reply', doc: Document): [Uint8Array, Uint8Array] {
  const body = BSON.serialize(doc);
  nextRequestId = (nextRequestId + 1) | 0;
  if (replyWith === 'msg') {
    const head = Buffer.allocUnsafe(HEADER_SIZE + 5);
    head.writeInt32LE(HEADER_SIZE + 5 + body.length, 0);
    head.writeInt32LE(nextRequestId, 4);
    head.writeInt32LE(responseTo, 8);
    head.writeInt32LE(OP_MSG, 12);
    head.writeUInt32LE(0, 16); // flagBits
    head[20] = 0; // section kind 0
    return [head, body];
  }
  const head = Buffer.allocUnsafe(HEADER_SIZE + 20);
  head.writeInt32LE(HEADER_SIZE + 20 + body.length, 0);
  head.writeInt32LE(nextRequestId, 4);
  head.writeInt32LE(responseTo, 8);
  head.writeInt32LE(OP_REPLY, 12);
  head.writeInt32LE(0, 16); // responseFlags
  head.writeBigInt64LE(0n, 20); // cursorID
  head.writeInt32LE(0, 28); // startingFrom
  head.writeInt32LE(1, 32); // numberReturned
  return [head, body];
}
