import assert from 'node:assert/strict';
import { startWorld, askVia, replyVia, counts, form, formToken, oid, type World } from './fixture';

describe('threads: replies and the status rule', () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => {
    await w.close();
  });

  it('staff reply -> awaiting_asker; asker reply -> open; other member leaves it', async () => {
    const t = await askVia(w.asker, w.products);
    w.app.clock.advance(60_000);
    const r1 = await w.moderator.agent
      .post(`/api/threads/${t.id}/replies`)
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ body: 'Please send the details by private message.' });
    assert.equal(r1.status, 201, JSON.stringify(r1.body));
    assert.equal(r1.body.threadStatus, 'awaiting_asker');
    assert.equal(r1.body.reply.author.role, 'moderator');
    assert.equal(r1.body.reply.system, false);
    let doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
    assert.equal(doc!.status, 'awaiting_asker');
    assert.equal(doc!.replyCount, 1);
    assert.equal(doc!.lastPosterRole, 'moderator');
    assert.equal(doc!.lastActivityAt.toISOString(), w.app.clock.now().toISOString());

    await replyVia(w.other, t.id, 'Same problem here, following this.');
    doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
    assert.equal(doc!.status, 'awaiting_asker');
    assert.equal(doc!.replyCount, 2);

    await replyVia(w.asker, t.id, 'I have sent you a private message.');
    doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
    assert.equal(doc!.status, 'open');
    assert.equal(doc!.replyCount, 3);
    const reply = await w.app.col('replies').findOne({ threadId: oid(t.id), bodySource: 'I have sent you a private message.' });
    assert.ok(reply);
    assert.equal(reply.authorUsername, w.asker.user.username);
    assert.equal(reply.bodyHtml, '<p>I have sent you a private message.</p>');
    assert.equal(reply.helpfulCount, 0);
  });

  const roles = [
    ['anonymous', 401],
    ['asker', 201],
    ['other', 201],
    ['moderator', 201],
    ['admin', 201],
  ] as const;
  for (const [role, status] of roles) {
    it(`reply as ${role} -> ${status}`, async () => {
      const t = await askVia(w.asker, w.products);
      const agent = role === 'anonymous' ? w.anon : w[role].agent;
      const res = await agent
        .post(`/api/threads/${t.id}/replies`)
        .set('X-CSRF-Token', role === 'anonymous' ? 'x' : w[role].csrf)
        .send({ body: 'A reply with enough text.' });
      assert.equal(res.status, status);
      assert.equal(await w.app.col('replies').countDocuments({ threadId: oid(t.id) }), status === 201 ? 1 : 0);
    });
  }

  const bad: [string, unknown, number][] = [
    ['empty body', { body: '' }, 400],
    ['short body', { body: 'hi' }, 400],
    ['whitespace body', { body: '            ' }, 400],
    ['over-long body', { body: 'x'.repeat(20_001) }, 400],
    ['operator object', { body: { $ne: '' } }, 400],
    ['array', { body: ['a long enough reply'] }, 400],
  ];
  for (const [name, body, status] of bad) {
    it(`rejects ${name} -> ${status}, nothing stored`, async () => {
      const t = await askVia(w.asker, w.products);
      const before = await counts(w);
      const res = await w.other.agent
        .post(`/api/threads/${t.id}/replies`)
        .set('X-CSRF-Token', w.other.csrf)
        .send(body as object);
      assert.equal(res.status, status);
      assert.equal(res.body.error.code, 'validation');
      assert.deepEqual(await counts(w), before);
      assert.equal((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.replyCount, 0);
    });
  }

  it('unknown thread -> 404, malformed id -> 400, missing CSRF -> 403', async () => {
    const before = await counts(w);
    const unknown = await w.other.agent
      .post('/api/threads/0123456789abcdef01234567/replies')
      .set('X-CSRF-Token', w.other.csrf)
      .send({ body: 'A reply with enough text.' });
    assert.equal(unknown.status, 404);
    const malformed = await w.other.agent
      .post('/api/threads/nope/replies')
      .set('X-CSRF-Token', w.other.csrf)
      .send({ body: 'A reply with enough text.' });
    assert.equal(malformed.status, 400);
    const t = await askVia(w.asker, w.products);
    const noCsrf = await w.other.agent.post(`/api/threads/${t.id}/replies`).send({ body: 'A reply with enough text.' });
    assert.equal(noCsrf.status, 403);
    const after = await counts(w);
    assert.equal(after.replies, before.replies);
  });

  it('a reply to a locked thread -> 409 locked, nothing stored (staff too)', async () => {
    const t = await askVia(w.asker, w.products);
    const lock = await w.moderator.agent
      .post(`/api/threads/${t.id}/lock`)
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ reason: 'Duplicate question' });
    assert.equal(lock.status, 200);
    for (const p of [w.asker, w.moderator]) {
      const res = await p.agent.post(`/api/threads/${t.id}/replies`).set('X-CSRF-Token', p.csrf).send({ body: 'Trying to reply anyway.' });
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, 'locked');
    }
    // Only the lock's system note (who, when, why) is stored.
    const stored = await w.app
      .col('replies')
      .find({ threadId: oid(t.id) })
      .toArray();
    assert.deepEqual(
      stored.map((r) => r.system),
      [true],
    );
    // A system note counts as a post (server/threads/reply-service.ts addSystemReply).
    assert.equal((await w.app.col('threads').findOne({ _id: oid(t.id) }))!.replyCount, 1);
  });

  it('replies racing a lock either land (counted) or are refused (not stored)', async () => {
    const t = await askVia(w.asker, w.products);
    const replies = Array.from({ length: 8 }, (_, i) =>
      w.other.agent
        .post(`/api/threads/${t.id}/replies`)
        .set('X-CSRF-Token', w.other.csrf)
        .send({ body: `Racing reply number ${i}` }),
    );
    const lock = w.moderator.agent.post(`/api/threads/${t.id}/lock`).set('X-CSRF-Token', w.moderator.csrf).send({ reason: 'race' });
    const results = await Promise.all([...replies, lock]);
    const landed = results.slice(0, 8).filter((r) => r.status === 201).length;
    for (const r of results.slice(0, 8))
      assert.ok(r.status === 201 || (r.status === 409 && r.body.error.code === 'locked'), String(r.status));
    const doc = await w.app.col('threads').findOne({ _id: oid(t.id) });
    assert.equal(doc!.status, 'locked');
    assert.equal(doc!.replyCount, landed + 1, 'the replies that landed and the lock note');
    assert.equal(await w.app.col('replies').countDocuments({ threadId: oid(t.id), system: { $ne: true } }), landed);
    assert.equal(await w.app.col('replies').countDocuments({ threadId: oid(t.id), system: true }), 1, 'the lock note');
  });

  it('HTML reply form: posts and redirects to the reply anchor', async () => {
    const t = await askVia(w.asker, w.products);
    const page = await w.other.agent.get(t.url);
    assert.match(page.text, /<label for="reply-body">/);
    const res = await w.other.agent
      .post(`/threads/${t.id}/replies`)
      .type('form')
      .send(form({ _csrf: formToken(page.text), body: 'Reply through the form.' }));
    assert.equal(res.status, 303);
    const reply = await w.app.col('replies').findOne({ threadId: oid(t.id) });
    assert.ok(reply);
    assert.equal(res.headers.location, `${t.url}#reply-${reply._id}`);
  });

  it('HTML reply form: an invalid reply re-renders the thread with the draft', async () => {
    const t = await askVia(w.asker, w.products);
    const page = await w.other.agent.get(t.url);
    const res = await w.other.agent
      .post(`/threads/${t.id}/replies`)
      .type('form')
      .send(form({ _csrf: formToken(page.text), body: 'short' }));
    assert.equal(res.status, 400);
    assert.match(res.text, />short<\/textarea>/);
    assert.match(res.text, /role="alert"/);
    assert.equal(await w.app.col('replies').countDocuments({ threadId: oid(t.id) }), 0);
  });

  it('locked thread page shows the lock note instead of the form', async () => {
    const t = await askVia(w.asker, w.products);
    await w.moderator.agent
      .post(`/api/threads/${t.id}/lock`)
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ reason: 'Answered in another thread' });
    const page = await w.asker.agent.get(t.url);
    assert.doesNotMatch(page.text, /id="reply-form"/);
    assert.match(page.text, /This thread is locked/);
    assert.match(page.text, /Reason: Answered in another thread/);
  });
});
