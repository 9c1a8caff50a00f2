import type { Box } from '../images';

/** One word Tesseract read, in the pixels of the image it was given. */
export interface OcrWord {
  text: string;
  /** Tesseract's confidence, 0-100. */
  confidence: number;
  box: Box;
  /** Tesseract's layout, numbered from 1 in reading order: a line change is a new line of text. */
  block: number;
  paragraph: number;
  line: number;
}

/** What one recognition returns. */
export interface OcrPage {
  /** Pixels of the recognised image. */
  width: number;
  height: number;
  /** Words in reading order. */
  words: OcrWord[];
}

/**
 * An OCR engine the pool can run: starting a worker loads the model (hundreds of
 * milliseconds), a worker recognises one image at a time. The real one is
 * createTesseractEngine(); tests of the pool's scheduling may pass their own.
 */
export interface OcrEngine {
  start(): Promise<OcrEngineWorker>;
}

export interface OcrEngineWorker {
  /** Rejects when the engine cannot read the image; the worker stays usable. */
  recognize(image: Uint8Array): Promise<OcrPage>;
  /** Stops the worker at once, even in the middle of a recognition. */
  terminate(): Promise<void>;
  /** `listener` runs once if the worker stops by itself (crash, out of memory). */
  onExit(listener: () => void): void;
}

/**
 * Parses Tesseract's TSV output: one row per layout element, tab-separated columns level,
 * page, block, paragraph, line, word, left, top, width, height, confidence, text. Level 1
 * is the page (its size), level 5 a word. Rows that are not words, or words with no text,
 * are skipped.
 */
export function parseTsv(tsv: string): OcrPage {
  const page: OcrPage = { width: 0, height: 0, words: [] };
  for (const row of tsv.split('\n')) {
    const cols = row.split('\t');
    if (cols.length < 12) continue;
    const [level, , block, paragraph, line, , left, top, width, height, conf] = cols.slice(0, 11).map(Number);
    if (level === 1) {
      page.width = width!;
      page.height = height!;
    }
    const text = cols.slice(11).join('\t').trim();
    if (level !== 5 || !text) continue;
    page.words.push({
      text,
      confidence: Math.max(0, conf!),
      box: { x: left!, y: top!, w: width!, h: height! },
      block: block!,
      paragraph: paragraph!,
      line: line!,
    });
  }
  return page;
}
