/** Forum search through the real app: ranking, syntax, filters, pages, replies' text, privacy, input. */
import assert from 'node:assert/strict';
import { askVia, form, formToken, oid, replyVia, startWorld, type Person, type World } from '../threads/fixture';

interface Hit {
  id: string;
  title: string;
  status: string;
  score: number;
  snippet: string;
  titleHtml: string;
  snippetFrom: string;
  replyCount: number;
}

describe('search: results', function () {
  this.timeout(60_000);
  let w: World;
  const t: Record<string, string> = {};

  const search = async (q: string, extra: Record<string, string> = {}) => {
    const res = await w.anon
      .get('/api/search')
      .query({ q, ...extra })
      .expect(200);
    return res.body as { results: Hit[]; page: number; pages: number; total: number };
  };
  const titles = async (q: string, extra: Record<string, string> = {}) => (await search(q, extra)).results.map((h) => h.title);
  const ask = async (p: Person, title: string, body: string, product = 0) =>
    (await askVia(p, w.products, { title, body, products: [w.products[product]!.id] })).id;

  before(async () => {
    w = await startWorld();
    t.lockTitle = await ask(w.asker, 'Account lock after password change', 'Since this morning I cannot sign in anywhere at all.');
    t.lockBody = await ask(w.other, 'Cannot sign in to the portal', 'The portal says my profile is locked and shows an error.', 1);
    t.sync = await ask(w.asker, 'Outlook calendar sync error', 'Every morning the sync error appears again on my laptop.');
    t.syncNo = await ask(w.other, 'Outlook mail rules vanish', 'My error folder rules are gone; the sync of rules seems broken.');
    t.cafe = await ask(w.asker, 'Café menu add-in crashes Outlook', 'The résumé template also fails to open in Word.');
    t.twinA = await ask(w.asker, 'Teams meeting recording missing', 'Recording of yesterday meeting is missing from the chat.');
    t.twinB = await ask(w.other, 'Teams meeting recording missing', 'Recording of yesterday meeting is missing from the chat.');
    const reply = await replyVia(w.moderator, t.twinB, 'Recordings now live in OneDrive; check the Recordings folder there.');
    await w.other.agent.post(`/api/threads/${t.twinB}/accept`).set('X-CSRF-Token', w.other.csrf).send({ replyId: reply.id }).expect(200);
  });
  after(() => w.close());

  it('ranks a title match above a body match, and stems ("locked" finds "lock")', async () => {
    const r = await search('locked');
    assert.deepEqual(
      r.results.map((h) => h.id),
      [t.lockTitle, t.lockBody],
    );
    assert.ok(r.results[0]!.score > r.results[1]!.score);
    assert.equal(r.total, 2);
  });

  it('matches phrases, honours negation, drops stop words and folds diacritics', async () => {
    assert.deepEqual(await titles('"sync error"'), ['Outlook calendar sync error']);
    assert.deepEqual(await titles('outlook -calendar -cafe'), ['Outlook mail rules vanish']);
    assert.deepEqual(await titles('the of and'), []);
    assert.deepEqual(await titles('the portal'), ['Cannot sign in to the portal']);
    assert.deepEqual(await titles('cafe resume'), ['Café menu add-in crashes Outlook']);
    assert.deepEqual(await titles('CAFÉ'), ['Café menu add-in crashes Outlook']);
  });

  it('boosts a thread with an accepted answer over an identical one without', async () => {
    const r = await search('recording missing');
    assert.equal(r.results[0]!.id, t.twinB);
    assert.equal(r.results[1]!.id, t.twinA);
  });

  it('highlights matched word forms in escaped snippets', async () => {
    const [hit] = (await search('locked portal')).results.filter((h) => h.id === t.lockBody);
    assert.match(hit!.snippet, /<mark>locked<\/mark>/);
    assert.match(hit!.titleHtml, /<mark>portal<\/mark>/);
    const cafe = (await search('cafe')).results[0]!;
    assert.match(cafe.titleHtml, /<mark>Café<\/mark>/);
  });

  it('filters by status and product; locked threads stay searchable', async () => {
    assert.deepEqual(await titles('recording', { status: 'answered' }), ['Teams meeting recording missing']);
    assert.equal((await search('recording', { status: 'unanswered' })).results[0]!.id, t.twinA);
    assert.deepEqual(await titles('locked', { product: w.products[1]!.id }), ['Cannot sign in to the portal']);
    await w.moderator.agent
      .post(`/api/threads/${t.sync}/lock`)
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ reason: 'Duplicate' })
      .expect(200);
    assert.deepEqual(await titles('sync', { status: 'locked' }), ['Outlook calendar sync error']);
    assert.equal((await search('sync')).total, 2);
    await w.anon.get('/api/search').query({ q: 'sync', product: 'no-such-product' }).expect(404);
  });

  it('shows the match of a long question, near its start or far into it', async () => {
    const filler = 'The printer queue shows nothing unusual and the driver reports ready. '.repeat(60); // ~4,300 chars
    const near = await ask(w.asker, 'Scanner stops after the first page', `Marmoset mode stops after one page. ${filler}`);
    const far = await ask(w.other, 'Scanner stops after a few pages', `${filler} Then the marmoset mode stops after a few pages.`);
    const hits = (await search('marmoset')).results;
    assert.deepEqual(hits.map((h) => h.id).sort(), [near, far].sort());
    for (const h of hits) {
      assert.equal(h.snippetFrom, 'question');
      assert.match(h.snippet, /<mark>Marmoset<\/mark> mode stops|<mark>marmoset<\/mark> mode stops/);
    }
    assert.match(hits.find((h) => h.id === far)!.snippet, /^… /, 'the far match is shown with what leads to it');
  });

  it("finds a thread by its replies' text, and follows reply edits", async () => {
    const reply = await replyVia(w.other, t.cafe, 'Disabling the zephyrine plugin fixed it for me.');
    const hits = (await search('zephyrine')).results;
    assert.deepEqual(
      hits.map((h) => h.id),
      [t.cafe],
    );
    assert.equal(hits[0]!.snippetFrom, 'replies');
    assert.match(hits[0]!.snippet, /<mark>zephyrine<\/mark>/);
    await w.other.agent
      .patch(`/api/replies/${reply.id}`)
      .set('X-CSRF-Token', w.other.csrf)
      .send({ body: 'Disabling the quillwort plugin fixed it for me.' })
      .expect(200);
    assert.equal((await search('zephyrine')).total, 0);
    assert.deepEqual(
      (await search('quillwort')).results.map((h) => h.id),
      [t.cafe],
    );
  });

  it('keeps the replies text off the thread page data', async () => {
    const page = await w.anon.get(`/api/threads/${t.cafe}`).expect(200);
    assert.ok(!JSON.stringify(page.body).includes('searchText'));
    const stored = await w.app.col('threads').findOne({ _id: oid(t.cafe) });
    assert.match(String(stored!.searchText), /quillwort/);
  });

  it('never finds private message content', async () => {
    const res = await w.asker.agent
      .post('/api/messages')
      .set('X-CSRF-Token', w.asker.csrf)
      .send({
        to: [w.moderator.user.username],
        subject: 'Private xylograph detail',
        body: 'My xylograph serial is in this private message.',
        threadId: t.lockTitle,
      });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((await search('xylograph')).total, 0);
    const page = await w.anon.get('/search').query({ q: 'xylograph' }).expect(200);
    assert.ok(!/xylograph serial/.test(page.text));
  });

  it('answers similar questions for a title being typed', async () => {
    const res = await w.anon.get('/api/search/similar').query({ title: 'teams recording is "missing' }).expect(200);
    const threads = res.body.threads as { id: string; title: string; url: string; status: string }[];
    assert.ok(threads.length >= 2 && threads.length <= 5);
    assert.deepEqual(Object.keys(threads[0]!).sort(), ['id', 'status', 'title', 'url']);
    assert.ok(threads.every((x) => x.url.startsWith(`/threads/${x.id}`)));
    assert.deepEqual((await w.anon.get('/api/search/similar').query({ title: 'the' }).expect(200)).body, { threads: [] });
    await w.anon
      .get('/api/search/similar')
      .query({ title: 'x'.repeat(201) })
      .expect(400);
  });

  it('lists similar questions on the ask page: live region for JS, Preview for everyone', async () => {
    const page = await w.asker.agent.get('/ask').expect(200);
    assert.match(page.text, /id="similar-questions"[^>]*aria-live="polite"/);
    assert.match(page.text, /<script src="\/public\/js\/similar.js" defer><\/script>/);
    const res = await w.asker.agent
      .post('/ask')
      .type('form')
      .send(
        form({
          _csrf: formToken(page.text),
          title: 'Teams recording missing after meeting',
          body: 'Where did it go this time?',
          products: [w.products[0]!.id],
          intent: 'preview',
        }),
      )
      .expect(200);
    assert.match(res.text, /Similar questions/);
    assert.match(res.text, new RegExp(`href="/threads/${t.twinB}/`));
  });
});

describe('search: pages and input', function () {
  this.timeout(60_000);
  let w: World;
  const ids: string[] = [];

  before(async () => {
    w = await startWorld();
    for (let i = 0; i < 27; i++) {
      const words = ['printer', 'printer driver', 'printer driver crash'][i % 3];
      ids.push(
        (
          await askVia(w.asker, w.products, {
            title: `Question ${i} about the ${words}`,
            body: `Some details for case ${i}, nothing more.`,
          })
        ).id,
      );
    }
  });
  after(() => w.close());

  it('pages are stable and disjoint, and together hold every match', async () => {
    const p1 = (await w.anon.get('/api/search').query({ q: 'printer driver crash' }).expect(200)).body;
    const p2 = (await w.anon.get('/api/search').query({ q: 'printer driver crash', page: '2' }).expect(200)).body;
    assert.equal(p1.total, 27);
    assert.equal(p1.pages, 2);
    assert.equal(p1.results.length, 20);
    assert.equal(p2.results.length, 7);
    const a = p1.results.map((h: Hit) => h.id);
    const b = p2.results.map((h: Hit) => h.id);
    assert.equal(new Set([...a, ...b]).size, 27);
    assert.deepEqual([...a, ...b].sort(), [...ids].sort());
    const again = (await w.anon.get('/api/search').query({ q: 'printer driver crash' }).expect(200)).body;
    assert.deepEqual(
      again.results.map((h: Hit) => h.id),
      a,
    );
    const scores = [...p1.results, ...p2.results].map((h: Hit) => h.score);
    assert.deepEqual(
      scores,
      [...scores].sort((x, y) => y - x),
    );
  });

  it('refuses operator objects, arrays, bad pages and long terms with 400', async () => {
    for (const qs of ['q[$ne]=', 'q=a&q=b', 'q=printer&page=abc', 'q=printer&page=0', 'q=printer&status=closed', `q=${'x'.repeat(201)}`]) {
      const res = await w.anon.get(`/api/search?${qs}`);
      assert.equal(res.status, 400, qs);
      assert.equal(res.body.error.code, 'validation');
    }
    const long = await w.anon.get('/search').query({ q: 'y'.repeat(201) });
    assert.equal(long.status, 400);
    assert.match(long.text, /at most 200 characters/);
  });

  it('renders the results page with a prefilled box, badges, highlights and pagination', async () => {
    const res = await w.anon.get('/search').query({ q: 'printer crash' }).expect(200);
    assert.match(res.text, /id="site-search"[^>]*value="printer crash"/);
    assert.match(res.text, /<mark>crash<\/mark>/);
    assert.match(res.text, /class="status status-open"/);
    assert.match(res.text, /href="\/search\?q=printer%20crash&amp;page=2"/);
    const xss = await w.anon.get('/search').query({ q: '<script>alert(1)</script> printer' }).expect(200);
    assert.ok(!xss.text.includes('<script>alert(1)'));
  });

  it('shows a helpful empty state for an empty or blank query', async () => {
    for (const q of ['', '   ']) {
      const res = await w.anon.get('/search').query({ q }).expect(200);
      assert.match(res.text, /Type a few words/);
    }
    const none = await w.anon.get('/search').query({ q: 'nonexistentword' }).expect(200);
    assert.match(none.text, /No questions match/);
    const json = (await w.anon.get('/api/search').query({ q: ' ' }).expect(200)).body;
    assert.deepEqual(json.results, []);
    assert.equal(json.total, 0);
  });
});

describe('search: totals and pages agree past the ranked candidates (issue 18 item 15)', function () {
  this.timeout(60_000);
  let w: World;

  before(async () => {
    w = await startWorld();
    // 205 matches, one more than the 200 the service ranks: seeded through the threads service
    // (the HTTP path is covered above) to keep the test cheap.
    for (let i = 0; i < 205; i++) {
      await w.app.services.threads.createThread(w.asker.actor, {
        title: `Scanner ${i} stops after the update`,
        body: `Case ${i}: the scanner stops.`,
        products: [w.products[0]!.id],
      });
    }
  });
  after(() => w.close());

  it('says how many are on the pages, that more exist, and every listed result is on a page', async () => {
    const first = (await w.anon.get('/api/search').query({ q: 'scanner' }).expect(200)).body;
    assert.equal(first.total, 205);
    assert.equal(first.shown, 200);
    assert.equal(first.more, true);
    assert.equal(first.pages, Math.ceil(first.shown / 20));
    const seen = new Set<string>();
    for (let page = 1; page <= first.pages; page++) {
      const body = (
        await w.anon
          .get('/api/search')
          .query({ q: 'scanner', page: String(page) })
          .expect(200)
      ).body;
      assert.equal(body.results.length, 20, `page ${page} is full`);
      for (const h of body.results as Hit[]) seen.add(h.id);
    }
    assert.equal(seen.size, first.shown);
    const past = (
      await w.anon
        .get('/api/search')
        .query({ q: 'scanner', page: String(first.pages + 1) })
        .expect(200)
    ).body;
    assert.equal(past.results.length, 0);

    const html = await w.anon.get('/search').query({ q: 'scanner' }).expect(200);
    assert.match(html.text, /205 questions found: the best 200 are listed\. Add words or a filter to narrow the search\./);
    assert.match(html.text, /page=10/);
    assert.doesNotMatch(html.text, /page=11/);
  });

  it('a search with fewer matches counts them all and says nothing more', async () => {
    const body = (await w.anon.get('/api/search').query({ q: '17' }).expect(200)).body;
    assert.deepEqual([body.total, body.shown, body.more, body.pages, body.results.length], [1, 1, false, 1, 1]);
    const html = await w.anon.get('/search').query({ q: '17' }).expect(200);
    assert.match(html.text, /1 question found/);
  });
});

describe('search: a word in more threads than are counted', function () {
  this.timeout(60_000);
  let w: World;
  before(async () => {
    w = await startWorld();
    const first = await askVia(w.asker, w.products, { title: 'Zanzibar printer offline', body: 'It stopped printing.' });
    const doc = await w.app.col('threads').findOne({ _id: oid(first.id) });
    const copies = Array.from({ length: 1100 }, (_, i) => {
      const { _id, ...rest } = doc!;
      void _id;
      return { ...rest, title: `Zanzibar printer offline ${i}`, slug: `zanzibar-printer-offline-${i}`, bodySource: 'A copy.' };
    });
    await w.app.col('threads').insertMany(copies);
  });
  after(() => w.close());

  it('says "1,000+" instead of counting every match', async () => {
    const json = (await w.anon.get('/api/search').query({ q: 'zanzibar' }).expect(200)).body;
    assert.equal(json.total, 1000);
    assert.equal(json.totalCapped, true);
    assert.equal(json.results.length, 20);
    const page = await w.anon.get('/search').query({ q: 'zanzibar' }).expect(200);
    assert.match(page.text, /1,000\+ questions found/);
    const few = (await w.anon.get('/api/search').query({ q: 'stopped' }).expect(200)).body;
    assert.equal(few.total, 1);
    assert.equal(few.totalCapped, false);
  });
});
