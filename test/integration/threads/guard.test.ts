import { strict as assert } from 'node:assert';
import { startWorld, counts, askVia, type World } from './fixture';

describe('threads: the public-post guard', function () {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => w.close());

  it('refuses a question with an access code (422 sensitive_data), stores nothing, and reports where', async () => {
    const before = await counts(w);
    const body = 'My access code: ABCD-EFGH-1234 says expired. What now?';
    const res = await w.asker.agent
      .post('/api/threads')
      .set('X-CSRF-Token', w.asker.csrf)
      .send({ title: 'Access code expired when migrating', body, products: [w.products[0]!.id] })
      .expect(422);
    assert.equal(res.body.error.code, 'sensitive_data');
    const m = res.body.error.matches.find((x: { kind: string }) => x.kind === 'access_code');
    assert.ok(m, 'access code match reported');
    assert.equal(body.slice(m.start, m.end).includes('1234'), true);
    assert.deepEqual(await counts(w), before);
  });

  it('re-renders the ask form filled in, with the match highlighted and both choices', async () => {
    const before = await counts(w);
    const page = await w.asker.agent.get('/ask').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await w.asker.agent
      .post('/ask')
      .type('form')
      .send({
        _csrf: csrf,
        title: 'Cannot redeem my voucher code',
        body: 'Please call me at (415) 555-2671 about it, thanks a lot',
        products: w.products[0]!.id,
        intent: 'post',
      })
      .expect(422);
    assert.match(res.text, /Cannot redeem my voucher code/);
    assert.match(res.text, /<mark data-kind="phone">/);
    assert.match(res.text, /action="\/messages\/from-post"/);
    assert.deepEqual(await counts(w), before);
  });

  it('refuses a reply with a card number, and ordinary text with versions and prices goes through', async () => {
    const t = await askVia(w.asker, w.products);
    await w.moderator.agent
      .post(`/api/threads/${t.id}/replies`)
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ body: 'Your card 4111 1111 1111 1111 was charged.' })
      .expect(422);
    const ok = await w.moderator.agent
      .post(`/api/threads/${t.id}/replies`)
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ body: 'Update to version 16.0.17928.20114 (released 2026-11-24, $129.99) and retry.' })
      .expect(201);
    assert.ok(ok.body.reply.id);
  });
});

describe('threads: private-message panel on the thread page', function () {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => w.close());

  it('shows the content-free notice and the conversation link only to the asker', async () => {
    const t = await askVia(w.asker, w.products);
    const started = await w.moderator.agent
      .post('/api/messages/request-certification')
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ threadId: t.id });
    assert.ok([200, 201].includes(started.status), `request-certification: ${started.status} ${JSON.stringify(started.body)}`);
    const convId: string = started.body.conversation.id;

    const asker = await w.asker.agent.get(t.url).expect(200);
    assert.match(asker.text, /Support has sent you a private message/);
    assert.ok(asker.text.includes(`/messages/${convId}`), 'asker sees the link');

    const other = await w.other.agent.get(t.url).expect(200);
    assert.doesNotMatch(other.text, /Support has sent you a private message/);
    assert.ok(!other.text.includes(`/messages/${convId}`), 'another member does not see the link');

    const anon = await w.anon.get(t.url).expect(200);
    assert.ok(!anon.text.includes(`/messages/${convId}`));
    assert.doesNotMatch(anon.text, /Support has sent you a private message/);
  });
});
