/**
 * Limits for uploaded images and attachments. The defaults suit screenshots: a 4K display
 * (3840x2160) passes untouched, a 5K one is scaled down to 4096 wide, and a 10 MiB cap holds
 * any PNG screenshot of a real screen. The composition root may override them from config.
 */
export interface ImageLimits {
  /** Bytes, checked on the upload before decoding and on the re-encoded file. */
  maxBytes: number;
  /**
   * Pixels (width x height of the first frame), checked from the header before decoding and
   * again by sharp's limitInputPixels while decoding. Guards against decompression bombs.
   */
  maxPixels: number;
  /** Pixels: images whose longer side is longer are scaled down to fit (never refused). */
  maxEdge: number;
  /** Pixels: images whose longer side is longer get a thumbnail that fits in this square; 0: none. */
  thumbnailEdge: number;
  /** Seconds of libvips work per image before it is abandoned (sharp's timeout()). */
  timeoutSeconds: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  maxEdge: 4096,
  thumbnailEdge: 640,
  timeoutSeconds: 20,
});

export interface AttachmentLimits {
  /** Bytes. */
  maxBytes: number;
}

export const DEFAULT_ATTACHMENT_LIMITS: Readonly<AttachmentLimits> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
});
