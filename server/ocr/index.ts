/**
 * Text in images: a pool of OCR workers (Tesseract in worker threads, created lazily and
 * closed by its owner) and the screenshot guard that runs the privacy detectors on what it
 * reads. Rules and measurements: docs/uploads-and-ocr.md, bench/ocr.ts.
 */
export { createOcrPool, type OcrPool, type OcrPoolOptions, type OcrResult, type OcrPoolStats } from './pool';
export { OcrError, type OcrErrorCode } from './errors';
export { parseTsv, type OcrEngine, type OcrEngineWorker, type OcrPage, type OcrWord } from './engine';
export { createTesseractEngine, type TesseractEngineOptions } from './tesseract';
export { findSensitiveInWords, scanImage, type ImageMatch, type ScreenshotGuardOptions } from './screenshot-guard';
