import { UploadError } from './errors';
import { DEFAULT_ATTACHMENT_LIMITS, type AttachmentLimits } from './limits';
import { formatBytes } from './normalize';
import { sniffType, type TextCharset } from './sniff';

export type AttachmentType = 'application/pdf' | 'application/zip' | 'text/plain';

export interface IdentifiedAttachment {
  /** Media type to serve it with (as an attachment, with nosniff). */
  type: AttachmentType;
  /** Extension for the download name, without the dot: pdf, zip or txt. */
  extension: 'pdf' | 'zip' | 'txt';
  /** Length in bytes. */
  bytes: number;
  /** Text only: serve as `text/plain; charset=<charset>`. */
  charset?: TextCharset;
}

const ACCEPTED: Record<string, 'pdf' | 'zip'> = { 'application/pdf': 'pdf', 'application/zip': 'zip' };

/**
 * Identifies a non-image attachment (private messages only) by its bytes and refuses
 * anything but PDF, ZIP and plain text (TXT and LOG files are both plain text).
 *
 * - PDF and ZIP by their signatures (file-type). ZIP-based formats file-type tells apart
 *   (Word, Excel, EPUB, JAR, APK...) are not "a ZIP archive" and are refused.
 * - Text has no signature: it is text when it decodes strictly as UTF-8 (with or without a
 *   byte-order mark) or UTF-16 with a byte-order mark, with no control characters but tab,
 *   line breaks, form feed and escape (sniff.ts, decodeText), and does not start like
 *   HTML, SVG or XML (an HTML page renamed .txt is refused as the HTML page it is).
 * - The file is stored as uploaded (not rewritten): it is only ever served for download.
 *
 * Throws UploadError: too_large (details.maxBytes), unsupported_type (details.detected,
 * details.description), corrupt (empty file). Images are not attachments: the caller sends
 * bytes whose sniffed type is an image to inspectAndNormalize instead.
 */
export async function identifyAttachment(
  bytes: Uint8Array,
  limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS,
): Promise<IdentifiedAttachment> {
  if (bytes.length === 0) throw new UploadError('corrupt', 'The file is empty.');
  if (bytes.length > limits.maxBytes) {
    throw new UploadError('too_large', `This file is larger than ${formatBytes(limits.maxBytes)}.`, { maxBytes: limits.maxBytes });
  }
  const sniffed = await sniffType(bytes);
  const binary = ACCEPTED[sniffed.mime];
  if (binary) return { type: sniffed.mime as AttachmentType, extension: binary, bytes: bytes.length };
  if (sniffed.mime === 'text/plain') return { type: 'text/plain', extension: 'txt', bytes: bytes.length, charset: sniffed.charset };
  throw new UploadError('unsupported_type', `Only PDF, ZIP and text files can be attached; this file is ${sniffed.description}.`, {
    detected: sniffed.mime,
    description: sniffed.description,
  });
}
