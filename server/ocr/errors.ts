import { AppError } from '../kernel/errors';

/**
 * Why a recognition did not happen. Stable codes; the status is what a route answers when
 * it cannot go on without the text (a route may also decide to hold the post instead).
 * - ocr_busy (503): the queue is full (OcrPoolOptions.queueLimit jobs already wait).
 * - ocr_timeout (503): the job ran longer than its time budget; its worker was stopped.
 * - ocr_failed (422): the engine could not read the image, or its worker died.
 * - ocr_unavailable (503): no worker could be started (language data missing, ...).
 * - ocr_closed (503): the pool was closed (the process is shutting down).
 */
export type OcrErrorCode = 'ocr_busy' | 'ocr_timeout' | 'ocr_failed' | 'ocr_unavailable' | 'ocr_closed';

const STATUS: Record<OcrErrorCode, number> = {
  ocr_busy: 503,
  ocr_timeout: 503,
  ocr_failed: 422,
  ocr_unavailable: 503,
  ocr_closed: 503,
};

export class OcrError extends AppError {
  declare readonly code: OcrErrorCode;
  constructor(code: OcrErrorCode, message: string, details?: Record<string, unknown>) {
    super(STATUS[code], code, message, details);
  }
}
