import sharp, { type Metadata, type OverlayOptions } from 'sharp';
import { UploadError } from './errors';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './limits';
import { SHARP_FORMAT, decodeError, decoder, encode, isLosslessWebp, thumbnailOf, type EncodedImage, type StoredImageType } from './encode';
import { sniffType } from './sniff';

/** A rectangle in image pixels: left, top, width, height (the screenshot guard's `box`). */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * How a region is hidden.
 * - 'pixelate' (default): the region becomes blocks of its average colours, then is softened
 *   with a Gaussian blur. Blocks are squares of at least 16 pixels and of half the region's
 *   smaller side, so on a line of text one block spans about half the line height and
 *   two characters or more: OCR reads nothing and the glyph shapes are gone. Each block
 *   still carries the average ink of those characters; someone who knows the font and the
 *   code's format could test guesses against it, so for a short code 'fill' is stronger.
 * - 'fill': the region becomes one flat colour (its average): nothing of it is left.
 */
export type BlurMode = 'pixelate' | 'fill';

export interface BlurOptions {
  mode?: BlurMode;
  limits?: ImageLimits;
}

export interface BlurredImage extends EncodedImage {
  thumbnail?: EncodedImage;
  /** The rectangles actually hidden: clamped to the image, in whole pixels. */
  boxes: Box[];
}

const MIN_BLOCK = 16;
const MAX_BOXES = 100;
const STORED_TYPES: readonly StoredImageType[] = ['image/png', 'image/jpeg', 'image/webp'];

/**
 * Hides rectangles of a stored image (PNG, JPEG or WebP, as inspectAndNormalize made it) and
 * returns a new image of the same type and size, with a new thumbnail. The input is not
 * changed. Boxes are in the image's pixels (the OCR coordinates of that same stored file);
 * each is rounded outwards to whole pixels and clamped to the image; boxes entirely outside
 * are dropped.
 *
 * Throws UploadError invalid_region (details.index: the first bad box) for anything that is
 * not a finite rectangle of positive size, or for more than 100 boxes; unsupported_type for
 * an input that is not a stored image type; corrupt, too_many_pixels, timeout as for
 * inspectAndNormalize.
 */
export async function blurRegions(bytes: Uint8Array, boxes: readonly Box[], options: BlurOptions = {}): Promise<BlurredImage> {
  const limits = options.limits ?? DEFAULT_IMAGE_LIMITS;
  const mode = options.mode ?? 'pixelate';
  validateBoxes(boxes);

  // Only the stored types reach a decoder (sharp would also parse an SVG, a PDF...).
  const sniffed = await sniffType(bytes);
  const type = STORED_TYPES.find((t) => t === sniffed.mime);
  if (!type) throw new UploadError('unsupported_type', 'Only stored PNG, JPEG and WebP images can be blurred.', { detected: sniffed.mime });
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: limits.maxPixels }).metadata();
  } catch (err) {
    throw decodeError(err);
  }
  if (meta.format !== SHARP_FORMAT[type]) throw new UploadError('corrupt', 'This image is damaged or incomplete and could not be read.');
  const lossless = type === 'image/webp' && isLosslessWebp(bytes);
  // Stored images are already upright; the decoder's auto-orientation is then a no-op.
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  const clamped = boxes.map((b) => clamp(b, width, height)).filter((b): b is Box => b !== null);

  try {
    const source = await decoder(bytes, limits).raw().toBuffer({ resolveWithObject: true });
    const raw = { width: source.info.width, height: source.info.height, channels: source.info.channels };
    const overlays: OverlayOptions[] = await Promise.all(
      clamped.map(async (b) => ({ input: await hide(source.data, raw, b, mode), left: b.x, top: b.y })),
    );
    const pipeline = sharp(source.data, { raw }).composite(overlays);
    const image = await encode(pipeline, type, lossless);
    const thumbnail = await thumbnailOf(image, limits, lossless);
    return { ...image, ...(thumbnail ? { thumbnail } : {}), boxes: clamped };
  } catch (err) {
    throw err instanceof UploadError ? err : decodeError(err);
  }
}

type Raw = { width: number; height: number; channels: 1 | 2 | 3 | 4 };

/** The hidden version of one region, as a PNG the size of the box. */
async function hide(pixels: Buffer, raw: Raw, b: Box, mode: BlurMode): Promise<Buffer> {
  const region = sharp(pixels, { raw }).extract({ left: b.x, top: b.y, width: b.w, height: b.h });
  if (mode === 'fill') {
    // stats() reads its input, not the pipeline: extract the region first.
    const pixelsIn = await region.clone().raw().toBuffer();
    const { channels } = await sharp(pixelsIn, { raw: { width: b.w, height: b.h, channels: raw.channels } }).stats();
    const mean = channels.map((c) => Math.round(c.mean));
    const fill = Buffer.alloc(b.w * b.h * raw.channels);
    for (let i = 0; i < fill.length; i++) fill[i] = mean[i % raw.channels]!;
    return sharp(fill, { raw: { width: b.w, height: b.h, channels: raw.channels } })
      .png()
      .toBuffer();
  }
  const block = Math.max(MIN_BLOCK, Math.ceil(Math.min(b.h, b.w) / 2));
  const cols = Math.max(1, Math.round(b.w / block));
  const rows = Math.max(1, Math.round(b.h / block));
  // Downscale averages each block (box filter), nearest-neighbour upscale makes the blocks.
  const small = await region.resize(cols, rows, { fit: 'fill', kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true });
  const blocks = sharp(small.data, { raw: { width: cols, height: rows, channels: raw.channels } }).resize(b.w, b.h, {
    fit: 'fill',
    kernel: 'nearest',
  });
  const sigma = Math.max(1, block / 4);
  return sharp(await blocks.raw().toBuffer(), { raw: { width: b.w, height: b.h, channels: raw.channels } })
    .blur(sigma)
    .png()
    .toBuffer();
}

function validateBoxes(boxes: readonly Box[]): void {
  if (!Array.isArray(boxes)) throw new UploadError('invalid_region', 'Boxes must be a list of rectangles.');
  if (boxes.length > MAX_BOXES) throw new UploadError('invalid_region', `At most ${MAX_BOXES} areas can be blurred at once.`);
  boxes.forEach((b, index) => {
    const ok =
      b !== null &&
      typeof b === 'object' &&
      [b.x, b.y, b.w, b.h].every((n) => typeof n === 'number' && Number.isFinite(n)) &&
      b.w > 0 &&
      b.h > 0;
    if (!ok)
      throw new UploadError('invalid_region', 'Each area to blur needs a position (x, y) and a positive size (w, h) in pixels.', { index });
  });
}

/** Rounded outwards and clamped to the image; null when nothing of it is inside. */
function clamp(b: Box, width: number, height: number): Box | null {
  const x0 = Math.max(0, Math.floor(b.x));
  const y0 = Math.max(0, Math.floor(b.y));
  const x1 = Math.min(width, Math.ceil(b.x + b.w));
  const y1 = Math.min(height, Math.ceil(b.y + b.h));
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}
