import assert from 'node:assert/strict';
import { blurRegions, inspectAndNormalize } from '../../../server/images';
import { createOcrPool, scanImage, type ImageMatch, type OcrPool } from '../../../server/ocr';
import { MONO_ADVANCE, renderScreenshot } from '../../helpers/images';

/**
 * Real Tesseract on generated screenshots: three recognitions (~0.3-0.5 s of CPU each) and
 * one worker start, shared by the tests below.
 */
describe('ocr: the screenshot guard on real OCR', function () {
  this.timeout(60_000);
  const CODE = 'K7QP-2M9X-D4LT';
  // The code in DejaVu Sans Mono, 22 px, left edge 330, baseline 220: its ink box is known.
  const size = 22;
  const codeBox = {
    x: 330,
    y: 220 - Math.round(0.73 * size),
    w: Math.round(CODE.length * MONO_ADVANCE * size),
    h: Math.round(0.73 * size),
  };
  let pool: OcrPool;
  let held: Buffer;
  let heldMatches: ImageMatch[] | undefined;

  before(async () => {
    pool = createOcrPool({ size: 1 });
    const rendered = await renderScreenshot([
      { text: 'Redeem your exam voucher', x: 80, y: 140, size: 26 },
      { text: 'Your access code:', x: 80, y: 220, size },
      { text: CODE, x: 330, y: 220, size, font: 'DejaVu Sans Mono' },
      { text: 'It expires on 12 March 2024.', x: 80, y: 280, size: 18, fill: '#555555' },
    ]);
    held = (await inspectAndNormalize(rendered)).data;
  });

  after(() => pool.close());

  it('holds a screenshot showing an access code, with a box that covers the code', async () => {
    assert.equal(pool.stats().workers, 0, 'no worker before the first image');
    const { matches } = await scanImage(pool, held, { uploadId: 'upload-1' });
    heldMatches = matches;
    assert.equal(matches.length, 1, JSON.stringify(matches));
    const [m] = matches;
    assert.deepEqual([m!.source, m!.uploadId, m!.kind, m!.label], ['image', 'upload-1', 'access_code', 'Access code']);
    const b = m!.box;
    assert.ok(
      b.x <= codeBox.x && b.y <= codeBox.y && b.x + b.w >= codeBox.x + codeBox.w && b.y + b.h >= codeBox.y + codeBox.h,
      `${JSON.stringify(b)} covers ${JSON.stringify(codeBox)}`,
    );
    assert.ok(b.w < codeBox.w * 1.3 && b.h < size * 2, `and not much more: ${JSON.stringify(b)}`);
  });

  it('passes a screenshot showing a version number, a build, a date and a price', async () => {
    const rendered = await renderScreenshot([
      { text: 'About Microsoft Word', x: 80, y: 140, size: 26 },
      { text: 'Microsoft 365 Apps for enterprise', x: 80, y: 220, size: 20 },
      { text: 'Version 2402 (Build 17328.20184 Click-to-Run)', x: 80, y: 260, size: 20 },
      { text: 'Last updated 12 March 2024 - $19.99 per month', x: 80, y: 300, size: 20 },
    ]);
    const { matches, words } = await scanImage(pool, (await inspectAndNormalize(rendered)).data);
    assert.ok(
      words.some((w) => w.text.includes('17328')),
      'the text was read',
    );
    assert.deepEqual(matches, []);
  });

  it('the blurred screenshot no longer reads as the code', async () => {
    const matches = heldMatches ?? (await scanImage(pool, held)).matches;
    assert.ok(matches.length > 0);
    const blurred = await blurRegions(
      held,
      matches.map((m) => m.box),
    );
    const after = await scanImage(pool, blurred.data);
    assert.deepEqual(after.matches, []);
    const text = after.words
      .map((w) => w.text)
      .join('')
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '');
    assert.ok(text.includes('ACCESSCODE'), `the rest is still readable: ${text}`);
    for (const group of CODE.split('-')) assert.ok(!text.includes(group), `"${group}" is not readable in ${text}`);
  });
});
