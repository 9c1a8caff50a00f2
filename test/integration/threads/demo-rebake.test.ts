import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app';
import { seedDemoContent } from '../../../server/threads/demo';
import { rebake } from '../../../server/threads/rebake';
import { runCommand } from '../../../server/cli/registry';
import '../../../server/cli/commands';
import { createLogger } from '../../../server/kernel/logger';
import { col } from './fixture';

describe('threads: demo content and rebake', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.close();
  });

  it('seeds an empty forum once: answered, awaiting the asker and open threads', async () => {
    assert.equal(await seedDemoContent(app.clock), true);
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
    assert.equal(await seedDemoContent(app.clock), false);
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
    const counts = await rebake((l) => lines.push(l));
    assert.equal(counts.threads, 1);
    assert.ok(counts.replies >= 1);
    const fresh = await col('threads').findOne({ _id: t!._id });
    assert.notEqual(fresh!.bodyHtml, 'stale');
    assert.equal(fresh!.rendererVersion, 1);
    assert.equal(await col('replies').countDocuments({ bodyHtml: 'stale' }), 0);
    assert.ok(lines.some((l) => /rebake done/.test(l)));

    const out: string[] = [];
    const code = await runCommand('rebake', [], {
      config: app.config,
      logger: createLogger('silent'),
      clock: app.clock,
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      interactive: false,
    });
    assert.equal(code, 0);
    assert.ok(out.some((l) => /threads: up to date/.test(l)));
  });
});
