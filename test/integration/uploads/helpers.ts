import sharp from 'sharp';
import type { Client, Person, TestForum } from '../../helpers/kit';
import { renderScreenshot } from '../../helpers/images';

export { oid } from '../../helpers/kit';

/** POST /api/uploads as a browser script sends it: multipart, the file in `file`, the token in the header. */
export function upload(p: Client, bytes: Buffer, name: string, fields: Record<string, string> = {}) {
  let req = p.agent.post('/api/uploads').set('X-CSRF-Token', p.csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req.attach('file', bytes, name);
}

/** GET of a file's URL, with the body read as bytes whatever its type. */
export function fetchFile(agent: Client['agent'], url: string) {
  return agent
    .get(url)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
}

/** A real PNG of noise (a fixed pseudo-random sequence): about 3 bytes per pixel, whatever the encoder. */
export async function photoPng(width = 200, height = 120): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = 2463534242;
  for (let i = 0; i < raw.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    raw[i] = x & 0xff;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A JPEG that carries a camera make, an author and a GPS position in EXIF. */
export async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } })
    .jpeg()
    .withExifMerge({
      IFD0: { Make: 'SecretCam', Artist: 'Jane Roe' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
    })
    .toBuffer();
}

/** A screenshot-like PNG showing an access code (what the guard must hold). */
export function accessCodeScreenshot(code = 'K7QP-2M9X-D4LT'): Promise<Buffer> {
  return renderScreenshot([
    { text: 'Redeem your exam voucher', x: 80, y: 140, size: 26 },
    { text: 'Your access code:', x: 80, y: 220, size: 22 },
    { text: code, x: 330, y: 220, size: 22, font: 'DejaVu Sans Mono' },
    { text: 'It expires on 12 March 2024.', x: 80, y: 280, size: 18, fill: '#555555' },
  ]);
}

/** A screenshot-like PNG showing only a version, a build, a date and a price (what the guard must pass). */
export function versionScreenshot(): Promise<Buffer> {
  return renderScreenshot([
    { text: 'About Microsoft Word', x: 80, y: 140, size: 26 },
    { text: 'Microsoft 365 Apps for enterprise', x: 80, y: 220, size: 20 },
    { text: 'Version 2402 (Build 17328.20184 Click-to-Run)', x: 80, y: 260, size: 20 },
    { text: 'Last updated 12 March 2024 - $19.99 per month', x: 80, y: 300, size: 20 },
  ]);
}

/** Counts of what uploads leave behind: upload documents and GridFS files and chunks. */
export async function stored(forum: TestForum) {
  const [uploads, files, chunks] = await Promise.all([
    forum.col('uploads').countDocuments(),
    forum.col('upload_blobs.files').countDocuments(),
    forum.col('upload_blobs.chunks').countDocuments(),
  ]);
  return { uploads, files, chunks };
}

/** Starts a private conversation from `from` to `to`; returns its id. */
export async function conversation(from: Person, to: Person, body = 'Here is the screenshot you asked for.'): Promise<string> {
  const res = await from.post('/api/messages', { to: [to.user.username], subject: 'Screenshots for support', body });
  if (res.status !== 201) throw new Error(`conversation: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.conversation.id as string;
}
