import assert from 'node:assert/strict';
import { awaitingThread, et, startSupportForum, type Forum } from './helpers';

/** What the thread page tells people about the lifecycle. */
describe('support lifecycle: notices on the thread page', function () {
  let f: Forum;
  before(async () => {
    f = await startSupportForum();
  });
  after(async () => {
    await f?.close();
  });

  const CLOSE_NOTICE =
    'This thread will close on <time datetime="2026-11-24T21:00:00.000Z" title="in 1 day">Tuesday, November 24, 2026 at 4:00 PM ET</time> unless you reply.';

  it('the asker sees the exact closing time; nobody else does', async () => {
    const id = await awaitingThread(f, '2026-11-20 09:00', '2026-11-20 16:00');
    f.t.clock.set(et('2026-11-23 10:00'));
    const asker = await f.asker.agent.get(`/threads/${id}`).redirects(1).expect(200);
    assert.ok(asker.text.includes(CLOSE_NOTICE), 'asker sees the notice');
    for (const agent of [f.other.agent, f.mod.agent, f.t.agent()]) {
      const res = await agent.get(`/threads/${id}`).redirects(1).expect(200);
      assert.ok(!res.text.includes('This thread will close on'), 'others do not');
    }
    // Once the asker replies, the notice goes.
    assert.equal((await f.reply(f.asker, id, 'Version 2.1 on Windows 11.')).status, 201);
    const after = await f.asker.agent.get(`/threads/${id}`).redirects(1).expect(200);
    assert.ok(!after.text.includes('This thread will close on'));
  });

  it('everyone sees why a thread was locked for no response: the banner and the system note', async () => {
    const id = await awaitingThread(f, '2026-11-20 09:00', '2026-11-20 16:00');
    // A reader loads the page first (filling the page cache), then the sweep locks it.
    await f.t.agent().get(`/threads/${id}`).redirects(1).expect(200);
    await f.lockSweep({ now: et('2026-11-24 16:00') });
    f.t.clock.set(et('2026-11-24 16:01'));
    for (const agent of [f.t.agent(), f.asker.agent, f.other.agent]) {
      const res = await agent.get(`/threads/${id}`).redirects(1).expect(200);
      assert.match(res.text, /This thread is locked/);
      assert.match(res.text, /closed and locked after two business days without a response from the asker/);
      assert.match(res.text, /class="reply card reply-system/);
      assert.ok(!res.text.includes('This thread will close on'));
      assert.ok(!res.text.includes('id="reply-form"'), 'no reply form on a locked thread');
    }
  });

  it('a moderator lock shows its reason', async () => {
    const id = await awaitingThread(f, '2026-11-20 09:00', '2026-11-20 16:00');
    await f.mod.agent
      .post(`/api/threads/${id}/lock`)
      .set('X-CSRF-Token', f.mod.csrf)
      .send({ reason: 'Answered in the pinned FAQ' })
      .expect(200);
    const res = await f.other.agent.get(`/threads/${id}`).redirects(1).expect(200);
    assert.match(res.text, /This thread is locked/);
    assert.match(res.text, /Reason: Answered in the pinned FAQ/);
    const json = (await f.other.agent.get(`/api/threads/${id}`).expect(200)).body.thread;
    assert.equal(json.lockReason, 'moderator');
    assert.equal(json.lockDueAt, null);
  });
});
