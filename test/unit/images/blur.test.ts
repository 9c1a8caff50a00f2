import assert from 'node:assert/strict';
import sharp from 'sharp';
import { UploadError, blurRegions, inspectAndNormalize } from '../../../server/images';
import { renderScreenshot } from '../../helpers/images';

async function rawOf(image: Buffer) {
  return sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
}

/** Standard deviation of the grey levels in a rectangle: text is high, a flat area is ~0. */
async function contrastIn(image: Buffer, box: { x: number; y: number; w: number; h: number }): Promise<number> {
  const region = await sharp(image).extract({ left: box.x, top: box.y, width: box.w, height: box.h }).greyscale().png().toBuffer();
  const stats = await sharp(region).stats(); // stats() reads its input, so extract first
  return stats.channels[0]!.stdev;
}

describe('images/blurRegions', () => {
  let screenshot: Buffer;
  const codeBox = { x: 195, y: 180, w: 190, h: 30 };

  before(async () => {
    screenshot = (await inspectAndNormalize(await renderScreenshot([{ text: 'Access code: K7QP-2M9X-D4LT', x: 60, y: 200, size: 20 }])))
      .data;
  });

  it('hides the boxes and leaves every other pixel as it was', async () => {
    const out = await blurRegions(screenshot, [codeBox]);
    assert.deepEqual([out.type, out.width, out.height], ['image/png', 1280, 800]);
    assert.deepEqual(out.boxes, [codeBox]);
    assert.ok((await contrastIn(screenshot, codeBox)) > 40, 'the input has text there');
    assert.ok((await contrastIn(out.data, codeBox)) < 20, `blurred: ${await contrastIn(out.data, codeBox)}`);

    const [a, b] = await Promise.all([rawOf(screenshot), rawOf(out.data)]);
    let changedOutside = 0;
    for (let y = 0; y < a.info.height; y++) {
      for (let x = 0; x < a.info.width; x++) {
        const inside = x >= codeBox.x && x < codeBox.x + codeBox.w && y >= codeBox.y && y < codeBox.y + codeBox.h;
        const i = (y * a.info.width + x) * a.info.channels;
        if (!inside && (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2])) changedOutside++;
      }
    }
    assert.equal(changedOutside, 0);
  });

  it("'fill' leaves one flat colour", async () => {
    const out = await blurRegions(screenshot, [codeBox], { mode: 'fill' });
    assert.ok((await contrastIn(out.data, codeBox)) < 0.5);
  });

  it('rounds boxes outwards, clamps them to the image and drops those outside it', async () => {
    const out = await blurRegions(screenshot, [
      { x: 1270.5, y: -5, w: 100, h: 20.2 },
      { x: 2000, y: 10, w: 10, h: 10 },
    ]);
    assert.deepEqual(out.boxes, [{ x: 1270, y: 0, w: 10, h: 16 }]);
  });

  it('keeps the type: a JPEG stays a JPEG, with a new thumbnail', async () => {
    const jpeg = (await inspectAndNormalize(await sharp(screenshot).jpeg().toBuffer())).data;
    const out = await blurRegions(jpeg, [codeBox]);
    assert.equal(out.type, 'image/jpeg');
    assert.equal((await sharp(out.data).metadata()).format, 'jpeg');
    assert.deepEqual([out.thumbnail?.width, out.thumbnail?.height], [640, 400]);
  });

  it('does not change its input', async () => {
    const copy = Buffer.from(screenshot);
    await blurRegions(screenshot, [codeBox]);
    assert.ok(copy.equals(screenshot));
  });

  it('refuses boxes that are not rectangles, and too many of them', async () => {
    const bad: unknown[] = [
      { x: 1, y: 1, w: 0, h: 5 },
      { x: 1, y: 1, w: -3, h: 5 },
      { x: NaN, y: 1, w: 3, h: 5 },
      { x: '1', y: 1, w: 3, h: 5 },
      null,
    ];
    for (const box of bad) {
      const err = await blurRegions(screenshot, [codeBox, box as never]).catch((e: unknown) => e);
      assert.ok(err instanceof UploadError, JSON.stringify(box));
      assert.deepEqual([err.code, err.status, err.details?.index], ['invalid_region', 400, 1]);
    }
    const many = Array.from({ length: 101 }, () => codeBox);
    const err = await blurRegions(screenshot, many).catch((e: unknown) => e);
    assert.ok(err instanceof UploadError);
    assert.equal(err.code, 'invalid_region');
  });

  it('refuses bytes that are not a stored image', async () => {
    const err = await blurRegions(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), [codeBox]).catch((e: unknown) => e);
    assert.ok(err instanceof UploadError);
    assert.equal(err.code, 'unsupported_type');
    const text = await blurRegions(Buffer.from('not an image'), [codeBox]).catch((e: unknown) => e);
    assert.ok(text instanceof UploadError);
    assert.equal(text.code, 'unsupported_type');
    const broken = await blurRegions(Buffer.concat([screenshot.subarray(0, 40), Buffer.alloc(64, 9)]), [codeBox]).catch((e: unknown) => e);
    assert.ok(broken instanceof UploadError);
    assert.equal(broken.code, 'corrupt');
  });
});
