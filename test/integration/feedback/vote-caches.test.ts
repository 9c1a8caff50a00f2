import assert from 'node:assert/strict';
import { startWorld, askVia, oid, type World } from '../threads/fixture';

/**
 * What a vote drops from the page caches (server/threads/page-cache.ts): the thread's cached
 * pages (they show the counters), not the cached thread lists (they show no vote counts), so a
 * busy forum's votes do not make every list page load again.
 */
describe('feedback: a vote and the page caches', function () {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => w.close());

  const listed = async (threadId: string) => {
    const res = await w.anon.get('/api/threads').expect(200);
    return res.body.threads.find((t: { id: string }) => t.id === threadId) as { title: string } | undefined;
  };

  it('shows the new counters on the thread page at once and leaves the cached list alone', async () => {
    const t = await askVia(w.asker, w.products, { title: 'Scanner stops after the first page' });
    const r = await w.moderator.reply(t.id, 'Turn off duplex scanning and try again.');
    assert.equal((await listed(t.id))?.title, 'Scanner stops after the first page');
    const before = await w.asker.get(`/api/threads/${t.id}`).expect(200);
    assert.equal(before.body.replies[0].helpfulCount, 0);

    // A change no event announces: only a list loaded after it shows it.
    await w.app.col('threads').updateOne({ _id: oid(t.id) }, { $set: { title: 'Scanner stops after page one' } });
    const vote = await w.asker.post(`/api/replies/${r.id}/helpful`, { helpful: true }).expect(200);
    assert.deepEqual(vote.body, { helpfulCount: 1, notHelpfulCount: 0, yourVote: true });

    const after = await w.anon.get(`/api/threads/${t.id}`).expect(200);
    assert.equal(after.body.replies[0].helpfulCount, 1, 'the thread page shows the vote');
    assert.equal((await listed(t.id))?.title, 'Scanner stops after the first page', 'the list was not loaded again');
    const stored = await w.app.col('replies').findOne({ _id: oid(r.id) });
    assert.equal(stored!.helpfulCount, 1);

    // A reply moves the thread in the lists: they load again.
    await w.other.reply(t.id, 'Same here, duplex was the cause.');
    assert.equal((await listed(t.id))?.title, 'Scanner stops after page one');
  });
});
