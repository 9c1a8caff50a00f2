import sharp from 'sharp';
import type { Box } from './blur';
import { decodeError } from './encode';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './limits';

/**
 * A preview of a stored image with rectangles drawn on it, numbered 1, 2, ... in the order
 * given: how the screenshot guard shows a member what it found, so the page needs no inline
 * styles (the CSP forbids them) and works without JavaScript. The preview is scaled down to
 * fit `maxEdge` pixels (boxes stay in the stored image's coordinates and are scaled with it).
 *
 * Returns a PNG. Throws UploadError corrupt/timeout/too_many_pixels for an image sharp cannot
 * read within `limits`.
 */
export async function outlineRegions(
  bytes: Uint8Array,
  boxes: readonly Box[],
  options: { maxEdge?: number; limits?: ImageLimits } = {},
): Promise<Buffer> {
  const limits = options.limits ?? DEFAULT_IMAGE_LIMITS;
  const maxEdge = options.maxEdge ?? 1280;
  try {
    const meta = await sharp(bytes, { limitInputPixels: limits.maxPixels }).metadata();
    const scale = Math.min(1, maxEdge / Math.max(meta.width, meta.height));
    const width = Math.max(1, Math.round(meta.width * scale));
    const height = Math.max(1, Math.round(meta.height * scale));
    const stroke = Math.max(2, Math.round(Math.min(width, height) / 200));
    const label = 18;
    const shapes = boxes
      .map((b, i) => {
        const x = Math.round(b.x * scale);
        const y = Math.round(b.y * scale);
        const w = Math.max(1, Math.round(b.w * scale));
        const h = Math.max(1, Math.round(b.h * scale));
        const ly = Math.max(0, y - label);
        return (
          `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#d1242f" stroke-width="${stroke}"/>` +
          `<rect x="${x}" y="${ly}" width="${label}" height="${label}" fill="#d1242f"/>` +
          `<text x="${x + label / 2}" y="${ly + label - 4}" font-family="DejaVu Sans" font-size="13" font-weight="bold" fill="#ffffff" text-anchor="middle">${i + 1}</text>`
        );
      })
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes}</svg>`;
    return await sharp(bytes, { limitInputPixels: limits.maxPixels })
      .timeout({ seconds: limits.timeoutSeconds })
      .resize(width, height, { fit: 'fill' })
      .composite([{ input: Buffer.from(svg), left: 0, top: 0 }])
      .png()
      .toBuffer();
  } catch (err) {
    throw decodeError(err);
  }
}
