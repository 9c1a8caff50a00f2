import type { Box } from '../images';
import { findSensitive, type SensitiveKind } from '../privacy';
import type { OcrWord } from './engine';
import type { OcrPool } from './pool';

/**
 * A finding in an image, the way a held post reports it (issue 16's contract, next to the
 * text matches of a 422 sensitive_data answer): which upload, where (a rectangle in the
 * stored image's pixels, covering the words of the finding plus a margin), and what kind.
 */
export interface ImageMatch {
  source: 'image';
  uploadId?: string;
  box: Box;
  kind: SensitiveKind;
  /** Human name for the kind, e.g. "Access code". */
  label: string;
}

export interface ScreenshotGuardOptions {
  uploadId?: string;
  /** The image's size in pixels: boxes are clamped to it. */
  imageSize?: { width: number; height: number };
  /** Margin around the words, as a fraction of the tallest word's height (antialiasing, descenders). Default 0.25. */
  margin?: number;
}

/**
 * The public-post guard for text inside an image: runs the privacy detectors (findSensitive
 * from server/privacy, unchanged, so new detectors apply here too) on the text Tesseract read
 * and maps each finding back to the words it covers.
 *
 * OCR noise. Each image's words are checked twice and the findings merged:
 * 1. as read, with every dash-like character (en and em dash, minus sign, ...) read as "-";
 * 2. "folded", undoing Tesseract's usual confusions token by token, one character for one:
 *    in a token that is mostly digits, O o Q D → 0, I l i | → 1, S s → 5, B → 8, Z z → 2,
 *    G → 6, A → 4 ("MCID: l2345678O"); in a word of three or more letters with one or two
 *    digits, 0 → O, 1 → I, 5 → S, 8 → B ("c0de", "MC1D"); in an upper-case code, a stray
 *    l or i → 1 and o → 0 ("K7QP-2M9X-D4lT"); and words are joined without a space where
 *    a dash or an "@" was split off, or an address split after a dot ("K7QP- 2M9X",
 *    "jane. doe@example.com", "lee31@contoso. com").
 * The folded reading is there to recover what the detectors would find in the true text;
 * it can also fold an ordinary token into something that looks like a code after a code
 * keyword (test/unit/ocr/screenshot-guard.test.ts and bench/ocr.ts measure false positives).
 *
 * Returns matches in reading order; [] when there are none or no words.
 */
export function findSensitiveInWords(words: readonly OcrWord[], options: ScreenshotGuardOptions = {}): ImageMatch[] {
  const usable = words.filter((w) => w.text.trim() !== '');
  if (usable.length === 0) return [];

  const findings: { kind: SensitiveKind; label: string; words: Set<number> }[] = [];
  for (const reading of [read(usable, false), read(usable, true)]) {
    for (const m of findSensitive(reading.text)) {
      const covered = new Set<number>();
      reading.spans.forEach(([start, end], i) => {
        if (start < m.end && end > m.start) covered.add(i);
      });
      if (covered.size > 0) findings.push({ kind: m.kind, label: m.label, words: covered });
    }
  }

  // Merge the two readings: the larger finding first; an overlapping one of the same kind
  // widens it, one of another kind is dropped (the detectors already chose within a reading).
  findings.sort((a, b) => b.words.size - a.words.size);
  const kept: typeof findings = [];
  for (const f of findings) {
    const overlapping = kept.find((k) => [...f.words].some((i) => k.words.has(i)));
    if (!overlapping) kept.push(f);
    else if (overlapping.kind === f.kind) for (const i of f.words) overlapping.words.add(i);
  }

  const margin = options.margin ?? 0.25;
  return kept
    .map((f) => {
      const box = boxAround(
        [...f.words].map((i) => usable[i]!.box),
        margin,
        options.imageSize,
      );
      return {
        source: 'image' as const,
        ...(options.uploadId !== undefined ? { uploadId: options.uploadId } : {}),
        box,
        kind: f.kind,
        label: f.label,
      };
    })
    .sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
}

interface Reading {
  text: string;
  /** [start, end) of each word in `text`. */
  spans: [number, number][];
}

const DASHES = /[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d]/g;

function read(words: readonly OcrWord[], folded: boolean): Reading {
  let text = '';
  let prevWord = '';
  const spans: [number, number][] = [];
  words.forEach((w, i) => {
    const token = normalizeDashes(w.text.trim());
    const word = folded ? fold(token) : token;
    const prev = words[i - 1];
    if (prev) {
      const sameLine = prev.block === w.block && prev.paragraph === w.paragraph && prev.line === w.line;
      if (!sameLine) text += prev.block === w.block ? '\n' : '\n\n';
      else if (!(folded && glued(prevWord, word))) text += ' ';
    }
    spans.push([text.length, text.length + word.length]);
    text += word;
    prevWord = word;
  });
  return { text, spans };
}

function normalizeDashes(s: string): string {
  return s.replace(DASHES, '-');
}

/** Should two words of a line be read as one (a split dash, e-mail address)? */
function glued(prev: string, next: string): boolean {
  if (prev.endsWith('-') || next.startsWith('-') || prev.endsWith('@') || next.startsWith('@')) return true;
  // An address split after a dot, in its local part or its domain.
  return (/^[\w.+-]+\.$/.test(prev) && /^[\w.+-]+@/.test(next)) || (/^[\w.+-]+@[\w.-]+\.$/.test(prev) && /^[a-z]{2,24}\b/i.test(next));
}

const TO_DIGIT: Record<string, string> = {
  O: '0',
  o: '0',
  Q: '0',
  D: '0',
  I: '1',
  l: '1',
  i: '1',
  '|': '1',
  S: '5',
  s: '5',
  B: '8',
  Z: '2',
  z: '2',
  G: '6',
  A: '4',
};
const TO_LETTER: Record<string, string> = { '0': 'O', '1': 'I', '5': 'S', '8': 'B' };
const IN_CODE: Record<string, string> = { l: '1', i: '1', o: '0' };

/** One token with Tesseract's usual confusions undone; same length as the input. */
function fold(token: string): string {
  const letters = (token.match(/[a-z]/gi) ?? []).length;
  const digits = (token.match(/\d/g) ?? []).length;
  const upper = (token.match(/[A-Z]/g) ?? []).length;
  if (digits >= 2 && digits > letters) return token.replace(/[OoQDIli|SsBZzGA]/g, (c) => TO_DIGIT[c]!);
  if (letters >= 3 && digits >= 1 && digits <= 2 && letters > 2 * digits && !token.includes('-')) {
    return token.replace(/[0158]/g, (c) => TO_LETTER[c]!);
  }
  if (upper >= 3 && digits >= 1 && /^[A-Z0-9lio-]+$/.test(token) && letters - upper <= 2)
    return token.replace(/[lio]/g, (c) => IN_CODE[c]!);
  return token;
}

function boxAround(boxes: Box[], margin: number, imageSize?: { width: number; height: number }): Box {
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.w));
  const y1 = Math.max(...boxes.map((b) => b.y + b.h));
  const pad = Math.max(2, Math.ceil(margin * Math.max(...boxes.map((b) => b.h))));
  const left = Math.max(0, x0 - pad);
  const top = Math.max(0, y0 - pad);
  const right = imageSize ? Math.min(imageSize.width, x1 + pad) : x1 + pad;
  const bottom = imageSize ? Math.min(imageSize.height, y1 + pad) : y1 + pad;
  return { x: left, y: top, w: right - left, h: bottom - top };
}

/**
 * OCR then guard, for one stored image: `matches` in that image's pixels ([] when it shows
 * nothing private), with the words read and the recognition time (ms). Rejects with the
 * pool's OcrError codes.
 */
export async function scanImage(
  pool: Pick<OcrPool, 'recognize'>,
  image: Uint8Array,
  options: Omit<ScreenshotGuardOptions, 'imageSize'> = {},
): Promise<{ matches: ImageMatch[]; words: OcrWord[]; ms: number }> {
  const page = await pool.recognize(image);
  const imageSize = page.width > 0 && page.height > 0 ? { width: page.width, height: page.height } : undefined;
  const matches = findSensitiveInWords(page.words, { ...options, ...(imageSize ? { imageSize } : {}) });
  return { matches, words: page.words, ms: page.ms };
}
