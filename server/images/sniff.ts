import { fileTypeFromBuffer } from 'file-type';

/**
 * What a file is, read from its bytes alone (never from its name or the client's content
 * type). Binary formats are recognised by their signatures (file-type); text has no
 * signature, so it is recognised by decoding (see `decodeText`) and then checked for markup
 * at its start, the way browsers decide a file "looks like" HTML when they sniff (the WHATWG
 * MIME Sniffing standard's tag list), so an HTML or SVG file renamed .txt or .png is known
 * for what it is.
 */
export interface SniffedType {
  /** Media type: 'image/png', 'application/pdf', 'text/plain', 'text/html', 'image/svg+xml'... */
  mime: string;
  /** Usual extension without the dot ('png', 'txt'); 'bin' when unknown. */
  ext: string;
  /** For people: "a PNG image", "an HTML document", "binary data of an unknown type". */
  description: string;
  /** Text only: the encoding the bytes were decoded with. */
  charset?: TextCharset;
}

export type TextCharset = 'utf-8' | 'utf-16le' | 'utf-16be';

const DESCRIPTIONS: Record<string, string> = {
  png: 'a PNG image',
  jpg: 'a JPEG image',
  webp: 'a WebP image',
  gif: 'a GIF image',
  avif: 'an AVIF image',
  heic: 'a HEIC image',
  tif: 'a TIFF image',
  bmp: 'a BMP image',
  ico: 'an icon file',
  pdf: 'a PDF document',
  zip: 'a ZIP archive',
  docx: 'a Word document',
  xlsx: 'an Excel workbook',
  pptx: 'a PowerPoint presentation',
  exe: 'a Windows program',
  xml: 'an XML document',
  svg: 'an SVG image',
  html: 'an HTML document',
  txt: 'a text file',
};

/** Sniffs the bytes. Never throws for any input; an empty buffer is "empty". */
export async function sniffType(bytes: Uint8Array): Promise<SniffedType> {
  if (bytes.length === 0) return { mime: 'application/x-empty', ext: 'bin', description: 'an empty file' };
  // A byte-order mark says text: signature matching would read the UTF-16 ones as MPEG audio.
  const bom = startsWithBom(bytes) ? decodeText(bytes) : null;
  const found = bom ? undefined : await fileTypeFromBuffer(bytes);
  if (found && found.ext !== 'xml') return { mime: found.mime, ext: found.ext, description: describe(found.ext) };
  // XML (file-type's only text format) goes through the text path to tell SVG apart.
  const text = bom ?? decodeText(bytes);
  if (!text) return { mime: 'application/octet-stream', ext: 'bin', description: 'binary data of an unknown type' };
  const markup = markupAtStart(text.text);
  if (markup) return { ...markup, description: describe(markup.ext), charset: text.charset };
  return { mime: 'text/plain', ext: 'txt', description: describe('txt'), charset: text.charset };
}

function startsWithBom(b: Uint8Array): boolean {
  return (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) || (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff);
}

function describe(ext: string): string {
  return DESCRIPTIONS[ext] ?? `a .${ext} file`;
}

// C0 controls a text or log file may hold: TAB, LF, VT, FF, CR and ESC (ANSI colours in
// terminal logs). Any other (NUL above all) means binary data.
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000e-\u001a\u001c-\u001f\u007f]/;

/**
 * The text in the bytes, or null when they are not text: UTF-8 (with or without a byte-order
 * mark) or UTF-16 with a byte-order mark, strictly decoded (an invalid sequence means
 * binary), holding no control characters but the ones above.
 */
export function decodeText(bytes: Uint8Array): { text: string; charset: TextCharset } | null {
  let charset: TextCharset = 'utf-8';
  let body = bytes;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) body = bytes.subarray(3);
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) [charset, body] = ['utf-16le', bytes.subarray(2)];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [charset, body] = ['utf-16be', bytes.subarray(2)];
  let text: string;
  try {
    text = new TextDecoder(charset, { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return null;
  }
  if (FORBIDDEN_CONTROLS.test(text)) return null;
  return { text, charset };
}

// The tags with which browsers recognise HTML when sniffing, each followed by a space or ">".
const HTML_START = /^(?:<!doctype\s+html|<(?:html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p)(?=[\s>/])|<!--)/i;

function markupAtStart(text: string): { mime: string; ext: string } | null {
  const start = text.replace(/^[\s\ufeff]+/, '').slice(0, 4096);
  if (HTML_START.test(start)) return { mime: 'text/html', ext: 'html' };
  if (/^<svg[\s>/]/i.test(start)) return { mime: 'image/svg+xml', ext: 'svg' };
  if (/^<\?xml[\s?]/i.test(start)) {
    // An SVG usually starts with an XML declaration, a comment or a DOCTYPE first.
    if (/<svg[\s>/]/i.test(start)) return { mime: 'image/svg+xml', ext: 'svg' };
    return { mime: 'application/xml', ext: 'xml' };
  }
  return null;
}
