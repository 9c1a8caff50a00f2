import assert from 'node:assert/strict';
import { startWorld, askVia, replyVia, form, formToken, oid, type World, type Person } from './fixture';

type Who = 'anonymous' | 'asker' | 'other' | 'moderator' | 'admin';

describe('threads: accepted answers and locking', () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => {
    await w.close();
  });

  const as = (who: Who) => (who === 'anonymous' ? { agent: w.anon, csrf: 'x' } : (w[who] as Person));

  async function threadWithStaffReply() {
    const t = await askVia(w.asker, w.products);
    const r = await replyVia(w.moderator, t.id, 'Follow these steps to claim the certificate.');
    return { t, r };
  }

  describe('accept', () => {
    const table: [Who, number][] = [
      ['anonymous', 401],
      ['asker', 200],
      ['other', 403],
      ['moderator', 200],
      ['admin', 200],
    ];
    for (const [who, status] of table) {
      it(`${who} -> ${status}`, async () => {
        const { t, r } = await threadWithStaffReply();
        const p = as(who);
        const res = await p.agent.post(`/api/threads/${t.id}/accept`).set('X-CSRF-Token', p.csrf).send({ replyId: r.id });
        assert.equal(res.status, status, JSON.stringify(res.body));
        const doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
        if (status === 200) {
          assert.equal(res.body.thread.status, 'answered');
          assert.equal(res.body.thread.acceptedReplyId, r.id);
          assert.equal(doc!.status, 'answered');
          assert.equal(String(doc!.acceptedReplyId), r.id);
        } else {
          assert.equal(doc!.status, 'awaiting_asker');
          assert.equal(doc!.acceptedReplyId, null);
        }
      });
    }

    it('two concurrent accepts leave exactly one answer; the loser gets 409', async () => {
      const t = await askVia(w.asker, w.products);
      const a = await replyVia(w.moderator, t.id, 'First possible answer to this.');
      const b = await replyVia(w.admin, t.id, 'Second possible answer to this.');
      const [x, y] = await Promise.all([
        w.asker.agent.post(`/api/threads/${t.id}/accept`).set('X-CSRF-Token', w.asker.csrf).send({ replyId: a.id }),
        w.moderator.agent.post(`/api/threads/${t.id}/accept`).set('X-CSRF-Token', w.moderator.csrf).send({ replyId: b.id }),
      ]);
      assert.deepEqual([x.status, y.status].sort(), [200, 409]);
      const loser = x.status === 409 ? x : y;
      assert.equal(loser.body.error.code, 'conflict');
      const winner = x.status === 200 ? a.id : b.id;
      const doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
      assert.equal(String(doc!.acceptedReplyId), winner);
      assert.equal(doc!.status, 'answered');
    });

    it('bad input: reply of another thread -> 404, malformed -> 400, operator -> 400, no CSRF -> 403', async () => {
      const { t } = await threadWithStaffReply();
      const { r: foreign } = await threadWithStaffReply();
      const post = (body: unknown, csrf = true) => {
        const req = w.asker.agent.post(`/api/threads/${t.id}/accept`);
        return (csrf ? req.set('X-CSRF-Token', w.asker.csrf) : req).send(body as object);
      };
      assert.equal((await post({ replyId: foreign.id })).status, 404);
      assert.equal((await post({ replyId: '0123456789abcdef01234567' })).status, 404);
      assert.equal((await post({ replyId: 'zzz' })).status, 400);
      assert.equal((await post({ replyId: { $ne: '' } })).status, 400);
      assert.equal((await post({})).status, 400);
      assert.equal((await post({ replyId: foreign.id }, false)).status, 403);
      const doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
      assert.equal(doc!.acceptedReplyId, null);
      assert.equal(doc!.status, 'awaiting_asker');
    });

    it('the asker sees "Did this solve your problem?" on staff replies only; Yes accepts', async () => {
      const t = await askVia(w.asker, w.products);
      await replyVia(w.other, t.id, 'A member suggestion here.');
      const staff = await replyVia(w.moderator, t.id, 'The staff answer is here.');
      const askerPage = await w.asker.agent.get(t.url);
      const prompts = askerPage.text.match(/Did this solve your problem\?/g) ?? [];
      assert.equal(prompts.length, 1);
      for (const p of [w.other, w.moderator]) {
        assert.doesNotMatch((await p.agent.get(t.url)).text, /Did this solve your problem/);
      }
      assert.doesNotMatch((await w.anon.get(t.url)).text, /Did this solve your problem/);

      const res = await w.asker.agent
        .post(`/threads/${t.id}/accept`)
        .type('form')
        .send(form({ _csrf: formToken(askerPage.text), replyId: staff.id }));
      assert.equal(res.status, 303);
      const page = await w.anon.get(t.url);
      assert.match(page.text, /<h2 id="answer-heading" class="answer-label">Answer<\/h2>/);
      assert.match(page.text, new RegExp(`<a href="#reply-${staff.id}">Go to answer</a>`));
      assert.match(page.text, new RegExp(`id="reply-${staff.id}"`));
      assert.doesNotMatch((await w.asker.agent.get(t.url)).text, /Did this solve your problem/);
    });
  });

  describe('unaccept', () => {
    const table: [Who, number][] = [
      ['anonymous', 401],
      ['asker', 200],
      ['other', 403],
      ['moderator', 200],
      ['admin', 200],
    ];
    for (const [who, status] of table) {
      it(`${who} -> ${status}; status returns to what the last post implies`, async () => {
        const { t, r } = await threadWithStaffReply();
        await w.asker.agent.post(`/api/threads/${t.id}/accept`).set('X-CSRF-Token', w.asker.csrf).send({ replyId: r.id }).expect(200);
        const p = as(who);
        const res = await p.agent.delete(`/api/threads/${t.id}/accept`).set('X-CSRF-Token', p.csrf);
        assert.equal(res.status, status);
        const doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
        if (status === 200) {
          assert.equal(doc!.acceptedReplyId, null);
          assert.equal(doc!.status, 'awaiting_asker'); // last post was the moderator's
        } else {
          assert.equal(doc!.status, 'answered');
        }
      });
    }

    it('last post by the asker -> open', async () => {
      const { t, r } = await threadWithStaffReply();
      await replyVia(w.asker, t.id, 'Thanks, that fixed it!');
      await w.asker.agent.post(`/api/threads/${t.id}/accept`).set('X-CSRF-Token', w.asker.csrf).send({ replyId: r.id }).expect(200);
      const res = await w.asker.agent.delete(`/api/threads/${t.id}/accept`).set('X-CSRF-Token', w.asker.csrf);
      assert.equal(res.status, 200);
      assert.equal(res.body.thread.status, 'open');
    });

    it('nothing accepted -> 409', async () => {
      const { t } = await threadWithStaffReply();
      const res = await w.asker.agent.delete(`/api/threads/${t.id}/accept`).set('X-CSRF-Token', w.asker.csrf);
      assert.equal(res.status, 409);
    });
  });

  describe('lock and unlock', () => {
    const table: [Who, number][] = [
      ['anonymous', 401],
      ['asker', 403],
      ['other', 403],
      ['moderator', 200],
      ['admin', 200],
    ];
    for (const [who, status] of table) {
      it(`lock as ${who} -> ${status}`, async () => {
        const { t } = await threadWithStaffReply();
        const p = as(who);
        const res = await p.agent.post(`/api/threads/${t.id}/lock`).set('X-CSRF-Token', p.csrf).send({ reason: 'Off topic' });
        assert.equal(res.status, status);
        const doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
        if (status === 200) {
          assert.equal(res.body.thread.status, 'locked');
          assert.equal(res.body.thread.lockReason, 'moderator');
          assert.equal(doc!.status, 'locked');
          assert.equal(doc!.lockNote, 'Off topic');
          assert.equal(doc!.lockReason, 'moderator');
          assert.equal(doc!.lockedAt.toISOString(), w.app.clock.now().toISOString());
        } else {
          assert.equal(doc!.status, 'awaiting_asker');
        }
      });

      it(`unlock as ${who} -> ${status}`, async () => {
        const { t } = await threadWithStaffReply();
        await w.moderator.agent.post(`/api/threads/${t.id}/lock`).set('X-CSRF-Token', w.moderator.csrf).send({ reason: 'x' }).expect(200);
        const p = as(who);
        const res = await p.agent.delete(`/api/threads/${t.id}/lock`).set('X-CSRF-Token', p.csrf);
        assert.equal(res.status, status);
        const doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
        assert.equal(doc!.status, status === 200 ? 'awaiting_asker' : 'locked');
        if (status === 200) assert.equal(doc!.lockedAt, null);
      });
    }

    it('unlocking an answered thread returns it to answered; locking twice -> 409', async () => {
      const { t, r } = await threadWithStaffReply();
      await w.asker.agent.post(`/api/threads/${t.id}/accept`).set('X-CSRF-Token', w.asker.csrf).send({ replyId: r.id }).expect(200);
      await w.moderator.agent.post(`/api/threads/${t.id}/lock`).set('X-CSRF-Token', w.moderator.csrf).send({}).expect(200);
      const again = await w.moderator.agent.post(`/api/threads/${t.id}/lock`).set('X-CSRF-Token', w.moderator.csrf).send({});
      assert.equal(again.status, 409);
      // Locked: no accept changes.
      const un = await w.asker.agent.delete(`/api/threads/${t.id}/accept`).set('X-CSRF-Token', w.asker.csrf);
      assert.equal(un.status, 409);
      assert.equal(un.body.error.code, 'locked');
      const res = await w.moderator.agent.delete(`/api/threads/${t.id}/lock`).set('X-CSRF-Token', w.moderator.csrf);
      assert.equal(res.status, 200);
      assert.equal(res.body.thread.status, 'answered');
    });

    it('lock reason: wrong type -> 400, over-long -> 400, unknown thread -> 404, no CSRF -> 403', async () => {
      const { t } = await threadWithStaffReply();
      const m = w.moderator;
      assert.equal(
        (
          await m.agent
            .post(`/api/threads/${t.id}/lock`)
            .set('X-CSRF-Token', m.csrf)
            .send({ reason: { $ne: '' } })
        ).status,
        400,
      );
      assert.equal(
        (
          await m.agent
            .post(`/api/threads/${t.id}/lock`)
            .set('X-CSRF-Token', m.csrf)
            .send({ reason: 'x'.repeat(501) })
        ).status,
        400,
      );
      assert.equal((await m.agent.post(`/api/threads/0123456789abcdef01234567/lock`).set('X-CSRF-Token', m.csrf).send({})).status, 404);
      assert.equal((await m.agent.post(`/api/threads/${t.id}/lock`).send({})).status, 403);
      assert.equal((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.status, 'awaiting_asker');
    });

    it('HTML: moderators see lock tools, members do not', async () => {
      const { t } = await threadWithStaffReply();
      const mod = await w.moderator.agent.get(t.url);
      assert.match(mod.text, /<label for="lock-reason">/);
      const res = await w.moderator.agent
        .post(`/threads/${t.id}/lock`)
        .type('form')
        .send(form({ _csrf: formToken(mod.text), reason: 'Spam' }));
      assert.equal(res.status, 303);
      assert.equal((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.status, 'locked');
      assert.doesNotMatch((await w.asker.agent.get(t.url)).text, /Lock thread|Unlock thread/);
      assert.match((await w.moderator.agent.get(t.url)).text, /Unlock thread/);
    });
  });
});
