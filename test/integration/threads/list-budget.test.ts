import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { startForum, type Person, type TestForum } from '../../helpers/kit';

/**
 * A list filtered by product and status together is not answered by one index: its total is
 * counted by reading documents, within LIST_COUNT_BUDGET_MS of database time. Past the budget
 * the list still shows its pages, says "more than" what it has shown, and links Next only.
 */
describe('threads: a list total no index answers alone is bounded in time', function () {
  let forum: TestForum;
  let asker: Person;
  let product: { id: string; slug: string };
  before(async () => {
    // 1 ms: any count that reads more than a few dozen documents runs out.
    forum = await startForum({ env: { LIST_COUNT_BUDGET_MS: '1' } });
    asker = await forum.person('member', { name: 'asker' });
    product = (await forum.products())[0]!;
    const first = await asker.ask({ products: [product.id], title: 'The thread every copy is made from' });
    const doc = (await forum.col('threads').findOne({ _id: new ObjectId(first.id) }))!;
    const at = doc.lastActivityAt as Date;
    await forum.col('threads').insertMany(
      Array.from({ length: 3000 }, (_, i) => ({
        ...doc,
        _id: new ObjectId(),
        slug: `copy-${i}`,
        title: `Copy ${i}`,
        lastActivityAt: new Date(at.getTime() - (i + 1) * 1000),
      })),
    );
  });
  after(async () => forum.close());

  it('answers page 1 with what it has shown as the total, a Next link and no last page; Next works', async () => {
    const res = await forum.agent().get(`/api/threads?product=${product.id}&status=open`);
    assert.equal(res.status, 200);
    assert.equal(res.body.threads.length, 20);
    assert.equal(res.body.total, 20);
    assert.equal(res.body.totalCapped, true);
    assert.equal(res.body.pages, 2);
    assert.match(res.body.next, /^\d+\.[0-9a-f]{24}$/);
    const next = await forum.agent().get(`/api/threads?product=${product.id}&status=open&page=2&after=${res.body.next}`);
    assert.equal(next.status, 200);
    assert.equal(next.body.threads.length, 20);
    assert.equal(next.body.total, 40);
    assert.notEqual(next.body.threads[0].id, res.body.threads[19].id);
    const html = await forum.agent().get(`/?product=${product.slug}&status=open`);
    assert.equal(html.status, 200);
    assert.match(html.text, /More than 20 questions/);
    assert.match(html.text, /rel="next"/);
    // Past the end, the total is not made up from the page number: a clear 404.
    const far = await forum.agent().get(`/api/threads?product=${product.id}&status=open&page=400`);
    assert.equal(far.status, 404);
    assert.equal(far.body.error.message, 'That page is past the end of this list.');
  });

  it('a list one index answers (the product alone) is counted exactly whatever the budget', async () => {
    const res = await forum.agent().get(`/api/threads?product=${product.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.total, 3001);
    assert.equal(res.body.totalCapped, false);
    assert.equal(res.body.pages, 151);
    const last = await forum.agent().get(`/api/threads?product=${product.id}&page=151`);
    assert.equal(last.status, 200);
    assert.deepEqual(
      last.body.threads.map((t: { title: string }) => t.title),
      ['Copy 2999'],
    );
  });
});
