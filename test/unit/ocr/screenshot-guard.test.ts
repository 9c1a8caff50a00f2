import assert from 'node:assert/strict';
import { findSensitiveInWords, parseTsv, type OcrWord } from '../../../server/ocr';

/**
 * Words as Tesseract lays them out: one entry per line of text, words 10 px per character
 * wide with 8 px gaps, lines 16 px high and 30 px apart.
 */
function page(...lines: (string | { text: string; block: number })[]): OcrWord[] {
  const words: OcrWord[] = [];
  lines.forEach((l, i) => {
    const { text, block } = typeof l === 'string' ? { text: l, block: 1 } : l;
    let x = 20;
    for (const w of text.split(' ').filter(Boolean)) {
      words.push({ text: w, confidence: 90, box: { x, y: 100 + 30 * i, w: 10 * w.length, h: 16 }, block, paragraph: 1, line: i + 1 });
      x += 10 * w.length + 8;
    }
  });
  return words;
}

/** The box of the given words of `words` (by text), with the guard's default 4 px margin. */
function around(words: OcrWord[], ...texts: string[]) {
  const boxes = texts.map((t) => words.find((w) => w.text === t)!.box);
  const x0 = Math.min(...boxes.map((b) => b.x)) - 4;
  const y0 = Math.min(...boxes.map((b) => b.y)) - 4;
  const x1 = Math.max(...boxes.map((b) => b.x + b.w)) + 4;
  const y1 = Math.max(...boxes.map((b) => b.y + b.h)) + 4;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

describe('ocr/findSensitiveInWords', () => {
  it('finds an access code and boxes exactly its word', () => {
    const words = page('Sign in to continue', 'Your access code is K7QP-2M9X-D4LT', 'Version 16.0.17328.20184');
    const matches = findSensitiveInWords(words, { uploadId: 'up1' });
    assert.deepEqual(matches, [
      { source: 'image', uploadId: 'up1', box: around(words, 'K7QP-2M9X-D4LT'), kind: 'access_code', label: 'Access code' },
    ]);
  });

  it('covers every word of a finding (a grouped certification ID) and nothing of its label', () => {
    const words = page('MCID: 1234 5678 9');
    const [m] = findSensitiveInWords(words);
    assert.equal(m?.kind, 'certification_id');
    assert.deepEqual(m.box, around(words, '1234', '5678', '9'));
    assert.equal('uploadId' in m, false);
  });

  it('reads a label above its value (dialogs put the code on the next line)', () => {
    const words = page('Access code', 'K7QP2M9XD4', { text: 'Close', block: 2 });
    const matches = findSensitiveInWords(words);
    assert.deepEqual(
      matches.map((m) => [m.kind, m.box]),
      [['access_code', around(words, 'K7QP2M9XD4')]],
    );
  });

  it('finds several kinds, in reading order', () => {
    const words = page('Contact: jane.roe@example.com', 'Certification ID: 987654321', 'Card 4111 1111 1111 1111');
    assert.deepEqual(
      findSensitiveInWords(words).map((m) => m.kind),
      ['email', 'certification_id', 'card_number'],
    );
  });

  describe('OCR noise', () => {
    const cases: [string, string[], string, string[]][] = [
      ['O and l read for 0 and 1 in an ID', ['MCID: l2345678O'], 'certification_id', ['l2345678O']],
      ['a keyword with a zero for an o', ['Access c0de: AB12CD34EF'], 'access_code', ['AB12CD34EF']],
      ['a keyword with a one for an I', ['MC1D: 123456789'], 'certification_id', ['123456789']],
      ['em dashes for hyphens', ['Your code K7QP\u20142M9X\u2014D4LT expired'], 'access_code', ['K7QP\u20142M9X\u2014D4LT']],
      ['a lower-case l in an upper-case code', ['K7QP-2M9X-D4lT was refused'], 'access_code', ['K7QP-2M9X-D4lT']],
      ['a code split at a dash', ['K7QP- 2M9X-D4LT was refused'], 'access_code', ['K7QP-', '2M9X-D4LT']],
      ['an address split after a dot', ['write to jane. roe@example.com'], 'email', ['jane.', 'roe@example.com']],
      ['an address split in its domain', ['Email: lee3l@contoso. com'], 'email', ['lee3l@contoso.', 'com']],
    ];
    for (const [name, lines, kind, covered] of cases) {
      it(name, () => {
        const words = page(...lines);
        const matches = findSensitiveInWords(words);
        assert.deepEqual(
          matches.map((m) => [m.kind, m.box]),
          [[kind, around(words, ...covered)]],
        );
      });
    }
  });

  it('passes ordinary screenshots: versions, builds, dates, prices, error codes, KB and order numbers', () => {
    const words = page(
      'Microsoft 365 Apps for enterprise Version 2402 (Build 17328.20184 Click-to-Run)',
      'Windows 11 Pro 23H2 OS build 22631.3880 installed on 12/03/2024',
      'Error code: 0x80070005 - see KB5034441 for details',
      'Order 1234567 total $19.99 paid on 12 March 2024 at 10:45 AM',
      'Office 2O21 16.0.14332.20615 x64 - 1O:45',
      'Status code: 404 Page not found (HTTP 1.1)',
    );
    assert.deepEqual(findSensitiveInWords(words), []);
  });

  it('clamps boxes to the image and handles pages without words', () => {
    const words: OcrWord[] = [
      { text: 'MCID:', confidence: 90, box: { x: 0, y: 1, w: 50, h: 16 }, block: 1, paragraph: 1, line: 1 },
      { text: '123456789', confidence: 60, box: { x: 58, y: 1, w: 90, h: 16 }, block: 1, paragraph: 1, line: 1 },
    ];
    assert.deepEqual(findSensitiveInWords(words, { imageSize: { width: 150, height: 18 } })[0]?.box, { x: 54, y: 0, w: 96, h: 18 });
    assert.deepEqual(findSensitiveInWords([]), []);
    assert.deepEqual(findSensitiveInWords([{ ...words[0]!, text: ' ' }]), []);
  });
});

describe('ocr/parseTsv', () => {
  it("reads the page size and the words of Tesseract's TSV", () => {
    const tsv = [
      '1\t1\t0\t0\t0\t0\t0\t0\t1280\t800\t-1\t',
      '2\t1\t1\t0\t0\t0\t21\t19\t527\t304\t-1\t',
      '4\t1\t1\t1\t1\t0\t21\t19\t253\t12\t-1\t',
      '5\t1\t1\t1\t1\t1\t21\t19\t95\t12\t96.5\tAccess',
      '5\t1\t1\t1\t1\t2\t124\t19\t84\t12\t93.2\tcode:',
      '5\t1\t1\t1\t2\t1\t21\t40\t5\t1\t-1\t ',
      '5\t1\t2\t1\t1\t1\t30\t60\t70\t14\t41\tK7QP-2M9X',
      '',
    ].join('\n');
    assert.deepEqual(parseTsv(tsv), {
      width: 1280,
      height: 800,
      words: [
        { text: 'Access', confidence: 96.5, box: { x: 21, y: 19, w: 95, h: 12 }, block: 1, paragraph: 1, line: 1 },
        { text: 'code:', confidence: 93.2, box: { x: 124, y: 19, w: 84, h: 12 }, block: 1, paragraph: 1, line: 1 },
        { text: 'K7QP-2M9X', confidence: 41, box: { x: 30, y: 60, w: 70, h: 14 }, block: 2, paragraph: 1, line: 1 },
      ],
    });
  });
});
