import { strict as assert } from 'node:assert';
import { startWorld, counts, askVia, formToken, oid, type World } from './fixture';

/**
 * Issue 18 items 1, 2 and 4 through every path that stores or shows Markdown: what a member
 * typed is never lost, deep nesting never answers 500, and a body or title that says nothing
 * is refused with a 400 naming the field, the draft kept and nothing stored.
 */
describe('threads: content that is never lost, never a 500, never empty (issue 18 items 1, 2, 4)', function () {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => w.close());

  const TITLE_TAG = 'The <title> of my portal page shows the old name.\n\nThe favicon is also wrong since the upgrade.';
  const DEEP = '>'.repeat(2000);

  describe('item 1: a tag that swallowed the text after it', () => {
    it('a question keeps every word after "<title>", shown as text', async () => {
      const t = await askVia(w.asker, w.products, { title: 'Portal page title shows the old name', body: TITLE_TAG });
      const stored = await w.app.col('threads').findOne({ _id: oid(t.id) });
      assert.match(stored!.bodyHtml, /The &lt;title&gt; of my portal page shows the old name\./);
      assert.match(stored!.bodyHtml, /The favicon is also wrong since the upgrade\./);
      const page = await w.anon.get(t.url).expect(200);
      assert.match(page.text, /The favicon is also wrong since the upgrade\./);
    });

    it('a reply and a reply edit keep it too', async () => {
      const t = await askVia(w.asker, w.products);
      const r = await w.moderator.reply(t.id, TITLE_TAG);
      const stored = await w.app.col('replies').findOne({ _id: oid(r.id) });
      assert.match(stored!.bodyHtml, /The favicon is also wrong/);
      await w.moderator.patch(`/api/replies/${r.id}`, { body: `Edited. ${TITLE_TAG}` }).expect(200);
      assert.match((await w.app.col('replies').findOne({ _id: oid(r.id) }))!.bodyHtml, /Edited\. The &lt;title&gt;.*favicon/s);
    });

    it('a private message keeps it', async () => {
      const res = await w.asker
        .post('/api/messages', { to: [w.moderator.user.username], subject: 'Portal title', body: TITLE_TAG })
        .expect(201);
      const m = await w.app.col('messages').findOne({ conversationId: oid(res.body.conversation.id) });
      assert.match(m!.html, /The &lt;title&gt; of my portal page.*favicon is also wrong/s);
    });
  });

  describe('item 2: 2,000 nested quote markers render (flattened), on every path, never a 500', () => {
    it('question, question edit and reply', async () => {
      const t = await askVia(w.asker, w.products, { title: 'Deeply nested quote markers', body: DEEP });
      assert.ok((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.bodyHtml.includes('<blockquote>'));
      await w.asker.patch(`/api/threads/${t.id}`, { body: `x\n\n${DEEP}` }).expect(200);
      const r = await w.moderator.post(`/api/threads/${t.id}/replies`, { body: DEEP }).expect(201);
      await w.moderator.patch(`/api/replies/${r.body.reply.id}`, { body: `y ${DEEP}` }).expect(200);
    });

    it('the ask preview (HTML form)', async () => {
      const page = await w.asker.get('/ask').expect(200);
      const res = await w.asker.agent
        .post('/ask')
        .type('form')
        .send({ _csrf: formToken(page.text), title: 'Deeply nested preview', body: DEEP, intent: 'preview' })
        .expect(200);
      assert.match(res.text, /<blockquote>/);
    });

    it('a private message and a staff signature', async () => {
      const res = await w.asker.post('/api/messages', { to: [w.moderator.user.username], subject: 'Deep', body: DEEP }).expect(201);
      assert.match((await w.app.col('messages').findOne({ conversationId: oid(res.body.conversation.id) }))!.html, /<blockquote>/);
      // Signatures are at most 2,000 characters.
      const sig = await w.moderator.put('/api/settings/signature', { signature: `Sam\n\n${'>'.repeat(1990)}` }).expect(200);
      assert.match(sig.body.signatureHtml, /<blockquote>/);
    });
  });

  describe('item 4: a body or a title that says nothing', () => {
    const invisible = [
      '<b></b><i></i><p></p>',
      '<script>alert(1)</script>',
      '\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b',
    ];

    for (const body of invisible) {
      it(`a question with the body ${JSON.stringify(body)}: 400 naming "body", nothing stored`, async () => {
        const before = await counts(w);
        const res = await w.asker.post('/api/threads', { title: 'A question in words here', body, products: [w.products[0]!.id] });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'validation');
        assert.match(res.body.error.fields.body, /^Details: write your question in words/);
        assert.deepEqual(await counts(w), before);
      });
    }

    it('a title of only punctuation is refused naming "title", on ask and on edit', async () => {
      const before = await counts(w);
      const res = await w.asker.post('/api/threads', {
        title: '?!?!?!?!?!?!',
        body: 'A real question body here.',
        products: [w.products[0]!.id],
      });
      assert.equal(res.status, 400);
      assert.match(res.body.error.fields.title, /^Title: use at least 5 letters or digits/);
      assert.deepEqual(await counts(w), before);

      const t = await askVia(w.asker, w.products);
      const edit = await w.asker.patch(`/api/threads/${t.id}`, { title: '.......... ..........' });
      assert.equal(edit.status, 400);
      assert.ok(edit.body.error.fields.title);
      const stored = await w.app.col('threads').findOne({ _id: oid(t.id) });
      assert.equal(stored!.title, t.title);
      assert.equal(stored!.editedAt, null);
      assert.equal(await w.app.col('revisions').countDocuments({ targetId: oid(t.id) }), 0);
    });

    it('a title is stored normalised (NFC, zero-width characters gone, spaces collapsed)', async () => {
      const t = await askVia(w.asker, w.products, { title: 'Cafe\u0301   login \u200bfails   again' });
      assert.equal((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.title, 'Café login fails again');
    });

    it('the ask form comes back with the field named and the draft kept', async () => {
      const page = await w.asker.get('/ask').expect(200);
      const before = await counts(w);
      const res = await w.asker.agent
        .post('/ask')
        .type('form')
        .send({
          _csrf: formToken(page.text),
          title: 'My question that has a body of nothing',
          body: '<b></b><i></i><p></p>',
          products: w.products[0]!.id,
          intent: 'post',
        })
        .expect(400);
      assert.match(res.text, /id="ask-body-error">Details: write your question in words/);
      assert.match(res.text, /value="My question that has a body of nothing"/);
      assert.match(res.text, /&lt;b&gt;&lt;\/b&gt;&lt;i&gt;&lt;\/i&gt;&lt;p&gt;&lt;\/p&gt;<\/textarea>/);
      assert.doesNotMatch(res.text, /Some fields are invalid/);
      assert.deepEqual(await counts(w), before);
    });

    it('a reply (page and API) and a reply edit', async () => {
      const t = await askVia(w.asker, w.products);
      const before = await counts(w);
      const api = await w.moderator.post(`/api/threads/${t.id}/replies`, { body: '<script>x()</script> <b></b>' });
      assert.equal(api.status, 400);
      assert.match(api.body.error.fields.body, /^Reply: write your reply in words/);
      const page = await w.moderator.get(t.url).expect(200);
      const form = await w.moderator.agent
        .post(`/threads/${t.id}/replies`)
        .type('form')
        .send({ _csrf: formToken(page.text), body: '<i></i><i></i><i></i>' })
        .expect(400);
      assert.match(form.text, /id="reply-body-error">Reply: write your reply in words/);
      assert.match(form.text, /&lt;i&gt;&lt;\/i&gt;&lt;i&gt;&lt;\/i&gt;&lt;i&gt;&lt;\/i&gt;<\/textarea>/);
      assert.deepEqual(await counts(w), before);

      const r = await w.moderator.reply(t.id);
      const edit = await w.moderator.patch(`/api/replies/${r.id}`, { body: '<p></p><p></p><p></p>' });
      assert.equal(edit.status, 400);
      assert.ok(edit.body.error.fields.body);
      assert.equal(await w.app.col('revisions').countDocuments({ targetId: oid(r.id) }), 0);
    });

    it('a private message of nothing visible, with no secure field: 400 naming "body"', async () => {
      const before = await w.app.col('messages').countDocuments();
      const res = await w.asker.post('/api/messages', { to: [w.moderator.user.username], subject: 'Empty', body: '<b></b><i></i>' });
      assert.equal(res.status, 400);
      assert.match(res.body.error.fields.body, /^Message: write your message in words/);
      assert.equal(await w.app.col('messages').countDocuments(), before);
    });

    it('a signature of nothing visible: 400 naming "signature", the old one kept', async () => {
      await w.admin.put('/api/settings/signature', { signature: 'Alex, Community Support' }).expect(200);
      const res = await w.admin.put('/api/settings/signature', { signature: '<b></b>' });
      assert.equal(res.status, 400);
      assert.match(res.body.error.fields.signature, /^Signature: write your signature in words/);
      const u = await w.app.col('users').findOne({ _id: oid(w.admin.user.id) });
      assert.equal(u!.signature, 'Alex, Community Support');
    });

    it('the preview shows "Nothing to preview yet" for a body a reader would not see', async () => {
      const page = await w.asker.get('/ask').expect(200);
      const res = await w.asker.agent
        .post('/ask')
        .type('form')
        .send({ _csrf: formToken(page.text), title: 'An invisible preview', body: '<b></b><i></i>', intent: 'preview' })
        .expect(200);
      assert.match(res.text, /Nothing to preview yet/);
    });
  });
});
