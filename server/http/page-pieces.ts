import { randomUUID } from 'node:crypto';

/**
 * A large page turned into bytes piece by piece (issue 19).
 *
 * ejs builds a page by string concatenation, so a thread page of 50 replies is one V8 rope of
 * some 15,000 small strings. Sending it (Buffer.from in res.send) first flattens that rope
 * into one flat string, which costs about 90 ns per piece on top of the copy: 1.8 ms of the
 * ~11 ms of CPU a rotating thread page cost (bench/thread-page.ts --profile, 16% of the main
 * thread's samples). One character above U+00FF anywhere (the footer's en dash) also makes
 * the flat string two bytes per character. Encoding each reply's output on its own (a rope of
 * a few hundred pieces, a few kB, written into one buffer for the page) costs a quarter of that.
 *
 * A template hands each big piece to hold(), which returns a marker to write in its place;
 * toBuffer() splits the page's own text at the markers (a short rope once the pieces are out)
 * and encodes text and pieces in order. The marker is random per page, so no text a user
 * typed can contain it.
 */
export class PagePieces {
  private readonly marker = `\u0000${randomUUID()}\u0000`;
  private readonly held: string[] = [];

  /** Keeps `html` aside; returns the marker the template writes (unescaped) in its place. */
  hold(html: string): string {
    this.held.push(html);
    return this.marker;
  }

  /**
   * The rendered page's UTF-8 bytes with every held piece back in its place. Throws if the
   * page does not hold each marker exactly once in order (a template that dropped or
   * repeated one): a bug, never a user's input.
   */
  toBuffer(page: string): Buffer {
    if (!this.held.length) return Buffer.from(page);
    const text = page.split(this.marker);
    if (text.length !== this.held.length + 1) throw new Error(`page pieces: ${text.length - 1} markers for ${this.held.length} pieces`);
    // One allocation, each piece encoded straight into place: byteLength flattens a piece's
    // rope once, write() then copies the flat string (no per-piece buffers, no concat copy).
    const parts: string[] = [];
    for (let i = 0; i < this.held.length; i++) parts.push(text[i]!, this.held[i]!);
    parts.push(text[this.held.length]!);
    let size = 0;
    for (const part of parts) size += Buffer.byteLength(part);
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const part of parts) at += out.write(part, at);
    return out;
  }
}
