import net from 'node:net';
import { BSON, type Document } from 'bson';

/** Builds an OP_MSG frame by hand (kind-0 body, optional kind-1 sequences). */
export function opMsg(
  requestId: number,
  body: Document,
  opts: { flags?: number; sequences?: [string, Document[]][]; checksum?: boolean } = {},
): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(BSON.serialize(body))];
  for (const [id, docs] of opts.sequences ?? []) {
    const payload = Buffer.concat([Buffer.from(`${id}\0`), ...docs.map((d) => Buffer.from(BSON.serialize(d)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4);
    parts.push(Buffer.from([1]), size, payload);
  }
  if (opts.checksum) parts.push(Buffer.alloc(4));
  const flags = (opts.flags ?? 0) | (opts.checksum ? 1 : 0);
  const sections = Buffer.concat(parts);
  const head = Buffer.alloc(20);
  head.writeInt32LE(20 + sections.length, 0);
  head.writeInt32LE(requestId, 4);
  head.writeInt32LE(0, 8);
  head.writeInt32LE(2013, 12);
  head.writeUInt32LE(flags, 16);
  return Buffer.concat([head, sections]);
}

/** Builds a legacy OP_QUERY on `<db>.$cmd`. */
export function opQuery(requestId: number, ns: string, query: Document): Buffer {
  const body = Buffer.concat([
    Buffer.alloc(4),
    Buffer.from(`${ns}\0`),
    Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from(BSON.serialize(query)),
  ]);
  const head = Buffer.alloc(16);
  head.writeInt32LE(16 + body.length, 0);
  head.writeInt32LE(requestId, 4);
  head.writeInt32LE(2004, 12);
  return Buffer.concat([head, body]);
}

export interface RawReply {
  responseTo: number;
  opCode: number;
  doc: Document;
}

/** A raw TCP client that collects replies (OP_MSG or OP_REPLY) as they arrive. */
export class RawClient {
  readonly replies: RawReply[] = [];
  closed = false;
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= this.buffer.readInt32LE(0)) {
        const len = this.buffer.readInt32LE(0);
        const frame = this.buffer.subarray(0, len);
        this.buffer = this.buffer.subarray(len);
        const opCode = frame.readInt32LE(12);
        const docStart = opCode === 2013 ? 21 : 36;
        this.replies.push({ responseTo: frame.readInt32LE(8), opCode, doc: BSON.deserialize(frame.subarray(docStart)) });
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `n` replies arrived or the socket closed (or the timeout passed). */
  async waitFor(n: number, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < n && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}
