import assert from 'node:assert/strict';
import { startWorld, askVia, counts, form, formToken, oid, type World } from './fixture';
import { RENDERER_VERSION } from '../../../server/markdown/render';

describe('threads: asking a question', () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => {
    await w.close();
  });

  describe('POST /api/threads', () => {
    it('creates the thread with cooked Markdown, denormalised author and products', async () => {
      const res = await w.asker.agent
        .post('/api/threads')
        .set('X-CSRF-Token', w.asker.csrf)
        .send({
          title: 'Cannot find where to request a new code',
          body: 'The page says **expired**.\n\nWhat now?',
          products: [w.products[0]!.id, w.products[1]!.id],
        });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const t = res.body.thread;
      assert.equal(t.title, 'Cannot find where to request a new code');
      assert.equal(t.status, 'open');
      assert.match(t.bodyHtml, /<strong>expired<\/strong>/);
      assert.deepEqual(t.author, { id: w.asker.user.id, username: w.asker.user.username, displayName: 'Asker', role: 'member' });
      assert.deepEqual(
        t.products.map((p: { id: string }) => p.id),
        [w.products[0]!.id, w.products[1]!.id],
      );
      assert.equal(t.replyCount, 0);
      assert.equal(t.acceptedReplyId, null);

      const doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
      assert.ok(doc);
      assert.equal(doc.bodySource, 'The page says **expired**.\n\nWhat now?');
      assert.equal(doc.rendererVersion, RENDERER_VERSION);
      assert.equal(doc.authorUsername, w.asker.user.username);
      assert.deepEqual(doc.productNames, [w.products[0]!.name, w.products[1]!.name]);
      assert.equal(doc.lastActivityAt.toISOString(), w.app.clock.now().toISOString());
    });

    const roles = [
      ['anonymous', 401],
      ['asker', 201],
      ['other', 201],
      ['moderator', 201],
      ['admin', 201],
    ] as const;
    for (const [role, status] of roles) {
      it(`${role} -> ${status}`, async () => {
        const before = await counts(w);
        const agent = role === 'anonymous' ? w.anon : w[role].agent;
        const csrf = role === 'anonymous' ? 'x' : w[role].csrf;
        const res = await agent
          .post('/api/threads')
          .set('X-CSRF-Token', csrf)
          .send({ title: `A question from the ${role} role`, body: 'Some details about the problem.', products: [w.products[0]!.id] });
        assert.equal(res.status, status, JSON.stringify(res.body));
        const after = await counts(w);
        assert.equal(after.threads, before.threads + (status === 201 ? 1 : 0));
      });
    }

    const bad: [string, Record<string, unknown>, number][] = [
      ['short title', { title: 'short' }, 400],
      ['long title', { title: 'x'.repeat(201) }, 400],
      ['short body', { body: 'tiny' }, 400],
      ['long body', { body: 'x'.repeat(20_001) }, 400],
      ['operator object as title', { title: { $ne: '' } }, 400],
      ['number as body', { body: 12345678901 }, 400],
      ['no products', { products: [] }, 400],
      ['products as a string', { products: 'abc' }, 400],
      ['malformed product id', { products: ['nothex'] }, 400],
      ['unknown product id', { products: ['0123456789abcdef01234567'] }, 400],
      ['operator in products', { products: [{ $gt: '' }] }, 400],
    ];
    for (const [name, over, status] of bad) {
      it(`rejects ${name} (${status}) and stores nothing`, async () => {
        const before = await counts(w);
        const res = await w.asker.agent
          .post('/api/threads')
          .set('X-CSRF-Token', w.asker.csrf)
          .send({ title: 'A perfectly fine title', body: 'A perfectly fine body.', products: [w.products[0]!.id], ...over });
        assert.equal(res.status, status, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'validation');
        assert.deepEqual(await counts(w), before);
      });
    }

    it('missing CSRF token -> 403 and nothing stored', async () => {
      const before = await counts(w);
      const res = await w.asker.agent
        .post('/api/threads')
        .send({ title: 'A perfectly fine title', body: 'A perfectly fine body.', products: [w.products[0]!.id] });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'csrf');
      assert.deepEqual(await counts(w), before);
    });
  });

  describe('XSS in Markdown', () => {
    const payloads = [
      '<script>alert(1)</script> hello there',
      '<img src=x onerror="alert(1)"> hello there',
      '[click me](javascript:alert(1)) hello there',
      '<xmp><script>alert(1)</script></xmp> hello there',
      '<svg onload="alert(1)"><script>alert(1)</script></svg> hello there',
      '<a href="JaVaScRiPt:alert(1)">x</a> hello there',
      '<iframe src="https://evil.example"></iframe> hello there',
    ];
    for (const body of payloads) {
      it(`is inert: ${body.slice(0, 40)}`, async () => {
        const t = await askVia(w.asker, w.products, { body });
        for (const html of [t.bodyHtml as string, (await w.anon.get(t.url)).text]) {
          const post = html.includes('class="post-body"') ? html.split('class="post-body">')[1]!.split('</div>')[0]! : html;
          assert.doesNotMatch(post, /<script|onerror|onload|javascript:|<svg|<xmp|<iframe/i, post);
        }
      });
    }
  });

  describe('the ask form (HTML)', () => {
    it('GET /ask sends anonymous readers to sign in', async () => {
      const res = await w.anon.get('/ask');
      assert.equal(res.status, 302);
      assert.match(res.headers.location!, /^\/login\?next=%2Fask/);
    });

    it('shows the products as labelled checkboxes', async () => {
      const res = await w.asker.agent.get('/ask');
      assert.equal(res.status, 200);
      for (const p of w.products) assert.match(res.text, new RegExp(`<label for="product-${p.id}">${p.name}</label>`));
      assert.match(res.text, /<label for="ask-title">/);
      assert.match(res.text, /<label for="ask-body">/);
    });

    it('Preview renders the Markdown below the filled-in form and stores nothing', async () => {
      const page = await w.asker.agent.get('/ask');
      const before = await counts(w);
      const res = await w.asker.agent
        .post('/ask')
        .type('form')
        .send(
          form({
            _csrf: formToken(page.text),
            title: 'Preview title here',
            body: 'Some **bold** text',
            products: w.products[0]!.id,
            intent: 'preview',
          }),
        );
      assert.equal(res.status, 200);
      assert.match(res.text, /<h2 id="preview-heading">Preview<\/h2>/);
      assert.match(res.text, /<strong>bold<\/strong>/);
      assert.match(res.text, /value="Preview title here"/);
      assert.match(res.text, />Some \*\*bold\*\* text<\/textarea>/);
      assert.match(res.text, new RegExp(`value="${w.products[0]!.id}" checked`));
      assert.deepEqual(await counts(w), before);
    });

    it('re-renders the form with the typed title and body on error', async () => {
      const page = await w.asker.agent.get('/ask');
      const before = await counts(w);
      const res = await w.asker.agent
        .post('/ask')
        .type('form')
        .send(
          form({ _csrf: formToken(page.text), title: 'Too short', body: 'My <b>body</b> text that I typed carefully', intent: 'post' }),
        );
      assert.equal(res.status, 400);
      assert.match(res.text, /value="Too short"/);
      assert.match(res.text, /My &lt;b&gt;body&lt;\/b&gt; text that I typed carefully<\/textarea>/);
      assert.match(res.text, /role="alert"/);
      assert.deepEqual(await counts(w), before);
    });

    it('requires at least one product, keeping the text', async () => {
      const page = await w.asker.agent.get('/ask');
      const res = await w.asker.agent
        .post('/ask')
        .type('form')
        .send(form({ _csrf: formToken(page.text), title: 'A fine title for this', body: 'A fine body for this question', intent: 'post' }));
      assert.equal(res.status, 400);
      assert.match(res.text, /Choose at least one product/);
      assert.match(res.text, /value="A fine title for this"/);
    });

    it('posts and redirects to the new thread', async () => {
      const page = await w.asker.agent.get('/ask');
      const res = await w.asker.agent
        .post('/ask')
        .type('form')
        .send(
          form({
            _csrf: formToken(page.text),
            title: 'Posted through the form',
            body: 'Body posted through the form',
            products: [w.products[1]!.id, w.products[2]!.id],
            intent: 'post',
          }),
        );
      assert.equal(res.status, 303);
      assert.match(res.headers.location!, /^\/threads\/[0-9a-f]{24}\/posted-through-the-form$/);
      const doc = await w.app.col('threads').findOne({ title: 'Posted through the form' });
      assert.ok(doc);
      assert.equal(doc.products.length, 2);
      const shown = await w.asker.agent.get(res.headers.location!);
      assert.equal(shown.status, 200);
      assert.match(shown.text, /<h1 id="thread-title">Posted through the form<\/h1>/);
    });

    it('without the CSRF field -> 403, nothing stored', async () => {
      const before = await counts(w);
      const res = await w.asker.agent
        .post('/ask')
        .type('form')
        .send(form({ title: 'Posted through the form', body: 'Body posted through the form', products: w.products[0]!.id }));
      assert.equal(res.status, 403);
      assert.deepEqual(await counts(w), before);
    });
  });
});
