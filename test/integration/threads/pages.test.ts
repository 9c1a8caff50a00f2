import assert from 'node:assert/strict';
import { startWorld, askVia, replyVia, oid, type World } from './fixture';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126 Safari/537.36';

describe('threads: thread page, list and views', () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => {
    await w.close();
  });

  describe('thread page', () => {
    it('shows the question, replies in order, staff badge and signature, question info', async () => {
      const t = await askVia(w.asker, w.products);
      await replyVia(w.moderator, t.id, 'First reply from support.');
      w.app.clock.advance(1000);
      await replyVia(w.asker, t.id, 'Second reply from the asker.');
      const res = await w.anon.get(t.url).set('User-Agent', BROWSER);
      assert.equal(res.status, 200);
      assert.match(res.text, /<h1 id="thread-title">My certification access code has expired<\/h1>/);
      assert.ok(res.text.indexOf('First reply from support.') < res.text.indexOf('Second reply from the asker.'));
      assert.match(res.text, /<span class="role-badge role-moderator">Moderator<\/span>/);
      assert.match(res.text, /class="signature"><p>Moderator<br \/>Community Support/);
      assert.match(res.text, /<h2 id="info-heading">Question info<\/h2>/);
      assert.match(res.text, /<dt>Applies to<\/dt>/);
      assert.match(res.text, /<time datetime="\d{4}-\d\d-\d\dT/);
      // Anonymous readers get no session cookie.
      assert.equal(res.headers['set-cookie'], undefined);
    });

    it('signed-in readers see a change made by another app process at once (cache check)', async () => {
      const t = await askVia(w.asker, w.products);
      const first = await w.other.agent.get(t.url);
      assert.doesNotMatch(first.text, /Written by another process/);
      await w.anon.get(t.url).expect(200); // warm the anonymous HTML cache too
      // Another process writes straight to the database: no in-process invalidation.
      await w.app.col('replies').insertOne({
        threadId: oid(t.id),
        author: oid(w.moderator.user.id),
        authorName: 'Moderator',
        authorUsername: w.moderator.user.username,
        authorRole: 'moderator',
        system: false,
        systemKind: null,
        bodySource: 'x',
        bodyHtml: '<p>Written by another process</p>',
        rendererVersion: 1,
        helpfulCount: 0,
        notHelpfulCount: 0,
        satisfactionSum: 0,
        satisfactionCount: 0,
        createdAt: new Date(),
        editedAt: null,
      });
      await w.app
        .col('threads')
        .updateOne({ _id: oid(t.id) }, { $inc: { replyCount: 1 }, $set: { updatedAt: new Date(Date.now() + 1000) } });
      const second = await w.other.agent.get(t.url);
      assert.match(second.text, /Written by another process/);
    });

    it('reads what it shows in a fixed number of database commands: the thread once, the replies in one query, per reader one query each for votes and watch state', async () => {
      const t = await askVia(w.asker, w.products);
      for (let i = 0; i < 12; i++) {
        await replyVia(i % 2 ? w.moderator : w.other, t.id, `Reply number ${i} with enough words to pass the checks.`);
        w.app.clock.advance(1000);
      }
      const client = w.app.services.db.getClient();
      const commands: string[] = [];
      const onCommand = (e: { commandName: string; command: Record<string, unknown> }) => {
        const c = e.command;
        commands.push(`${e.commandName} ${String(c.find ?? c.aggregate ?? c.update ?? c.insert ?? '')}`);
      };
      client.on('commandStarted', onCommand);
      try {
        const reads = async (agent: typeof w.anon) => {
          commands.length = 0;
          w.app.clock.advance(5000); // past the page caches' 2 s
          const res = await agent.get(t.url);
          assert.equal(res.status, 200);
          assert.equal((res.text.match(/<article class="reply card/g) ?? []).length, 12);
          return [...commands].sort();
        };
        const anon = await reads(w.anon);
        assert.deepEqual(
          anon.filter((c) => / (threads|replies)$/.test(c)),
          ['find replies', 'find threads'],
        );
        await w.asker.agent.get(t.url).expect(200); // the reader's cached header counts, user
        const signed = await reads(w.asker.agent);
        assert.deepEqual(
          signed.filter((c) => / (threads|replies|votes|thread_watches)$/.test(c)),
          ['find replies', 'find thread_watches', 'find threads', 'find votes'],
          'the thread is read once per signed-in page (no second read for the watch panel)',
        );
      } finally {
        client.off('commandStarted', onCommand);
      }
    });

    it('redirects a wrong slug to the canonical URL; no slug is fine', async () => {
      const t = await askVia(w.asker, w.products);
      const wrong = await w.anon.get(`/threads/${t.id}/something-else`);
      assert.equal(wrong.status, 301);
      assert.equal(wrong.headers.location, t.url);
      assert.equal((await w.anon.get(`/threads/${t.id}`)).status, 200);
    });

    it('unknown and malformed ids -> 404 page; API: 404 and 400', async () => {
      assert.equal((await w.anon.get('/threads/0123456789abcdef01234567')).status, 404);
      assert.equal((await w.anon.get('/threads/not-an-id')).status, 404);
      const api404 = await w.anon.get('/api/threads/0123456789abcdef01234567');
      assert.equal(api404.status, 404);
      assert.equal(api404.body.error.code, 'not_found');
      assert.equal((await w.anon.get('/api/threads/xyz')).status, 400);
      assert.equal((await w.anon.get('/api/threads/xyz?page[$ne]=1')).status, 400);
    });

    it('JSON: thread and replies', async () => {
      const t = await askVia(w.asker, w.products);
      const r = await replyVia(w.moderator, t.id);
      const res = await w.anon.get(`/api/threads/${t.id}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.thread.id, t.id);
      assert.equal(res.body.thread.replyCount, 1);
      assert.equal(res.body.replies.length, 1);
      assert.equal(res.body.replies[0].id, r.id);
      assert.equal(res.body.replies[0].author.role, 'moderator');
      assert.equal(res.body.replies[0].system, false);
      assert.ok(!('bodySource' in res.body.thread));
    });
  });

  describe('view counter', () => {
    it('counts a viewer once per 30 minutes, excludes bots, buffers until flush', async () => {
      const t = await askVia(w.asker, w.products);
      for (let i = 0; i < 3; i++) await w.anon.get(t.url).set('User-Agent', BROWSER).expect(200);
      await w.anon.get(t.url).set('User-Agent', 'Googlebot/2.1 (+http://www.google.com/bot.html)').expect(200);
      await w.anon.get(t.url).set('User-Agent', 'facebookexternalhit/1.1').expect(200);
      await w.anon.get(t.url).expect(200); // no user agent at all
      await w.asker.agent.get(t.url).set('User-Agent', BROWSER).expect(200);
      await w.asker.agent.get(t.url).set('User-Agent', 'Other browser/1.0').expect(200); // same user, other UA
      assert.equal((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.views, 0, 'buffered, not written yet');
      await w.app.services.threads.flushViews();
      assert.equal((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.views, 2);

      w.app.clock.advance(31 * 60_000);
      await w.anon.get(t.url).set('User-Agent', BROWSER).expect(200);
      await w.app.services.threads.flushViews();
      assert.equal((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.views, 3);
    });
  });

  describe('thread list', () => {
    let ids: Record<string, string>;
    before(async () => {
      // A fresh product keeps these threads apart from the other tests'.
      const p = await w.admin.agent.post('/api/products').set('X-CSRF-Token', w.admin.csrf).send({ name: 'List Test Product' });
      assert.equal(p.status, 201);
      const product = p.body.product;
      const mk = async (title: string) => {
        w.app.clock.advance(60_000);
        return (await askVia(w.asker, [product], { title })).id;
      };
      ids = {};
      ids.open = await mk('An open question for the list');
      ids.awaiting = await mk('An awaiting question for the list');
      const r = await replyVia(w.moderator, ids.awaiting);
      ids.answered = await mk('An answered question for the list');
      const r2 = await replyVia(w.moderator, ids.answered);
      await w.asker.agent
        .post(`/api/threads/${ids.answered}/accept`)
        .set('X-CSRF-Token', w.asker.csrf)
        .send({ replyId: r2.id })
        .expect(200);
      ids.locked = await mk('A locked question for the list');
      await w.moderator.agent.post(`/api/threads/${ids.locked}/lock`).set('X-CSRF-Token', w.moderator.csrf).send({}).expect(200);
      ids.product = product.id;
      void r;
    });

    it('filters by product and status (JSON)', async () => {
      const all = await w.anon.get(`/api/threads?product=${ids.product}`);
      assert.equal(all.status, 200);
      assert.equal(all.body.total, 4);
      // Newest activity first: the answered one had a reply after the awaiting one? no: order by lastActivityAt.
      const times = all.body.threads.map((t: { lastActivityAt: string }) => t.lastActivityAt);
      assert.deepEqual(times, [...times].sort().reverse());
      for (const [status, key] of [
        ['open', 'open'],
        ['awaiting_asker', 'awaiting'],
        ['answered', 'answered'],
        ['locked', 'locked'],
      ] as const) {
        const res = await w.anon.get(`/api/threads?product=${ids.product}&status=${status}`);
        assert.equal(res.status, 200);
        const mine = res.body.threads.map((t: { id: string }) => t.id);
        assert.deepEqual(mine, [ids[key]]);
      }
    });

    it('HTML list rows: status badge, title link, asker, products, counts, time', async () => {
      const res = await w.anon.get(`/?product=${ids.product}`);
      assert.equal(res.status, 200);
      assert.match(res.text, /<span class="status status-answered">Answered<\/span>/);
      assert.match(res.text, new RegExp(`<a href="/threads/${ids.open}/an-open-question-for-the-list">An open question for the list</a>`));
      assert.match(res.text, /Asked by Asker/);
      assert.match(res.text, /List Test Product/);
      assert.match(res.text, /<dt>Replies<\/dt><dd>1<\/dd>/);
      assert.match(res.text, /<time datetime="/);
      const threadsAlias = await w.anon.get(`/threads?status=locked&product=${ids.product}`);
      assert.equal(threadsAlias.status, 200);
      assert.match(threadsAlias.text, /A locked question for the list/);
      assert.doesNotMatch(threadsAlias.text, /An open question for the list/);
    });

    it('bad filters -> 400; unknown product -> 404', async () => {
      assert.equal((await w.anon.get('/api/threads?status=bogus')).status, 400);
      assert.equal((await w.anon.get('/api/threads?page=0')).status, 400);
      const abc = await w.anon.get('/api/threads?page=abc');
      assert.equal(abc.status, 400);
      assert.equal(abc.body.error.message, 'Page must be a whole number.');
      assert.equal((await w.anon.get('/api/threads?page=1000001')).status, 400);
      // The list has a page per 20 threads (50,000 at 1M threads): a page past 10,000 is valid;
      // one past the end is a clear 404, in JSON and on the page.
      const far = await w.anon.get('/api/threads?page=25000');
      assert.equal(far.status, 404);
      assert.match(far.body.error.message, /past the end of this list: it has \d+ pages?\./);
      const farPage = await w.anon.get('/?page=25000');
      assert.equal(farPage.status, 404);
      assert.match(farPage.text, /past the end of this list/);
      assert.equal((await w.anon.get('/api/threads?status=open&status=answered')).status, 400);
      assert.equal((await w.anon.get('/api/threads?product=nope')).status, 404);
    });

    it('paginates 20 per page with page links', async () => {
      const p = await w.admin.agent.post('/api/products').set('X-CSRF-Token', w.admin.csrf).send({ name: 'Paging Product' });
      const product = p.body.product;
      for (let i = 0; i < 45; i++) {
        w.app.clock.advance(1000);
        await askVia(w.other, [product], { title: `Paged question number ${String(i).padStart(2, '0')}` });
      }
      const p1 = await w.anon.get(`/api/threads?product=${product.id}`);
      assert.equal(p1.body.total, 45);
      assert.equal(p1.body.threads.length, 20);
      assert.equal(p1.body.threads[0].title, 'Paged question number 44');
      const p3 = await w.anon.get(`/api/threads?product=${product.id}&page=3`);
      assert.equal(p3.body.threads.length, 5);
      assert.equal(p3.body.threads[4].title, 'Paged question number 00');
      const html = await w.anon.get(`/?product=${product.id}&page=2`);
      assert.match(html.text, /aria-current="page">2<\/a>/);
      const next = html.text.match(/href="([^"]+)" rel="next"/);
      assert.ok(next, 'page 2 links to page 3');
      assert.match(next[1], new RegExp(`^/\\?product=${product.id}&amp;page=3&amp;after=\\d+\\.[0-9a-f]{24}$`));
      const viaNext = await w.anon.get(`/api/threads?${next[1].slice(2).replace(/&amp;/g, '&')}`);
      assert.deepEqual(
        viaNext.body.threads.map((t: { id: string }) => t.id),
        p3.body.threads.map((t: { id: string }) => t.id),
      );
      assert.equal(viaNext.body.next, null);
    });

    it('Next links walk the list by keyset without losing or repeating rows tied on their activity time', async () => {
      const p = await w.admin.agent.post('/api/products').set('X-CSRF-Token', w.admin.csrf).send({ name: 'Keyset Product' });
      const product = p.body.product;
      w.app.clock.advance(1000);
      for (let i = 0; i < 50; i++) {
        if (i % 7 === 0) w.app.clock.advance(1000); // runs of up to 7 threads share one lastActivityAt
        await askVia(w.other, [product], { title: `Keyset question number ${String(i).padStart(2, '0')}` });
      }
      const walked: string[] = [];
      let url = `/api/threads?product=${product.id}`;
      for (let page = 1; page <= 3; page++) {
        const res = await w.anon.get(url).expect(200);
        assert.equal(res.body.page, page);
        walked.push(...res.body.threads.map((t: { id: string }) => t.id));
        if (page < 3) url = `/api/threads?product=${product.id}&page=${page + 1}&after=${res.body.next}`;
        else assert.equal(res.body.next, null);
      }
      const rows = await w.app
        .col('threads')
        .find({ products: oid(product.id) })
        .sort({ lastActivityAt: -1, _id: -1 })
        .toArray();
      assert.deepEqual(
        walked,
        rows.map((r) => String(r._id)),
      );
      // Jumping to the last page by number (read from the far end) gives the same rows.
      const last = await w.anon.get(`/api/threads?product=${product.id}&page=3`).expect(200);
      assert.deepEqual(
        last.body.threads.map((t: { id: string }) => t.id),
        walked.slice(40),
      );
      const second = await w.anon.get(`/api/threads?product=${product.id}&page=2`).expect(200);
      assert.deepEqual(
        second.body.threads.map((t: { id: string }) => t.id),
        walked.slice(20, 40),
      );
      // A public list's filter is answered by its index alone: a deep page skips index
      // entries without reading the documents before it (page 9000 of 1M threads read 180k
      // documents, 15 s, when visibility was not in the index).
      for (const [filter, index] of [
        [{ visibility: null }, 'visibility_1_lastActivityAt_-1__id_-1'],
        [{ visibility: null, status: 'open' }, 'visibility_1_status_1_lastActivityAt_-1__id_-1'],
      ] as const) {
        const plan = await w.app
          .col('threads')
          .find(filter)
          .sort({ lastActivityAt: -1, _id: -1 })
          .skip(40)
          .limit(20)
          .explain('executionStats');
        assert.equal(plan.queryPlanner.winningPlan.indexName, index);
        assert.ok(plan.executionStats.nReturned > 0, JSON.stringify(filter));
        assert.ok(
          plan.executionStats.totalDocsExamined <= 20,
          `${JSON.stringify(filter)}: ${plan.executionStats.totalDocsExamined} documents read`,
        );
      }
      // A cursor that is not one is a clear 400.
      const bad = await w.anon.get(`/api/threads?after=yesterday`);
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /after/);
    });
  });
});
