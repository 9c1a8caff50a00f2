import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startForum, type TestForum } from '../../helpers/kit';
import { fetchFile, photoPng, upload } from './helpers';

describe('uploads: export and import carry the files (GridFS bucket collections)', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'forum-uploads-export-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('a published screenshot of several GridFS chunks is served byte for byte after export -> import', async () => {
    const dump = path.join(tmp, 'dump');
    let original: Buffer;
    let url: string;
    let uploadDoc: unknown;
    const source = await startForum({ env: { OCR_WORKERS: '0' } });
    try {
      const member = await source.person('member');
      const u = (await upload(member, await photoPng(640, 400), 'big-screen.png').expect(201)).body.upload;
      assert.ok(u.bytes > 2 * 255 * 1024, `several chunks: ${u.bytes} bytes`);
      await member.ask({ title: 'A question with a large screenshot', body: `See:\n\n${u.markdown}` });
      url = u.url;
      original = (await fetchFile(source.agent(), url).expect(200)).body as Buffer;
      uploadDoc = await source.col('uploads').findOne({});
      const r = await source.cli('export', [dump]);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.match(r.out.join('\n'), /upload_blobs\.chunks: [3-9] documents/);
    } finally {
      await source.close();
    }
    assert.match(readFileSync(path.join(dump, 'upload_blobs.chunks.jsonl'), 'utf8'), /"\$binary"/);

    let target: TestForum | undefined;
    try {
      target = await startForum({ dataDir: path.join(tmp, 'data'), env: { OCR_WORKERS: '0' } });
      await target.col('products').deleteMany({});
      const r = await target.cli('import', [dump]);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.deepEqual(r.err, []);
      assert.deepEqual(await target.col('uploads').findOne({}), uploadDoc);
      const served = await fetchFile(target.agent(), url).expect(200);
      assert.ok((served.body as Buffer).equals(original), 'the same bytes');
    } finally {
      await target?.close();
    }
  });
});
