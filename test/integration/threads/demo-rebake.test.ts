import assert from 'node:assert/strict';
import { startForum, type TestForum } from '../../helpers/kit';
import { seedDemoContent } from '../../../server/demo';
import { RENDERER_VERSION } from '../../../server/markdown/render';

describe('threads: demo content and rebake', () => {
  let app: TestForum;
  const col = (name: string) => app.col(name);
  before(async () => {
    app = await startForum();
  });
  after(async () => {
    await app.close();
  });

  it('seeds an empty forum once: answered, awaiting the asker and open threads', async () => {
    assert.equal(await seedDemoContent(app.services), true);
    const threads = await col('threads').find({}).sort({ createdAt: 1 }).toArray();
    assert.equal(threads.length, 4);
    assert.deepEqual(
      threads.map((t) => t.status),
      ['answered', 'awaiting_asker', 'open', 'open'],
    );
    assert.ok(threads[0]!.acceptedReplyId);
    const accepted = await col('replies').findOne({ _id: threads[0]!.acceptedReplyId });
    assert.equal(accepted!.authorRole, 'moderator');
    const mod = await col('users').findOne({ role: 'moderator' });
    assert.match(mod!.signatureHtml, /Community Support/);
    // Never again once there is content.
    assert.equal(await seedDemoContent(app.services), false);
    assert.equal(await col('threads').countDocuments(), 4);
    // The pages render.
    const list = await app.agent().get('/');
    assert.equal(list.status, 200);
    assert.match(list.text, /Access code expired before I could claim my certification/);
    const page = await app.agent().get(`/threads/${threads[0]!._id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Go to answer/);
  });

  it('rebake re-renders posts with an older renderer version, and the CLI command runs it', async () => {
    const t = await col('threads').findOne({});
    await col('threads').updateOne({ _id: t!._id }, { $set: { rendererVersion: 0, bodyHtml: 'stale' } });
    await col('replies').updateMany({ threadId: t!._id }, { $set: { rendererVersion: 0, bodyHtml: 'stale' } });
    const lines: string[] = [];
    const counts = await app.services.threads.rebake((l) => lines.push(l));
    assert.equal(counts.threads, 1);
    assert.ok(counts.replies >= 1);
    const fresh = await col('threads').findOne({ _id: t!._id });
    assert.notEqual(fresh!.bodyHtml, 'stale');
    assert.equal(fresh!.rendererVersion, RENDERER_VERSION);
    assert.equal(await col('replies').countDocuments({ bodyHtml: 'stale' }), 0);
    assert.deepEqual(counts.failed, []);
    assert.ok(lines.some((l) => /threads: 1 to re-render/.test(l)));

    const { code, out } = await app.cli('rebake');
    assert.equal(code, 0);
    assert.ok(out.some((l) => /threads: up to date/.test(l)));
    assert.ok(out.some((l) => /messages: up to date/.test(l)));
    assert.ok(out.some((l) => /^rebake done: 0 threads/.test(l)));
  });
});
