import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** A solid-colour image of the given format, made with sharp. */
export function solid(
  width: number,
  height: number,
  format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff',
  background = '#3366cc',
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .toFormat(format)
    .toBuffer();
}

/** Inserts a PNG chunk (type and data) right after IHDR, with its CRC. */
export function withPngChunk(png: Buffer, type: string, data: Buffer): Buffer {
  const ihdrEnd = 8 + 8 + 13 + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), pngChunk(type, data), png.subarray(ihdrEnd)]);
}

/** Inserts a JPEG comment segment (COM) right after the SOI marker. */
export function withJpegComment(jpeg: Buffer, comment: string): Buffer {
  const body = Buffer.from(comment, 'latin1');
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, body, jpeg.subarray(2)]);
}

/** A ZIP archive holding one stored (uncompressed) file. */
export function zipOf(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const fileName = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

export interface ScreenText {
  text: string;
  /** Left edge and baseline, pixels. */
  x: number;
  y: number;
  size?: number;
  font?: string;
  fill?: string;
}

/** Width of one character of DejaVu Sans Mono, in ems (its advance is 1233 of 2048 units). */
export const MONO_ADVANCE = 1233 / 2048;

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A screenshot-like PNG: a title bar and lines of text, rendered from SVG by sharp. */
export function renderScreenshot(
  texts: ScreenText[],
  opts: { width?: number; height?: number; background?: string } = {},
): Promise<Buffer> {
  const { width = 1280, height = 800, background = '#ffffff' } = opts;
  const body = texts
    .map(
      (t) =>
        `<text x="${t.x}" y="${t.y}" font-family="${t.font ?? 'DejaVu Sans'}" font-size="${t.size ?? 18}" fill="${t.fill ?? '#222222'}">${escapeXml(t.text)}</text>`,
    )
    .join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="${background}"/><rect width="100%" height="44" fill="#2b579a"/>` +
    `<text x="20" y="29" font-family="DejaVu Sans" font-size="16" fill="#ffffff">Support Portal</text>${body}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A decompression bomb's shape: a valid PNG header declaring width x height greyscale
 * pixels, followed by the compressed start of its (all-black) rows. A few hundred bytes.
 */
export function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = deflateSync(Buffer.alloc((width + 1) * 4));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', rows),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
