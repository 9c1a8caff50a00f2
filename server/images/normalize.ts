import sharp, { type Metadata } from 'sharp';
import { UploadError } from './errors';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './limits';
import { sniffType } from './sniff';
import {
  IMAGE_TYPES,
  SHARP_FORMAT,
  decodeError,
  decoder,
  encode,
  isLosslessWebp,
  thumbnailOf,
  type EncodedImage,
  type ImageType,
  type StoredImageType,
} from './encode';

export interface NormalizedImage extends EncodedImage {
  /** What the upload was, read from its bytes. */
  sourceType: ImageType;
  /** The upload had several frames (animated GIF or WebP); only the first was kept. */
  animated: boolean;
  /** The upload was larger than limits.maxEdge and was scaled down. */
  downscaled: boolean;
  /** For images larger than limits.thumbnailEdge: the same image fitting in that square. */
  thumbnail?: EncodedImage;
}

// What each accepted type is stored as. A GIF becomes a PNG of its first frame: the
// screenshot guard reads one frame, so a later frame could show a secret it never saw, and
// a PNG keeps a screenshot's pixels exactly where re-quantising to a GIF palette would not.
const STORED_AS: Record<ImageType, StoredImageType> = {
  'image/png': 'image/png',
  'image/jpeg': 'image/jpeg',
  'image/webp': 'image/webp',
  'image/gif': 'image/png',
};

/**
 * Checks an uploaded image and returns a fresh file made from its pixels only.
 *
 * - The type comes from the bytes (file-type signatures), never from a file name or the
 *   client's content type. PNG, JPEG, WebP and GIF are accepted. SVG never is (it is a
 *   document that can carry scripts and links), nor HTML, nor any other format sharp could
 *   decode (TIFF, HEIC, PDF...): only bytes whose signature is one of the four reach sharp.
 * - Decoded and re-encoded with sharp: nothing of the original file survives but its pixels
 *   (no EXIF or GPS, XMP, IPTC, comments, ICC profile; colours converted to sRGB), with the
 *   EXIF orientation applied to the pixels. The one header kept is the pixel density (PNG
 *   pHYs, JPEG JFIF density): a scale, not information about the person or the device. Animated images keep their first frame only
 *   (see STORED_AS for why); a GIF is stored as PNG.
 * - Limits (DEFAULT_IMAGE_LIMITS): bytes before and after, the pixel count of the first frame
 *   from the header before decoding (and by sharp while decoding), a time budget; images
 *   larger than maxEdge are scaled down to fit; a thumbnail for images larger than
 *   thumbnailEdge.
 *
 * Returns `{ type, width, height, bytes, data, thumbnail?, sourceType, animated, downscaled }`
 * (pixels and bytes). Throws UploadError with code unsupported_type (details.detected: the
 * media type the bytes are, details.description: in words), too_large, too_many_pixels,
 * corrupt or timeout. sharp works on libuv's thread pool, so the event loop is not blocked.
 */
export async function inspectAndNormalize(bytes: Uint8Array, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<NormalizedImage> {
  if (bytes.length === 0) throw new UploadError('corrupt', 'The file is empty.');
  if (bytes.length > limits.maxBytes) {
    throw new UploadError('too_large', `This image is larger than ${formatBytes(limits.maxBytes)}.`, { maxBytes: limits.maxBytes });
  }
  const sniffed = await sniffType(bytes);
  const sourceType = IMAGE_TYPES.find((t) => t === sniffed.mime);
  if (!sourceType) {
    throw new UploadError('unsupported_type', `Only PNG, JPEG, WebP and GIF images can be uploaded; this file is ${sniffed.description}.`, {
      detected: sniffed.mime,
      description: sniffed.description,
    });
  }

  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw decodeError(err);
  }
  // A polyglot: the signature says one format, the decoder recognises another.
  if (meta.format !== SHARP_FORMAT[sourceType])
    throw new UploadError('corrupt', 'This image is damaged or incomplete and could not be read.');
  const pixels = meta.width * meta.height;
  if (!(pixels > 0)) throw new UploadError('corrupt', 'This image is damaged or incomplete and could not be read.');
  if (pixels > limits.maxPixels) {
    throw new UploadError('too_many_pixels', `This image has more than ${limits.maxPixels.toLocaleString('en-US')} pixels.`, {
      maxPixels: limits.maxPixels,
      width: meta.width,
      height: meta.height,
    });
  }

  const type = STORED_AS[sourceType];
  const lossless = sourceType === 'image/webp' && isLosslessWebp(bytes);
  const longEdge = Math.max(meta.autoOrient?.width ?? meta.width, meta.autoOrient?.height ?? meta.height);
  const downscaled = longEdge > limits.maxEdge;
  let image: EncodedImage;
  let thumbnail: EncodedImage | undefined;
  try {
    const pipeline = decoder(bytes, limits);
    if (downscaled) pipeline.resize({ width: limits.maxEdge, height: limits.maxEdge, fit: 'inside' });
    image = await encode(pipeline, type, lossless);
    thumbnail = await thumbnailOf(image, limits, lossless);
  } catch (err) {
    throw decodeError(err);
  }
  if (image.bytes > limits.maxBytes) {
    throw new UploadError('too_large', `This image is larger than ${formatBytes(limits.maxBytes)} once converted.`, {
      maxBytes: limits.maxBytes,
    });
  }
  return { ...image, sourceType, animated: (meta.pages ?? 1) > 1, downscaled, ...(thumbnail ? { thumbnail } : {}) };
}

/** "10 MB" style, binary units, for messages. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}
