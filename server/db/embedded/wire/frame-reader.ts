import { HEADER_SIZE, MAX_MESSAGE_SIZE } from './constants';

/** The byte stream cannot be split into frames any more: the connection must be closed. */
export class FramingError extends Error {}

/**
 * Turns TCP chunks into whole wire-protocol frames. A frame may arrive split over many
 * chunks, and one chunk may hold several frames. A frame that lies inside one chunk is
 * returned as a view of it (no copy); only frames that span chunks are copied, once.
 * Chunks handed to push() must not be modified afterwards (socket chunks never are):
 * decoded values such as Binary may keep views into them.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private total = 0;

  constructor(private readonly maxSize: number = MAX_MESSAGE_SIZE) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Drops everything buffered (the connection is being closed). */
  clear(): void {
    this.chunks = [];
    this.total = 0;
  }

  /** Bytes received but not yet returned as a frame. */
  get buffered(): number {
    return this.total;
  }

  /** The next complete frame, or null until more bytes arrive. Throws FramingError. */
  next(): Buffer | null {
    if (this.total < 4) return null;
    const length = this.peekLength();
    if (length < HEADER_SIZE || length > this.maxSize) {
      throw new FramingError(`invalid message length ${length}`);
    }
    if (this.total < length) return null;
    const first = this.chunks[0];
    let frame: Buffer;
    if (first.length >= length) {
      frame = first.subarray(0, length);
      if (first.length === length) this.chunks.shift();
      else this.chunks[0] = first.subarray(length);
    } else {
      frame = Buffer.allocUnsafeSlow(length);
      let filled = 0;
      while (filled < length) {
        const chunk = this.chunks[0];
        const take = Math.min(chunk.length, length - filled);
        chunk.copy(frame, filled, 0, take);
        filled += take;
        if (take === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(take);
      }
    }
    this.total -= length;
    return frame;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readInt32LE(0);
    const head = Buffer.alloc(4);
    let filled = 0;
    for (const chunk of this.chunks) {
      const take = Math.min(chunk.length, 4 - filled);
      chunk.copy(head, filled, 0, take);
      filled += take;
      if (filled === 4) break;
    }
    return head.readInt32LE(0);
  }
}
