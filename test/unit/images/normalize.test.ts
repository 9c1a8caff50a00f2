import assert from 'node:assert/strict';
import sharp from 'sharp';
import { DEFAULT_IMAGE_LIMITS, UploadError, inspectAndNormalize, type UploadErrorCode } from '../../../server/images';
import { pngDeclaring, solid, withJpegComment, withPngChunk } from '../../helpers/images';

async function refused(promise: Promise<unknown>, code: UploadErrorCode, status: number): Promise<UploadError> {
  const err = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UploadError, String(err));
  assert.equal(err.code, code);
  assert.equal(err.status, status);
  assert.ok(err.message.length > 10);
  return err;
}

/** Average colour of the pixel at (x, y). */
async function pixel(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).extract({ left: x, top: y, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
  return [...data.subarray(0, info.channels)];
}

describe('images/inspectAndNormalize', () => {
  it('re-encodes a PNG to a fresh PNG and reports its size', async () => {
    const input = await solid(300, 200, 'png');
    const out = await inspectAndNormalize(input);
    assert.equal(out.type, 'image/png');
    assert.equal(out.sourceType, 'image/png');
    assert.equal(out.width, 300);
    assert.equal(out.height, 200);
    assert.equal(out.bytes, out.data.length);
    assert.equal(out.animated, false);
    assert.equal(out.downscaled, false);
    assert.equal(out.thumbnail, undefined);
    assert.equal((await sharp(out.data).metadata()).format, 'png');
  });

  it('removes EXIF (camera, author, GPS), XMP and JPEG comments, and applies the orientation', async () => {
    // Left half red, right half blue; EXIF orientation 6 says "rotate 90° clockwise to show".
    const left = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const base = sharp({ create: { width: 40, height: 20, channels: 3, background: '#0000ff' } }).composite([
      { input: left, left: 0, top: 0 },
    ]);
    const tagged = await base
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({
        IFD0: { Make: 'SecretCam', Artist: 'Jane Roe' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
      })
      .withXmp(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>XMPSECRET</x:xmpmeta>',
      )
      .toBuffer();
    const input = withJpegComment(tagged, 'COMMENTSECRET');
    // The input really carries all of it (so the test can fail).
    const before = await sharp(input).metadata();
    assert.equal(before.orientation, 6);
    assert.ok(before.exif?.includes('SecretCam'));
    assert.ok(before.exif?.includes(Buffer.from([0x25, 0x88])), 'GPS IFD pointer (tag 0x8825) present');
    assert.ok(before.xmp?.includes('XMPSECRET'));
    assert.ok(input.includes('COMMENTSECRET'));

    const out = await inspectAndNormalize(input);
    assert.equal(out.type, 'image/jpeg');
    const after = await sharp(out.data).metadata();
    assert.equal(after.exif, undefined);
    assert.equal(after.xmp, undefined);
    assert.equal(after.iptc, undefined);
    assert.equal(after.icc, undefined);
    assert.equal(after.orientation, undefined);
    for (const secret of ['SecretCam', 'Jane Roe', 'XMPSECRET', 'COMMENTSECRET', 'Exif\0\0']) assert.ok(!out.data.includes(secret), secret);
    // Rotated into the pixels: now 20 wide, 40 high, red on top.
    assert.deepEqual([out.width, out.height], [20, 40]);
    const [r1, , b1] = await pixel(out.data, 10, 5);
    const [r2, , b2] = await pixel(out.data, 10, 35);
    assert.ok(r1! > 200 && b1! < 60, `top is red: ${r1},${b1}`);
    assert.ok(b2! > 200 && r2! < 60, `bottom is blue: ${r2},${b2}`);
  });

  it('converts an embedded colour profile to sRGB and drops the profile', async () => {
    const input = await sharp({ create: { width: 30, height: 30, channels: 3, background: '#00aa44' } })
      .jpeg()
      .withIccProfile('p3')
      .toBuffer();
    assert.ok((await sharp(input).metadata()).hasProfile);
    const out = await inspectAndNormalize(input);
    assert.equal((await sharp(out.data).metadata()).hasProfile, false);
  });

  it('drops PNG text chunks (a script in a comment does not survive)', async () => {
    const payload = '<script>alert(document.cookie)</script>';
    const input = withPngChunk(await solid(40, 40, 'png'), 'tEXt', Buffer.from(`Comment\0${payload}`, 'latin1'));
    assert.equal((await sharp(input).metadata()).comments?.[0]?.text, payload);
    const out = await inspectAndNormalize(input);
    assert.ok(!out.data.includes('<script>'));
    assert.equal((await sharp(out.data).metadata()).comments, undefined);
  });

  it('reads the type from the bytes: a PNG sent as "photo.jpg" with image/jpeg stays a PNG', async () => {
    // The function takes no name or client type at all; the bytes are a PNG.
    const out = await inspectAndNormalize(await solid(10, 10, 'png'));
    assert.equal(out.sourceType, 'image/png');
    assert.equal(out.type, 'image/png');
  });

  it('refuses HTML, SVG and other non-images by what their bytes are', async () => {
    const cases: [string, Buffer | string, string][] = [
      ['HTML renamed .png', '<!DOCTYPE html><html><body><script>alert(1)</script></body></html>', 'text/html'],
      ['HTML fragment', '  \n<script src="https://evil.example/x.js"></script>', 'text/html'],
      ['SVG', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>', 'image/svg+xml'],
      ['SVG with an XML declaration', '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>', 'image/svg+xml'],
      ['plain text', 'just some text', 'text/plain'],
      ['PDF', '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF', 'application/pdf'],
      ['random bytes', Buffer.from([0, 1, 2, 3, 250, 251, 252, 0, 0, 7]), 'application/octet-stream'],
    ];
    for (const [name, bytes, detected] of cases) {
      const err = await refused(inspectAndNormalize(Buffer.from(bytes)), 'unsupported_type', 415);
      assert.equal(err.details?.detected, detected, name);
    }
  });

  it('refuses formats sharp could decode but the forum does not accept (TIFF)', async () => {
    const err = await refused(inspectAndNormalize(await solid(10, 10, 'tiff')), 'unsupported_type', 415);
    assert.equal(err.details?.detected, 'image/tiff');
    assert.match(err.message, /TIFF/);
  });

  it('refuses more bytes than the limit, before decoding', async () => {
    const input = await solid(200, 200, 'png');
    const err = await refused(inspectAndNormalize(input, { ...DEFAULT_IMAGE_LIMITS, maxBytes: input.length - 1 }), 'too_large', 413);
    assert.equal(err.details?.maxBytes, input.length - 1);
  });

  it('refuses a decompression bomb from its header, without decoding it', async () => {
    const bomb = pngDeclaring(50_000, 50_000); // 2.5 billion pixels in a few hundred bytes
    assert.ok(bomb.length < 2048, `${bomb.length} bytes`);
    const err = await refused(inspectAndNormalize(bomb), 'too_many_pixels', 413);
    assert.deepEqual([err.details?.width, err.details?.height], [50_000, 50_000]);
  });

  it('applies the pixel limit given', async () => {
    await refused(inspectAndNormalize(await solid(20, 20, 'png'), { ...DEFAULT_IMAGE_LIMITS, maxPixels: 399 }), 'too_many_pixels', 413);
  });

  it('keeps the first frame of an animated GIF, as a PNG', async () => {
    const frames = await Promise.all(['#ff0000', '#00ff00', '#0000ff'].map((c) => solid(30, 20, 'png', c)));
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 3);
    const out = await inspectAndNormalize(gif);
    assert.equal(out.sourceType, 'image/gif');
    assert.equal(out.type, 'image/png');
    assert.equal(out.animated, true);
    assert.deepEqual([out.width, out.height], [30, 20]);
    assert.equal((await sharp(out.data).metadata()).pages, undefined);
    const [r, g, b] = await pixel(out.data, 15, 10);
    assert.ok(r! > 200 && g! < 60 && b! < 60, `first frame (red): ${r},${g},${b}`);
  });

  it('stores a still GIF as PNG too', async () => {
    const out = await inspectAndNormalize(await solid(12, 8, 'gif'));
    assert.deepEqual([out.sourceType, out.type, out.animated], ['image/gif', 'image/png', false]);
  });

  it('keeps WebP as WebP, lossless when it was lossless', async () => {
    const lossless = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#123456' } })
      .webp({ lossless: true })
      .toBuffer();
    const lossy = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#123456' } })
      .webp({ quality: 50 })
      .toBuffer();
    const a = await inspectAndNormalize(lossless);
    const b = await inspectAndNormalize(lossy);
    assert.deepEqual([a.type, b.type], ['image/webp', 'image/webp']);
    assert.equal(a.data.subarray(12, 16).toString('latin1'), 'VP8L');
    assert.equal(b.data.subarray(12, 16).toString('latin1'), 'VP8 ');
  });

  it('refuses truncated, empty and damaged images as corrupt', async () => {
    const noise = await sharp({
      create: { width: 200, height: 200, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .png()
      .toBuffer();
    await refused(inspectAndNormalize(noise.subarray(0, noise.length / 2)), 'corrupt', 422);
    const jpeg = await sharp(noise).jpeg().toBuffer();
    await refused(inspectAndNormalize(jpeg.subarray(0, jpeg.length / 2)), 'corrupt', 422);
    await refused(inspectAndNormalize(Buffer.alloc(0)), 'corrupt', 422);
    // A PNG signature followed by garbage.
    await refused(inspectAndNormalize(Buffer.concat([noise.subarray(0, 16), Buffer.alloc(100, 7)])), 'corrupt', 422);
  });

  it('scales images larger than maxEdge down to fit', async () => {
    const out = await inspectAndNormalize(await solid(5000, 100, 'png'));
    assert.deepEqual([out.width, out.height, out.downscaled], [4096, 82, true]);
  });

  it('makes a thumbnail for large images only', async () => {
    const big = await inspectAndNormalize(await solid(1280, 800, 'jpeg'));
    assert.ok(big.thumbnail);
    assert.deepEqual([big.thumbnail.type, big.thumbnail.width, big.thumbnail.height], ['image/jpeg', 640, 400]);
    assert.equal(big.thumbnail.bytes, big.thumbnail.data.length);
    const small = await inspectAndNormalize(await solid(640, 400, 'jpeg'));
    assert.equal(small.thumbnail, undefined);
  });
});
