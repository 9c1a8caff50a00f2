import { strict as assert } from 'node:assert';
import { startWorld, counts, askVia, formToken, oid, type World } from './fixture';

/**
 * Edits and redactions (issue 18 items 8, 9, 13, 14): the public-post guard on every edit
 * path, the edit page's highlight and "send privately", the slug after a title redaction,
 * and revisions only for edits that happened.
 */
describe('threads: edits that hold (issue 18 items 8, 9, 13, 14)', function () {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => w.close());

  const CODE = 'Here is the code 7KQ2XM9P4RT8';
  const PASSWORD = 'password: hunter2hunter2';

  describe('item 8: the guard on PATCH /api/threads/:id and PATCH /api/replies/:id', () => {
    it('a question edit with an access code or a password: 422 with the matches, nothing changed', async () => {
      const t = await askVia(w.asker, w.products);
      const before = await w.app.col('threads').findOne({ _id: oid(t.id) });
      for (const [body, kind] of [
        [CODE, 'access_code'],
        [PASSWORD, 'password'],
      ] as const) {
        const res = await w.asker.patch(`/api/threads/${t.id}`, { body: `Still broken. ${body}` });
        assert.equal(res.status, 422, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'sensitive_data');
        assert.deepEqual(
          res.body.error.matches.map((m: { kind: string }) => m.kind),
          [kind],
        );
      }
      const title = await w.asker.patch(`/api/threads/${t.id}`, { title: `My PIN 4417 and ${PASSWORD}` });
      assert.equal(title.status, 422);
      assert.ok(title.body.error.matches.some((m: { field: string }) => m.field === 'title'));
      assert.deepEqual(await w.app.col('threads').findOne({ _id: oid(t.id) }), before);
      assert.equal(await w.app.col('revisions').countDocuments({ targetId: oid(t.id) }), 0);
    });

    it('a reply edit with a code or a password: 422, nothing changed; versions, dates and prices pass', async () => {
      const t = await askVia(w.asker, w.products);
      const r = await w.other.reply(t.id, 'Same problem on my side.');
      for (const body of [CODE, PASSWORD]) {
        const res = await w.other.patch(`/api/replies/${r.id}`, { body });
        assert.equal(res.status, 422);
        assert.equal(res.body.error.code, 'sensitive_data');
      }
      assert.equal((await w.app.col('replies').findOne({ _id: oid(r.id) }))!.bodySource, 'Same problem on my side.');
      const ok = await w.other.patch(`/api/replies/${r.id}`, {
        body: 'Version 16.0.17928.20114, released 2026-11-24, costs $129.99; order 112-4456678 and KB5034441 did not help.',
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });
  });

  describe('item 9: the edit page shows what was found and offers to send it privately', () => {
    it('question edit (HTML form): the highlight, "Remove them and post" and "Send privately to support", the draft kept', async () => {
      const t = await askVia(w.asker, w.products);
      const page = await w.asker.get(`/threads/${t.id}/edit`).expect(200);
      const res = await w.asker.agent
        .post(`/threads/${t.id}/edit`)
        .type('form')
        .send({ _csrf: formToken(page.text), title: t.title, body: `It still fails. ${CODE}` })
        .expect(422);
      assert.match(res.text, /highlighted below/);
      assert.match(res.text, /<mark data-kind="access_code">7KQ2XM9P4RT8<\/mark>/);
      assert.match(
        res.text,
        new RegExp(
          `<form method="post" action="/threads/${t.id}/edit">[\\s\\S]*?name="body" value="It still fails. Here is the code \\[removed\\]"`,
        ),
      );
      assert.match(
        res.text,
        /<form method="post" action="\/messages\/from-post">[\s\S]*?name="threadId" value="[0-9a-f]{24}"[\s\S]*?Send privately to support/,
      );
      assert.match(res.text, /It still fails\. Here is the code 7KQ2XM9P4RT8<\/textarea>/);

      // "Send privately to support" from that page: a conversation with support about the question, the code in a secure field.
      const sent = await w.asker.form('/messages/from-post', { title: String(t.title), body: `It still fails. ${CODE}`, threadId: t.id });
      assert.equal(sent.status, 303);
      const conv = await w.app.col('conversations').findOne({ threadId: oid(t.id) });
      assert.ok(conv);
      const msg = await w.app.col('messages').findOne({ conversationId: conv._id });
      assert.doesNotMatch(JSON.stringify(msg), /7KQ2XM9P4RT8/);
      assert.equal(msg!.fields.length, 1);
    });

    it("reply edit (HTML form): the same panel, linked to the reply's thread", async () => {
      const t = await askVia(w.asker, w.products);
      const r = await w.asker.reply(t.id, 'More details follow.');
      const page = await w.asker.get(`/replies/${r.id}/edit`).expect(200);
      const res = await w.asker.agent
        .post(`/replies/${r.id}/edit`)
        .type('form')
        .send({ _csrf: formToken(page.text), body: PASSWORD })
        .expect(422);
      assert.match(res.text, /<mark data-kind="password">hunter2hunter2<\/mark>/);
      assert.match(res.text, new RegExp(`name="threadId" value="${t.id}"`));
      assert.match(res.text, new RegExp(`<form method="post" action="/replies/${r.id}/edit">`));
      assert.match(res.text, new RegExp(`href="/threads/${t.id}/[^"]*#reply-${r.id}">Cancel`));
    });
  });

  describe('item 13: redacting a secret from a title takes it out of the URL', () => {
    it('lists, search, the API and the old address no longer carry it', async () => {
      const t = await askVia(w.asker, w.products, { title: 'Account zebra-4471 cannot sign in to the portal' });
      assert.match(t.url, /zebra-4471/);
      await w.moderator.post('/api/redactions', { postType: 'thread', postId: t.id, text: 'zebra-4471' }).expect(200);

      const stored = await w.app.col('threads').findOne({ _id: oid(t.id) });
      assert.equal(stored!.title, 'Account [redacted by a moderator] cannot sign in to the portal');
      assert.equal(stored!.slug, 'account-redacted-by-a-moderator-cannot-sign-in-to-the-portal');
      const api = await w.anon.get(`/api/threads/${t.id}`).expect(200);
      assert.doesNotMatch(JSON.stringify(api.body), /zebra|4471/);
      const list = await w.anon.get('/api/threads').expect(200);
      assert.doesNotMatch(JSON.stringify(list.body), /zebra|4471/);
      const html = await w.anon.get('/').expect(200);
      assert.doesNotMatch(html.text, /zebra|4471/);
      const search = await w.anon.get('/api/search?q=portal').expect(200);
      const hit = search.body.results.find((h: { id: string }) => h.id === t.id);
      assert.ok(hit, 'still found by its other words');
      assert.doesNotMatch(JSON.stringify(hit), /zebra|4471/);
      assert.equal((await w.anon.get('/api/search?q=zebra').expect(200)).body.total, 0);
      const old = await w.anon.get(t.url).expect(301);
      assert.equal(old.headers.location, `/threads/${t.id}/account-redacted-by-a-moderator-cannot-sign-in-to-the-portal`);
    });
  });

  describe('item 14: a revision exists only for an edit that happened', () => {
    it('six concurrent edits of one question: revisions equal the successful edits', async () => {
      const t = await askVia(w.asker, w.products);
      const before = await counts(w);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => w.asker.patch(`/api/threads/${t.id}`, { body: `Edited body number ${i} with details.` })),
      );
      const statuses = results.map((r) => r.status);
      assert.ok(
        statuses.every((s) => s === 200 || s === 409),
        statuses.join(),
      );
      const ok = statuses.filter((s) => s === 200).length;
      assert.ok(ok >= 1);
      assert.equal(await w.app.col('revisions').countDocuments({ targetId: oid(t.id) }), ok);
      assert.equal((await counts(w)).revisions, before.revisions + ok);
      // The history is a chain: each revision holds a body that was really stored.
      const bodies = (
        await w.app
          .col('revisions')
          .find({ targetId: oid(t.id) })
          .toArray()
      ).map((r) => r.bodySource);
      const stored = (await w.app.col('threads').findOne({ _id: oid(t.id) }))!.bodySource;
      assert.equal(new Set([...bodies, stored]).size, ok + 1);
    });

    it('six concurrent edits of one reply: the same', async () => {
      const t = await askVia(w.asker, w.products);
      const r = await w.moderator.reply(t.id);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => w.moderator.patch(`/api/replies/${r.id}`, { body: `Corrected reply number ${i}.` })),
      );
      const ok = results.filter((x) => x.status === 200).length;
      assert.ok(results.every((x) => x.status === 200 || x.status === 409));
      assert.equal(await w.app.col('revisions').countDocuments({ targetId: oid(r.id) }), ok);
    });
  });
});
