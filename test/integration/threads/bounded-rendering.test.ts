import { strict as assert } from 'node:assert';
import { startForum, formToken, oid, type Person, type TestForum } from '../../helpers/kit';
import { RENDERER_VERSION } from '../../../server/markdown/render';

/**
 * Issue 18 item 3 with the production wiring: the app's renderer runs in a worker thread with
 * a time budget (MARKDOWN_WORKERS=1), previews have their own rate limit, and `rebake` covers
 * private messages and carries on past a document the renderer refuses. (Other tests render in
 * process to save CPU: test config MARKDOWN_WORKERS=0.)
 *
 * The slow input: 4,000 blank-separated list items (20,000 characters) take 95-170 ms to
 * render on an idle 2-core machine (bench/markdown-render.ts shape listItemsBlank; more under
 * load), four times and more the 25 ms budget configured here; the other inputs of this file
 * (short posts, the 20,000-space preview) take under 7 ms in a worker that has warmed up,
 * which every worker does before it takes work (render-worker.ts).
 */
const SLOW = '- a\n\n'.repeat(3999);

describe('threads: rendering in a worker with a time budget, preview limit, rebake (issue 18 items 1, 3)', function () {
  let app: TestForum;
  let asker: Person;
  let moderator: Person;
  let productId: string;
  before(async () => {
    app = await startForum({ env: { MARKDOWN_WORKERS: '1', MARKDOWN_BUDGET_MS: '25', RATE_PREVIEW_MAX: '3' } });
    asker = await app.person('member', { name: 'asker' });
    moderator = await app.person('moderator', { name: 'moderator' });
    productId = (await app.products())[0]!.id;
  });
  after(async () => app.close());

  it('posts are rendered by the worker', async () => {
    const t = await asker.ask({ products: [productId], body: 'Rendered **off** the request thread.' });
    const stored = await app.col('threads').findOne({ _id: oid(t.id) });
    assert.equal(stored!.bodyHtml, '<p>Rendered <strong>off</strong> the request thread.</p>');
  });

  // Each refusal replaces the worker (about a second to boot under load): one per test.
  it('past the budget: a question is refused with 400 naming the field, the draft kept, nothing stored', async () => {
    const threads = await app.col('threads').countDocuments();
    const page = await asker.get('/ask').expect(200);
    const form = await asker.agent
      .post('/ask')
      .type('form')
      .send({ _csrf: formToken(page.text), title: 'A very long list of items', body: SLOW, products: productId, intent: 'post' })
      .expect(400);
    assert.match(form.text, /id="ask-body-error">Details: this text is too complex to format/);
    assert.ok(form.text.includes('- a\n\n- a\n\n'), 'the draft is in the textarea');
    assert.equal(await app.col('threads').countDocuments(), threads);
  });

  it('past the budget: a reply and a private message (API) are refused the same way', async () => {
    const t = await asker.ask({ products: [productId] });
    const reply = await moderator.post(`/api/threads/${t.id}/replies`, { body: SLOW });
    assert.equal(reply.status, 400);
    assert.match(reply.body.error.fields.body, /^Reply: this text is too complex/);
    const msg = await asker.post('/api/messages', { to: [moderator.user.username], subject: 'Long list', body: SLOW });
    assert.equal(msg.status, 400);
    assert.match(msg.body.error.fields.body, /^Message: this text is too complex/);
    // The worker that ran out of time was replaced: the next render works.
    await moderator.reply(t.id, 'Still **here**.');
  });

  it('previews have their own rate limit; the 429 comes back as the form with the draft', async () => {
    const page = await asker.get('/ask').expect(200);
    const preview = () =>
      asker.agent
        .post('/ask')
        .type('form')
        .send({ _csrf: formToken(page.text), title: 'Spaces preview', body: 'a' + ' '.repeat(19990) + 'b', intent: 'preview' });
    for (let i = 0; i < 3; i++) assert.equal((await preview()).status, 200);
    const limited = await preview();
    assert.equal(limited.status, 429);
    assert.ok(limited.headers['retry-after']);
    assert.match(limited.text, /id="form-error"/);
    assert.match(limited.text, /value="Spaces preview"/);
    assert.ok(limited.text.includes(`a${' '.repeat(19990)}b</textarea>`), 'the draft is kept');
    // Posting is another limit: the question still goes through.
    await asker.ask({ products: [productId], title: 'Posted after the previews' });
  });

  it('rebake repairs stored posts, covers private messages, and reports a document it cannot render', async () => {
    const t = await asker.ask({ products: [productId] });
    const good = (await app.col('threads').findOne({ _id: oid(t.id) }))!;
    // As renderer v1 stored it: everything after "<title>" was lost.
    const source = 'The <title> of my portal page shows the old name.\n\nThe favicon too.';
    await app.col('threads').updateOne({ _id: good._id }, { $set: { bodySource: source, bodyHtml: '<p>The </p>', rendererVersion: 1 } });
    // A legacy post far past any budget (1.3 MB; the API takes at most 20,000 characters).
    const huge = SLOW.repeat(60);
    const legacy = await app
      .col('threads')
      .insertOne({ ...good, _id: oid('0123456789abcdef01234567'), bodySource: huge, bodyHtml: '<p>old</p>', rendererVersion: 1 });
    const conv = await asker.post('/api/messages', { to: [moderator.user.username], subject: 'Portal', body: 'first' }).expect(201);
    const m = await app.col('messages').findOne({ conversationId: oid(conv.body.conversation.id) });
    await app.col('messages').updateOne({ _id: m!._id }, { $set: { body: source, html: '<p>The </p>', rendererVersion: 1 } });

    const { code, out, err } = await app.cli('rebake');
    assert.equal(code, 1, [...out, ...err].join('\n'));
    assert.match(err.join('\n'), new RegExp(`threads ${legacy.insertedId}: .*too complex`));
    assert.ok(
      out.some((l) => /^rebake done: 1 threads, \d+ replies, \d+ signatures, 1 private messages re-rendered/.test(l)),
      out.join('\n'),
    );

    const fixed = await app.col('threads').findOne({ _id: good._id });
    assert.match(fixed!.bodyHtml, /The &lt;title&gt; of my portal page shows the old name\.<\/p>\s*<p>The favicon too\./);
    assert.equal(fixed!.rendererVersion, RENDERER_VERSION);
    const message = await app.col('messages').findOne({ _id: m!._id });
    assert.match(message!.html, /The favicon too\./);
    assert.equal(message!.rendererVersion, RENDERER_VERSION);
    const left = await app.col('threads').findOne({ _id: legacy.insertedId });
    assert.equal(left!.bodyHtml, '<p>old</p>');
    assert.equal(left!.rendererVersion, 1);
    await app.col('threads').deleteOne({ _id: legacy.insertedId });
  });

  it('stop() closes the renderer: renders are refused with 503 afterwards', async () => {
    const other = await startForum({ env: { MARKDOWN_WORKERS: '1' } });
    assert.equal(await other.services.renderer.render('*x*'), '<p><em>x</em></p>');
    await other.services.stop();
    await assert.rejects(other.services.renderer.render('x'), (e: unknown) => (e as { status?: number }).status === 503);
    await other.close();
  });
});
