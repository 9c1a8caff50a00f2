import sharp, { type Sharp } from 'sharp';
import { UploadError } from './errors';
import type { ImageLimits } from './limits';

/** The types an uploaded image may be (read from its bytes). */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
/** The types the forum stores: a GIF is stored as a PNG of its first frame. */
export type StoredImageType = 'image/png' | 'image/jpeg' | 'image/webp';

export const IMAGE_TYPES: readonly ImageType[] = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

/** sharp's format name for each accepted type. */
export const SHARP_FORMAT: Record<ImageType, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

export interface EncodedImage {
  type: StoredImageType;
  /** Pixels. */
  width: number;
  height: number;
  /** Length of `data` in bytes. */
  bytes: number;
  data: Buffer;
}

/**
 * The decoder every untrusted image goes through: first frame only, EXIF orientation applied,
 * the pixel cap enforced while decoding, and libvips' "error" failure level: truncated or
 * damaged pixel data is refused, while a decoder warning (cameras often leave a few stray
 * bytes between JPEG markers) is not, since the pixels are re-encoded to a fresh file anyway.
 */
export function decoder(bytes: Uint8Array, limits: ImageLimits): Sharp {
  return sharp(bytes, { failOn: 'error', limitInputPixels: limits.maxPixels, autoOrient: true, pages: 1, page: 0 }).timeout({
    seconds: limits.timeoutSeconds,
  });
}

/**
 * Encodes to a fresh file of `type`. sharp writes no metadata unless asked (no EXIF, GPS,
 * XMP, IPTC, comments or ICC profile) and converts to sRGB. JPEG and lossy WebP at quality 85;
 * a lossless WebP stays lossless (screenshots keep their sharp text).
 */
export async function encode(pipeline: Sharp, type: StoredImageType, lossless = false): Promise<EncodedImage> {
  const p = pipeline.toColourspace('srgb');
  const out =
    type === 'image/png'
      ? p.png()
      : type === 'image/jpeg'
        ? p.jpeg({ quality: 85 })
        : p.webp(lossless ? { lossless: true } : { quality: 85 });
  const { data, info } = await out.toBuffer({ resolveWithObject: true });
  return { type, width: info.width, height: info.height, bytes: data.length, data };
}

/** A thumbnail fitting in limits.thumbnailEdge, or undefined when the image already fits. */
export async function thumbnailOf(image: EncodedImage, limits: ImageLimits, lossless = false): Promise<EncodedImage | undefined> {
  const edge = limits.thumbnailEdge;
  if (!edge || (image.width <= edge && image.height <= edge)) return undefined;
  const pipeline = sharp(image.data, { limitInputPixels: limits.maxPixels }).resize({ width: edge, height: edge, fit: 'inside' });
  return encode(pipeline, image.type, lossless);
}

/** Is this WebP lossless (its first image chunk is VP8L)? Walks the RIFF chunks. */
export function isLosslessWebp(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fourcc = (at: number) => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourcc(at);
    if (id === 'VP8L') return true;
    if (id === 'VP8 ') return false;
    // An animation frame holds its image chunk after a 16-byte frame header.
    if (id === 'ANMF') {
      at += 8 + 16;
      continue;
    }
    const size = view.getUint32(at + 4, true);
    at += 8 + size + (size & 1);
  }
  return false;
}

/** Maps a sharp/libvips failure to the stable error codes. */
export function decodeError(err: unknown): UploadError {
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) return new UploadError('too_many_pixels', 'This image has too many pixels.');
  if (/timeout/i.test(message)) return new UploadError('timeout', 'This image took too long to process.');
  return new UploadError('corrupt', 'This image is damaged or incomplete and could not be read.');
}
