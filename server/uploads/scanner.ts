import type { Types } from 'mongoose';
import type { Models } from '../../models';
import type { ScanStatus } from '../../models/upload';
import type { Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import { OcrError, scanImage, type ImageMatch, type OcrPool } from '../ocr';
import type { BlobStore } from './store';

/** What the guard knows about one image once it stops waiting. */
export interface ScanState {
  status: ScanStatus;
  matches: Pick<ImageMatch, 'box' | 'kind' | 'label'>[];
  /** failed: the OcrError code. */
  error: string | null;
}

export interface Scanner {
  /** False when the screenshot guard is off (OCR_WORKERS=0): images are not read. */
  readonly enabled: boolean;
  /** Starts reading a stored image in the background; the result is written to its upload. */
  start(uploadId: Types.ObjectId, image: Buffer): void;
  /**
   * The scan of an upload, waiting at most `waitMs` for one in progress. A pending scan that
   * is not running in this process (a restart, another process) and a failure that may pass
   * (busy, timeout, unavailable, closed) are started again; an image the engine cannot read
   * stays failed. Resolves with status 'pending' when the wait runs out.
   */
  settle(upload: { _id: Types.ObjectId; fileId: Types.ObjectId | null; scan: ScanState }, waitMs: number): Promise<ScanState>;
  /** Waits for the scans running in this process to finish or fail (after the pool is closed). */
  drain(): Promise<void>;
}

const RETRIED = new Set(['ocr_busy', 'ocr_timeout', 'ocr_unavailable', 'ocr_closed']);

/**
 * The screenshot guard's reading side: OCR at upload time in the pool's worker threads (the
 * request that uploaded never waits for it), each result cached on the upload document
 * (`scan`: status, boxes and kinds, never the text read). Publishing asks `settle()`.
 */
export function createScanner(deps: {
  pool: OcrPool | null;
  Upload: Models['Upload'];
  store: BlobStore;
  clock: Clock;
  logger: Logger;
}): Scanner {
  const { pool, Upload, store, clock, logger } = deps;
  const running = new Map<string, Promise<ScanState>>();

  async function scan(uploadId: Types.ObjectId, image: Buffer): Promise<ScanState> {
    let state: ScanState;
    let ms: number | null = null;
    try {
      const result = await scanImage(pool!, image, { uploadId: String(uploadId) });
      ms = Math.round(result.ms);
      const matches = result.matches.map(({ box, kind, label }) => ({ box, kind, label }));
      state = { status: matches.length ? 'flagged' : 'clean', matches, error: null };
    } catch (err) {
      const code = err instanceof OcrError ? err.code : 'ocr_failed';
      if (!(err instanceof OcrError)) logger.error({ err, uploadId: String(uploadId) }, 'screenshot guard failed');
      state = { status: 'failed', matches: [], error: code };
    }
    // Only a scan still wanted is written: a deleted (blurred) upload keeps no findings.
    await Upload.updateOne(
      { _id: uploadId, deletedAt: null, 'scan.status': { $in: ['pending', 'failed'] } },
      { $set: { scan: { ...state, at: clock.now(), ms } } },
    ).catch((err: unknown) => logger.error({ err, uploadId: String(uploadId) }, 'could not store the screenshot guard result'));
    return state;
  }

  function start(uploadId: Types.ObjectId, image: Buffer): Promise<ScanState> {
    const key = String(uploadId);
    const job = scan(uploadId, image).finally(() => running.delete(key));
    running.set(key, job);
    return job;
  }

  async function restart(upload: { _id: Types.ObjectId; fileId: Types.ObjectId | null }): Promise<ScanState | null> {
    const key = String(upload._id);
    const already = running.get(key);
    if (already) return already;
    const image = upload.fileId ? await store.read(upload.fileId) : null;
    if (!image) return null;
    await Upload.updateOne({ _id: upload._id, 'scan.status': 'failed' }, { $set: { 'scan.status': 'pending', 'scan.error': null } });
    return start(upload._id, image);
  }

  return {
    enabled: pool !== null,
    start(uploadId, image) {
      if (pool) void start(uploadId, image);
    },
    async settle(upload, waitMs) {
      const s = upload.scan;
      if (!pool || s.status === 'clean' || s.status === 'flagged' || s.status === 'skipped') return s;
      if (s.status === 'failed' && !RETRIED.has(s.error ?? '')) return s;
      const job = running.get(String(upload._id)) ?? (await restart(upload));
      if (!job) return { status: 'failed', matches: [], error: 'ocr_failed' };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ScanState>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'pending', matches: [], error: null }), waitMs);
      });
      try {
        return await Promise.race([job, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async drain() {
      await Promise.allSettled([...running.values()]);
    },
  };
}
