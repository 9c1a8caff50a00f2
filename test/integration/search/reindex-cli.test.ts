import { strict as assert } from 'node:assert';
import { startWorld, askVia, replyVia, oid, type World } from '../threads/fixture';

describe('search: reindex-search CLI command', function () {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => w.close());

  it("rebuilds a thread's searchable reply text that was lost, and reports how many", async () => {
    const t = await askVia(w.asker, w.products);
    await replyVia(w.moderator, t.id, 'Try clearing the zyzzogeton cache first.');
    await w.app.col('threads').updateOne({ _id: oid(t.id) }, { $set: { searchText: '' } });
    const run = await w.app.cli('reindex-search');
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.match(run.out.join('\n'), /reindexed 1 threads/);
    const stored = await w.app.col('threads').findOne({ _id: oid(t.id) });
    assert.match(String(stored!.searchText), /zyzzogeton/);
    const found = await w.anon.get('/api/search').query({ q: 'zyzzogeton' }).expect(200);
    assert.equal(found.body.results[0]?.id, t.id);
    assert.equal((await w.app.cli('reindex-search', ['extra'])).code, 1);
  });
});
