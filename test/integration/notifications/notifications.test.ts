import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import { startForum, signInAgent as signIn, type Agent, type TestForum, type TestUser } from '../../helpers/kit';

/** In-app notifications: list, mark read, the header bell, and nobody else's ids (one thread per entry here; grouping is in grouping.test.ts). */
describe('notifications', function () {
  let t: TestForum;
  let alice: TestUser;
  let bob: TestUser;
  let aliceAgent: Agent;
  let bobAgent: Agent;
  let aliceCsrf: string;
  const threadIds: string[] = [];

  before(async () => {
    t = await startForum();
    alice = await t.createUser();
    bob = await t.createUser();
    aliceAgent = t.agent();
    bobAgent = t.agent();
    aliceCsrf = (await signIn(aliceAgent, alice.username, alice.password)).csrfToken;
    await signIn(bobAgent, bob.username, bob.password);
  });
  after(async () => {
    await t?.close();
  });

  beforeEach(async () => {
    await t.services.models.Notification.deleteMany({});
  });

  const seed = async (userId: string, n: number, startMs = Date.UTC(2026, 10, 17, 15)) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const threadId = new Types.ObjectId().toHexString();
      threadIds.push(threadId);
      ids.push(
        await t.services.notifications.notify(
          userId,
          { kind: 'lock_reminder', threadId, text: `Your question "Q${i}" will close on Tuesday unless you reply.` },
          new Date(startMs + i * 60_000),
        ),
      );
    }
    return ids;
  };

  it('lists my notifications, newest first, with the unread count', async () => {
    await seed(alice.id, 3);
    const latestOfAlice = threadIds[threadIds.length - 1];
    await seed(bob.id, 2);
    const res = await aliceAgent.get('/api/notifications').expect(200);
    assert.equal(res.body.unread, 3);
    assert.equal(res.body.notifications.length, 3);
    assert.deepEqual(
      res.body.notifications.map((n: { text: string }) => n.text.slice(15, 17)),
      ['Q2', 'Q1', 'Q0'],
    );
    assert.equal(res.body.notifications[0].url, `/threads/${latestOfAlice}`);
    assert.equal(res.body.notifications[0].read, false);
  });

  it('marks chosen ones read, then all', async () => {
    const ids = await seed(alice.id, 3);
    const one = await aliceAgent
      .post('/api/notifications/read')
      .set('X-CSRF-Token', aliceCsrf)
      .send({ ids: [ids[0]] })
      .expect(200);
    assert.deepEqual(one.body, { marked: 1, unread: 2 });
    const stored = await t.services.models.Notification.findById(ids[0]).lean();
    assert.equal(stored!.readAt!.toISOString(), t.clock.now().toISOString(), 'read time from the injected clock');

    const all = await aliceAgent.post('/api/notifications/read').set('X-CSRF-Token', aliceCsrf).send({}).expect(200);
    assert.deepEqual(all.body, { marked: 2, unread: 0 });
    assert.equal((await aliceAgent.get('/api/notifications').expect(200)).body.unread, 0);
  });

  it("someone else's ids are a 404 and nothing is marked", async () => {
    const [bobs] = await seed(bob.id, 1);
    const [mine] = await seed(alice.id, 1);
    const res = await aliceAgent
      .post('/api/notifications/read')
      .set('X-CSRF-Token', aliceCsrf)
      .send({ ids: [mine, bobs] });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
    assert.equal(await t.services.models.Notification.countDocuments({ readAt: null }), 2);
    const unknown = await aliceAgent
      .post('/api/notifications/read')
      .set('X-CSRF-Token', aliceCsrf)
      .send({ ids: [new Types.ObjectId().toHexString()] });
    assert.equal(unknown.status, 404);
    // Bob's list never shows Alice's notifications.
    const bobList = (await bobAgent.get('/api/notifications').expect(200)).body;
    assert.deepEqual(
      bobList.notifications.map((n: { id: string }) => n.id),
      [bobs],
    );
  });

  it('rejects malformed input with 400 and requires the CSRF token', async () => {
    const bad = await aliceAgent
      .post('/api/notifications/read')
      .set('X-CSRF-Token', aliceCsrf)
      .send({ ids: [{ $ne: '' }] });
    assert.equal(bad.status, 400);
    const notAList = await aliceAgent.post('/api/notifications/read').set('X-CSRF-Token', aliceCsrf).send({ ids: 'nope' });
    assert.equal(notAList.status, 400);
    const noToken = await aliceAgent.post('/api/notifications/read').send({});
    assert.equal(noToken.status, 403);
    assert.equal(noToken.body.error.code, 'csrf');
  });

  it('needs a signed-in user', async () => {
    const anon = t.agent();
    assert.equal((await anon.get('/api/notifications')).status, 401);
    const page = await anon.get('/notifications');
    assert.equal(page.status, 302);
    assert.match(page.headers.location!, /^\/login\?next=/);
  });

  it('shows the page with a bell count and marks read through the form', async () => {
    const [first] = await seed(alice.id, 2);
    const page = await aliceAgent.get('/notifications').expect(200);
    assert.match(page.text, /Q1/);
    assert.match(page.text, /class="nav-bell">Notifications <span class="badge-count" aria-label="2 unread">2<\/span>/);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    await aliceAgent.post('/notifications/read').type('form').send({ _csrf: token, ids: first }).expect(303);
    const after1 = await aliceAgent.get('/').expect(200);
    assert.match(after1.text, /aria-label="1 unread">1</);
    await aliceAgent.post('/notifications/read').type('form').send({ _csrf: token }).expect(303);
    const after2 = await aliceAgent.get('/notifications').expect(200);
    assert.doesNotMatch(after2.text, /nav-bell">Notifications <span/);
  });
});
