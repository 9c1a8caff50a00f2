import assert from 'node:assert/strict';
import { UploadError, identifyAttachment } from '../../../server/images';
import { solid, zipOf } from '../../helpers/images';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

async function refusedAs(bytes: Buffer, detected: string): Promise<void> {
  const err = await identifyAttachment(bytes).then(
    () => assert.fail(`expected a refusal (${detected})`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UploadError, String(err));
  assert.equal(err.code, 'unsupported_type');
  assert.equal(err.status, 415);
  assert.equal(err.details?.detected, detected);
}

describe('images/identifyAttachment', () => {
  it('accepts a PDF and a ZIP by their signatures', async () => {
    assert.deepEqual(await identifyAttachment(PDF), { type: 'application/pdf', extension: 'pdf', bytes: PDF.length });
    const zip = zipOf('setup.log', 'line one\n');
    assert.deepEqual(await identifyAttachment(zip), { type: 'application/zip', extension: 'zip', bytes: zip.length });
  });

  it('accepts UTF-8 text and logs (tabs, CRLF, ANSI colours), with or without a byte-order mark', async () => {
    const log = Buffer.from('2024-03-12 10:00:01\tINFO\tStarted ✓\r\n\u001b[31mERROR\u001b[0m 0x80070005 access denied\r\n');
    assert.deepEqual(await identifyAttachment(log), { type: 'text/plain', extension: 'txt', bytes: log.length, charset: 'utf-8' });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('notes')]);
    assert.equal((await identifyAttachment(bom)).charset, 'utf-8');
  });

  it('accepts UTF-16 text with a byte-order mark (Windows logs)', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('CBS log line\r\n', 'utf16le')]);
    assert.equal((await identifyAttachment(le)).charset, 'utf-16le');
    const be = Buffer.from(Buffer.from('CBS log line\r\n', 'utf16le')).swap16();
    assert.equal((await identifyAttachment(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).charset, 'utf-16be');
  });

  it('accepts a log that quotes HTML further down: only the start decides', async () => {
    const log = Buffer.from('Request failed, response body was:\n<html><body>502 Bad Gateway</body></html>\n');
    assert.equal((await identifyAttachment(log)).type, 'text/plain');
  });

  it('refuses HTML, SVG and XML whatever they are named', async () => {
    await refusedAs(Buffer.from('<!doctype html>\n<title>x</title>'), 'text/html');
    await refusedAs(Buffer.from('\ufeff  <HTML><script>alert(1)</script>'), 'text/html');
    await refusedAs(Buffer.from('<!-- saved page -->\n<div>hi</div>'), 'text/html');
    await refusedAs(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml');
    await refusedAs(Buffer.from('<?xml version="1.0"?><!DOCTYPE svg><svg/>'), 'image/svg+xml');
    await refusedAs(Buffer.from('<?xml version="1.0"?><config/>'), 'application/xml');
  });

  it('refuses binary data, text that is not UTF-8, and images (they go through inspectAndNormalize)', async () => {
    await refusedAs(Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), 'application/x-msdownload');
    await refusedAs(Buffer.from('abc\u0000def'), 'application/octet-stream');
    await refusedAs(Buffer.from('caf\xe9 latin-1', 'latin1'), 'application/octet-stream');
    await refusedAs(await solid(10, 10, 'png'), 'image/png');
  });

  it('refuses ZIP-based formats that are not plain ZIP archives (an EPUB book)', async () => {
    await refusedAs(zipOf('mimetype', 'application/epub+zip'), 'application/epub+zip');
  });

  it('refuses too many bytes and empty files', async () => {
    const err = await identifyAttachment(PDF, { maxBytes: 10 }).catch((e: unknown) => e);
    assert.ok(err instanceof UploadError);
    assert.deepEqual([err.code, err.status, err.details?.maxBytes], ['too_large', 413, 10]);
    const empty = await identifyAttachment(Buffer.alloc(0)).catch((e: unknown) => e);
    assert.ok(empty instanceof UploadError);
    assert.equal(empty.code, 'corrupt');
  });
});
