import assert from 'node:assert/strict';
import { ask, oid, replyDoc, reply, startFeedbackWorld, type FeedbackWorld, type Person } from './helpers';

describe('feedback: helpful votes and satisfaction ratings (JSON API)', function () {
  this.timeout(60_000);
  let w: FeedbackWorld;
  let asker: Person;
  let mod: Person;
  let reader: Person;
  let reader2: Person;
  let threadId: string;
  let modReplyId: string;

  before(async () => {
    w = await startFeedbackWorld();
    asker = await w.person('member', 'asker');
    mod = await w.person('moderator', 'dana');
    reader = await w.person('member', 'reader');
    reader2 = await w.person('member', 'readertwo');
    threadId = (await ask(asker, [w.products[0]!.id])).id;
    modReplyId = (await reply(mod, threadId)).id;
  });
  after(() => w?.close());

  const votes = (replyId: string) =>
    w.app
      .col('votes')
      .find({ replyId: oid(replyId) })
      .toArray();

  it('counts a vote, changes it and withdraws it, keeping the counters and the vote in step', async () => {
    const url = `/api/replies/${modReplyId}/helpful`;
    let res = await reader.agent.post(url).set('X-CSRF-Token', reader.csrf).send({ helpful: true }).expect(200);
    assert.deepEqual(res.body, { helpfulCount: 1, notHelpfulCount: 0, yourVote: true });
    res = await reader.agent.post(url).set('X-CSRF-Token', reader.csrf).send({ helpful: false }).expect(200);
    assert.deepEqual(res.body, { helpfulCount: 0, notHelpfulCount: 1, yourVote: false });
    let docs = await votes(modReplyId);
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.helpful, false);
    res = await reader.agent.delete(url).set('X-CSRF-Token', reader.csrf).expect(200);
    assert.deepEqual(res.body, { helpfulCount: 0, notHelpfulCount: 0, yourVote: null });
    docs = await votes(modReplyId);
    assert.equal(docs.length, 0, 'an empty vote document is removed');
    // Withdrawing again is harmless.
    res = await reader.agent.delete(url).set('X-CSRF-Token', reader.csrf).expect(200);
    assert.deepEqual(res.body, { helpfulCount: 0, notHelpfulCount: 0, yourVote: null });
    const r = await replyDoc(w, modReplyId);
    assert.equal(r!.helpfulCount, 0);
    assert.equal(r!.notHelpfulCount, 0);
  });

  it('rates satisfaction 1-5 with a comment, changes and withdraws the rating', async () => {
    const url = `/api/replies/${modReplyId}/satisfaction`;
    let res = await reader.agent
      .post(url)
      .set('X-CSRF-Token', reader.csrf)
      .send({ score: 5, comment: ' Clear steps, thanks! ' })
      .expect(200);
    assert.deepEqual(res.body, { satisfactionAverage: 5, satisfactionCount: 1, yourScore: 5 });
    res = await reader2.agent.post(url).set('X-CSRF-Token', reader2.csrf).send({ score: 2 }).expect(200);
    assert.deepEqual(res.body, { satisfactionAverage: 3.5, satisfactionCount: 2, yourScore: 2 });
    res = await reader2.agent.post(url).set('X-CSRF-Token', reader2.csrf).send({ score: 3 }).expect(200);
    assert.deepEqual(res.body, { satisfactionAverage: 4, satisfactionCount: 2, yourScore: 3 });
    const mine = await w.app.col('votes').findOne({ replyId: oid(modReplyId), userId: oid(reader.user.id) });
    assert.equal(mine!.score, 5);
    assert.equal(mine!.comment, 'Clear steps, thanks!');
    assert.equal(mine!.helpful, null);
    res = await reader2.agent.delete(url).set('X-CSRF-Token', reader2.csrf).expect(200);
    assert.deepEqual(res.body, { satisfactionAverage: 5, satisfactionCount: 1, yourScore: null });
    const r = await replyDoc(w, modReplyId);
    assert.equal(r!.satisfactionSum, 5);
    assert.equal(r!.satisfactionCount, 1);
    res = await reader.agent.delete(url).set('X-CSRF-Token', reader.csrf).expect(200);
    assert.deepEqual(res.body, { satisfactionAverage: null, satisfactionCount: 0, yourScore: null });
    assert.equal((await votes(modReplyId)).length, 0);
  });

  it('keeps exactly one vote under 20 concurrent requests from one reader (double clicks)', async () => {
    const { id } = await reply(mod, threadId, 'Another answer, to be voted on twenty times at once.');
    const url = `/api/replies/${id}/helpful`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        reader.agent
          .post(url)
          .set('X-CSRF-Token', reader.csrf)
          .send({ helpful: i % 3 !== 0 }),
      ),
    );
    for (const res of results) assert.equal(res.status, 200, JSON.stringify(res.body));
    const docs = await votes(id);
    assert.equal(docs.length, 1);
    const r = await replyDoc(w, id);
    assert.equal(r!.helpfulCount, docs[0]!.helpful === true ? 1 : 0);
    assert.equal(r!.notHelpfulCount, docs[0]!.helpful === false ? 1 : 0);
  });

  it('keeps one rating under concurrent ratings from one reader', async () => {
    const { id } = await reply(mod, threadId, 'A third answer, to be rated many times at once.');
    const url = `/api/replies/${id}/satisfaction`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        reader2.agent
          .post(url)
          .set('X-CSRF-Token', reader2.csrf)
          .send({ score: (i % 5) + 1 }),
      ),
    );
    for (const res of results) assert.equal(res.status, 200);
    const docs = await votes(id);
    assert.equal(docs.length, 1);
    const r = await replyDoc(w, id);
    assert.equal(r!.satisfactionCount, 1);
    assert.equal(r!.satisfactionSum, docs[0]!.score);
  });

  it('refuses a vote on your own reply (403) and stores nothing', async () => {
    for (const [url, body] of [
      [`/api/replies/${modReplyId}/helpful`, { helpful: true }],
      [`/api/replies/${modReplyId}/satisfaction`, { score: 5 }],
    ] as const) {
      const res = await mod.agent.post(url).set('X-CSRF-Token', mod.csrf).send(body).expect(403);
      assert.equal(res.body.error.code, 'forbidden');
    }
    assert.equal(await w.app.col('votes').countDocuments({ userId: oid(mod.user.id) }), 0);
  });

  it('refuses votes on notes from the forum (system replies)', async () => {
    const note = await w.app.services.threads.addSystemReply(
      threadId,
      { body: 'This thread was closed and locked.', kind: 'lock_notice' },
      w.app.clock,
    );
    await reader.agent.post(`/api/replies/${note.id}/helpful`).set('X-CSRF-Token', reader.csrf).send({ helpful: true }).expect(403);
    assert.equal(await w.app.col('votes').countDocuments({ replyId: oid(note.id) }), 0);
  });

  it('answers 401 to anonymous readers', async () => {
    const anon = w.app.agent();
    const res = await anon.post(`/api/replies/${modReplyId}/helpful`).send({ helpful: true }).expect(401);
    assert.equal(res.body.error.code, 'unauthorized');
    await anon.delete(`/api/replies/${modReplyId}/satisfaction`).expect(401);
  });

  it('needs the CSRF token (403) and stores nothing without it', async () => {
    const before = await w.app.col('votes').countDocuments();
    let res = await reader.agent.post(`/api/replies/${modReplyId}/helpful`).send({ helpful: true }).expect(403);
    assert.equal(res.body.error.code, 'csrf');
    res = await reader.agent.post(`/api/replies/${modReplyId}/helpful`).set('X-CSRF-Token', 'forged').send({ helpful: true }).expect(403);
    await reader.agent.delete(`/api/replies/${modReplyId}/helpful`).expect(403);
    assert.equal(await w.app.col('votes').countDocuments(), before);
  });

  it('rejects bad helpful values with 400 and stores nothing', async () => {
    const before = await w.app.col('votes').countDocuments();
    for (const body of [
      { helpful: 'yes' },
      { helpful: 1 },
      { helpful: null },
      { helpful: { $ne: false } },
      {},
      { helpful: true, extra: 1 },
    ]) {
      const res = await reader.agent.post(`/api/replies/${modReplyId}/helpful`).set('X-CSRF-Token', reader.csrf).send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'validation');
    }
    assert.equal(await w.app.col('votes').countDocuments(), before);
  });

  it('rejects bad scores with 400 and stores nothing', async () => {
    const before = await w.app.col('votes').countDocuments();
    const bad: unknown[] = [
      { score: 0 },
      { score: 6 },
      { score: '5' },
      { score: 4.5 },
      { score: { $gt: 0 } },
      {},
      { score: null },
      { score: 3, comment: 'x'.repeat(1001) },
      { score: 3, comment: { $ne: '' } },
    ];
    for (const body of bad) {
      const res = await reader.agent
        .post(`/api/replies/${modReplyId}/satisfaction`)
        .set('X-CSRF-Token', reader.csrf)
        .send(body as object);
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    assert.equal(await w.app.col('votes').countDocuments(), before);
    const r = await replyDoc(w, modReplyId);
    assert.equal(r!.satisfactionCount, 0);
  });

  it('answers 400 for a malformed reply id and 404 for an unknown one', async () => {
    await reader.agent.post('/api/replies/not-an-id/helpful').set('X-CSRF-Token', reader.csrf).send({ helpful: true }).expect(400);
    await reader.agent
      .post('/api/replies/zzzzzzzzzzzzzzzzzzzzzzzz/satisfaction')
      .set('X-CSRF-Token', reader.csrf)
      .send({ score: 3 })
      .expect(400);
    const res = await reader.agent
      .post('/api/replies/0123456789abcdef01234567/helpful')
      .set('X-CSRF-Token', reader.csrf)
      .send({ helpful: true })
      .expect(404);
    assert.equal(res.body.error.code, 'not_found');
    await reader.agent.delete('/api/replies/0123456789abcdef01234567/satisfaction').set('X-CSRF-Token', reader.csrf).expect(404);
  });

  it('shows the counters in the thread JSON', async () => {
    const { id } = await reply(mod, threadId, 'A fourth answer, for the thread JSON check.');
    await reader.agent.post(`/api/replies/${id}/helpful`).set('X-CSRF-Token', reader.csrf).send({ helpful: true }).expect(200);
    await reader2.agent.post(`/api/replies/${id}/helpful`).set('X-CSRF-Token', reader2.csrf).send({ helpful: false }).expect(200);
    await reader.agent.post(`/api/replies/${id}/satisfaction`).set('X-CSRF-Token', reader.csrf).send({ score: 4 }).expect(200);
    await reader2.agent.post(`/api/replies/${id}/satisfaction`).set('X-CSRF-Token', reader2.csrf).send({ score: 3 }).expect(200);
    const res = await w.app.agent().get(`/api/threads/${threadId}`).expect(200);
    const r = res.body.replies.find((x: { id: string }) => x.id === id);
    assert.equal(r.helpfulCount, 1);
    assert.equal(r.notHelpfulCount, 1);
    assert.equal(r.satisfactionAverage, 3.5);
    assert.equal(r.satisfactionCount, 2);
  });

  it('still takes votes and ratings on a locked thread', async () => {
    const t = (await ask(asker, [w.products[1]!.id], 'Another question that will get locked')).id;
    const { id } = await reply(mod, t);
    await mod.agent.post(`/api/threads/${t}/lock`).set('X-CSRF-Token', mod.csrf).send({ reason: 'Resolved elsewhere' }).expect(200);
    assert.equal((await w.app.col('threads').findOne({ _id: oid(t) }))!.status, 'locked');
    let res = await reader.agent.post(`/api/replies/${id}/helpful`).set('X-CSRF-Token', reader.csrf).send({ helpful: true }).expect(200);
    assert.equal(res.body.helpfulCount, 1);
    res = await reader.agent.post(`/api/replies/${id}/satisfaction`).set('X-CSRF-Token', reader.csrf).send({ score: 4 }).expect(200);
    assert.equal(res.body.satisfactionAverage, 4);
  });
});
