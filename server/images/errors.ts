import { AppError } from '../kernel/errors';

/**
 * Why an uploaded file was refused. The codes are stable (clients and the upload form key
 * on them); the HTTP status is what the upload route answers with.
 * - unsupported_type (415): the bytes are not one of the accepted types, whatever the file
 *   name or the client's content type said (details.detected names what they are).
 * - too_large (413): more bytes than the limit, before or after re-encoding.
 * - too_many_pixels (413): width x height above the pixel limit (decompression bombs: a
 *   few hundred kilobytes of PNG can declare gigabytes of pixels).
 * - corrupt (422): declared as an accepted type but does not decode (truncated, damaged,
 *   empty, or a polyglot whose decoder disagrees with its signature).
 * - timeout (422): decoding and re-encoding took longer than the time budget.
 * - invalid_region (400): blur rectangles that are not rectangles inside the image.
 */
export type UploadErrorCode = 'unsupported_type' | 'too_large' | 'too_many_pixels' | 'corrupt' | 'timeout' | 'invalid_region';

const STATUS: Record<UploadErrorCode, number> = {
  unsupported_type: 415,
  too_large: 413,
  too_many_pixels: 413,
  corrupt: 422,
  timeout: 422,
  invalid_region: 400,
};

export class UploadError extends AppError {
  declare readonly code: UploadErrorCode;
  constructor(code: UploadErrorCode, message: string, details?: Record<string, unknown>) {
    super(STATUS[code], code, message, details);
  }
}
