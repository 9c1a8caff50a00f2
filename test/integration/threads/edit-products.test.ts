import assert from 'node:assert/strict';
import { startWorld, askVia, replyVia, counts, form, formToken, oid, type World, type Person } from './fixture';

type Who = 'anonymous' | 'asker' | 'other' | 'moderator' | 'admin';

describe('threads: edits and product admin', () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => {
    await w.close();
  });
  const as = (who: Who) => (who === 'anonymous' ? { agent: w.anon, csrf: 'x' } : (w[who] as Person));

  describe('editing the question', () => {
    const table: [Who, number][] = [
      ['anonymous', 401],
      ['asker', 200],
      ['other', 403],
      ['moderator', 200],
      ['admin', 200],
    ];
    for (const [who, status] of table) {
      it(`${who} -> ${status}`, async () => {
        const t = await askVia(w.asker, w.products);
        const p = as(who);
        w.app.clock.advance(5000);
        const res = await p.agent
          .patch(`/api/threads/${t.id}`)
          .set('X-CSRF-Token', p.csrf)
          .send({ title: 'An edited title for this', body: 'An *edited* body.' });
        assert.equal(res.status, status, JSON.stringify(res.body));
        const doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
        const revisions = await w.app
          .col('revisions')
          .find({ targetId: oid(t.id) })
          .toArray();
        if (status === 200) {
          assert.equal(doc!.title, 'An edited title for this');
          assert.equal(doc!.slug, 'an-edited-title-for-this');
          assert.equal(doc!.bodyHtml, '<p>An <em>edited</em> body.</p>');
          assert.equal(doc!.editedAt.toISOString(), w.app.clock.now().toISOString());
          assert.equal(revisions.length, 1);
          assert.equal(revisions[0]!.title, 'My certification access code has expired');
          assert.match(revisions[0]!.bodySource, /access code/);
          assert.equal(res.body.thread.editedAt, w.app.clock.now().toISOString());
        } else {
          assert.equal(doc!.title, 'My certification access code has expired');
          assert.equal(revisions.length, 0);
        }
      });
    }

    it('bad input -> 400, nothing changes', async () => {
      const t = await askVia(w.asker, w.products);
      for (const body of [{}, { title: 'short' }, { title: { $ne: '' } }, { body: 'x'.repeat(20_001) }, { body: 42 }]) {
        const res = await w.asker.agent.patch(`/api/threads/${t.id}`).set('X-CSRF-Token', w.asker.csrf).send(body);
        assert.equal(res.status, 400, JSON.stringify(body));
      }
      assert.equal(await w.app.col('revisions').countDocuments({ targetId: oid(t.id) }), 0);
      assert.equal((await w.asker.agent.patch(`/api/threads/${t.id}`).send({ title: 'Without the token here' })).status, 403);
      assert.equal((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.editedAt, null);
    });

    it('the asker cannot edit a locked thread; a moderator can', async () => {
      const t = await askVia(w.asker, w.products);
      await w.moderator.agent.post(`/api/threads/${t.id}/lock`).set('X-CSRF-Token', w.moderator.csrf).send({}).expect(200);
      const mine = await w.asker.agent
        .patch(`/api/threads/${t.id}`)
        .set('X-CSRF-Token', w.asker.csrf)
        .send({ body: 'Changing it after the lock.' });
      assert.equal(mine.status, 409);
      assert.equal(mine.body.error.code, 'locked');
      const mod = await w.moderator.agent
        .patch(`/api/threads/${t.id}`)
        .set('X-CSRF-Token', w.moderator.csrf)
        .send({ body: 'Removed personal details.' });
      assert.equal(mod.status, 200);
    });

    it('HTML edit form: shows the source, saves, marks the post edited', async () => {
      const t = await askVia(w.asker, w.products);
      const page = await w.asker.agent.get(`/threads/${t.id}/edit`);
      assert.equal(page.status, 200);
      assert.match(page.text, /When I try to migrate my profile it says the \*\*access code\*\* has expired\.<\/textarea>/);
      const bad = await w.asker.agent
        .post(`/threads/${t.id}/edit`)
        .type('form')
        .send(form({ _csrf: formToken(page.text), title: 'tiny', body: 'My new body text here' }));
      assert.equal(bad.status, 400);
      assert.match(bad.text, /value="tiny"/);
      assert.match(bad.text, />My new body text here<\/textarea>/);
      const res = await w.asker.agent
        .post(`/threads/${t.id}/edit`)
        .type('form')
        .send(form({ _csrf: formToken(page.text), title: 'A new title after editing', body: 'My new body text here' }));
      assert.equal(res.status, 303);
      const shown = await w.anon.get(res.headers.location!);
      assert.match(shown.text, /A new title after editing/);
      assert.match(shown.text, /· edited <time datetime="[^"]+" title="[^"]+">[^<]+<\/time><\/span>/);
      assert.equal((await w.other.agent.get(`/threads/${t.id}/edit`)).status, 403);
    });
  });

  describe('editing a reply', () => {
    const table: [Who, number][] = [
      ['anonymous', 401],
      ['asker', 403],
      ['other', 200], // the reply's author
      ['moderator', 200],
      ['admin', 200],
    ];
    for (const [who, status] of table) {
      it(`${who} -> ${status}`, async () => {
        const t = await askVia(w.asker, w.products);
        const r = await replyVia(w.other, t.id, 'The original reply text.');
        const p = as(who);
        const res = await p.agent.patch(`/api/replies/${r.id}`).set('X-CSRF-Token', p.csrf).send({ body: 'The corrected reply text.' });
        assert.equal(res.status, status);
        const doc = await w.app.col('replies').findOne({ _id: oid(r.id) });
        const revs = await w.app
          .col('revisions')
          .find({ targetId: oid(r.id) })
          .toArray();
        if (status === 200) {
          assert.equal(doc!.bodySource, 'The corrected reply text.');
          assert.equal(res.body.reply.bodyHtml, '<p>The corrected reply text.</p>');
          assert.ok(res.body.reply.editedAt);
          assert.equal(revs.length, 1);
          assert.equal(revs[0]!.bodySource, 'The original reply text.');
        } else {
          assert.equal(doc!.bodySource, 'The original reply text.');
          assert.equal(revs.length, 0);
        }
      });
    }

    it('unknown reply -> 404, malformed -> 400', async () => {
      assert.equal(
        (
          await w.other.agent
            .patch('/api/replies/0123456789abcdef01234567')
            .set('X-CSRF-Token', w.other.csrf)
            .send({ body: 'Some new text here.' })
        ).status,
        404,
      );
      assert.equal(
        (await w.other.agent.patch('/api/replies/bad').set('X-CSRF-Token', w.other.csrf).send({ body: 'Some new text here.' })).status,
        400,
      );
    });
  });

  describe('products', () => {
    it('GET /api/products lists them', async () => {
      const res = await w.anon.get('/api/products');
      assert.equal(res.status, 200);
      assert.ok(res.body.products.length >= 5);
      assert.ok(res.body.products.every((p: { id: string; name: string }) => /^[0-9a-f]{24}$/.test(p.id) && p.name));
    });

    const table: [Who, number][] = [
      ['anonymous', 401],
      ['asker', 403],
      ['other', 403],
      ['moderator', 403],
      ['admin', 201],
    ];
    for (const [who, status] of table) {
      it(`POST /api/products as ${who} -> ${status}`, async () => {
        const before = await counts(w);
        const p = as(who);
        const res = await p.agent
          .post('/api/products')
          .set('X-CSRF-Token', p.csrf)
          .send({ name: `Product by ${who}` });
        assert.equal(res.status, status);
        assert.equal((await counts(w)).products, before.products + (status === 201 ? 1 : 0));
      });
    }

    it('duplicates (any case) -> 409; bad names -> 400', async () => {
      const a = w.admin;
      await a.agent.post('/api/products').set('X-CSRF-Token', a.csrf).send({ name: 'Surface' }).expect(201);
      const before = await counts(w);
      assert.equal((await a.agent.post('/api/products').set('X-CSRF-Token', a.csrf).send({ name: 'surface' })).status, 409);
      assert.equal(
        (
          await a.agent
            .post('/api/products')
            .set('X-CSRF-Token', a.csrf)
            .send({ name: { $ne: '' } })
        ).status,
        400,
      );
      assert.equal(
        (
          await a.agent
            .post('/api/products')
            .set('X-CSRF-Token', a.csrf)
            .send({ name: 'x'.repeat(81) })
        ).status,
        400,
      );
      assert.equal((await a.agent.post('/api/products').send({ name: 'No token' })).status, 403);
      assert.deepEqual(await counts(w), before);
    });

    it('rename updates the denormalised names on threads; in-use products cannot be removed', async () => {
      const a = w.admin;
      const created = await a.agent.post('/api/products').set('X-CSRF-Token', a.csrf).send({ name: 'Old Name' }).expect(201);
      const pid = created.body.product.id;
      const t = await askVia(w.asker, [{ id: pid }]);
      const renamed = await a.agent.patch(`/api/products/${pid}`).set('X-CSRF-Token', a.csrf).send({ name: 'New Name' });
      assert.equal(renamed.status, 200);
      assert.deepEqual((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.productNames, ['New Name']);
      assert.equal(
        (await w.moderator.agent.patch(`/api/products/${pid}`).set('X-CSRF-Token', w.moderator.csrf).send({ name: 'Hijack' })).status,
        403,
      );
      const del = await a.agent.delete(`/api/products/${pid}`).set('X-CSRF-Token', a.csrf);
      assert.equal(del.status, 409);
      const unused = await a.agent.post('/api/products').set('X-CSRF-Token', a.csrf).send({ name: 'Unused' }).expect(201);
      assert.equal((await a.agent.delete(`/api/products/${unused.body.product.id}`).set('X-CSRF-Token', a.csrf)).status, 204);
      assert.equal(await w.app.col('products').countDocuments({ _id: oid(unused.body.product.id) }), 0);
    });

    it('/admin/products: admins only; the form adds a product', async () => {
      assert.equal((await w.moderator.agent.get('/admin/products')).status, 403);
      const anon = await w.anon.get('/admin/products');
      assert.equal(anon.status, 302);
      assert.equal(anon.headers.location, '/login?next=%2Fadmin%2Fproducts');
      const page = await w.admin.agent.get('/admin/products');
      assert.equal(page.status, 200);
      assert.match(page.text, /<label for="product-name">Name<\/label>/);
      const res = await w.admin.agent
        .post('/admin/products')
        .type('form')
        .send(form({ _csrf: formToken(page.text), name: 'Added by form' }));
      assert.equal(res.status, 303);
      assert.equal(await w.app.col('products').countDocuments({ name: 'Added by form' }), 1);
      const dup = await w.admin.agent
        .post('/admin/products')
        .type('form')
        .send(form({ _csrf: formToken(page.text), name: 'Added by form' }));
      assert.equal(dup.status, 409);
      assert.match(dup.text, /already exists/);
    });
  });
});
