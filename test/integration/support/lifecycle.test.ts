import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import { awaitingThread, et, local, startSupportForum, type Forum } from './helpers';

/**
 * The thread lifecycle through the real app: deadlines are set by the service that causes
 * each transition, in business time (docs/support-policy.md, "Thread lifecycle").
 */
describe('support lifecycle: deadlines on the thread', function () {
  let f: Forum;
  before(async () => {
    f = await startSupportForum();
  });
  after(async () => {
    await f?.close();
  });

  it('a new question is awaiting support with a first-response target one business day later', async () => {
    f.t.clock.set(et('2026-11-20 16:00'));
    const id = await f.ask(f.asker);
    const t = await f.thread(id);
    assert.equal(t.status, 'open');
    assert.equal(local(t.firstResponseDueAt), '2026-11-23 16:00');
    assert.equal(t.lockDueAt, undefined);
  });

  it('a moderator reply on Friday 16:00 ET sets the lock deadline to Tuesday 16:00 ET and the reminder to Monday', async () => {
    const id = await awaitingThread(f, '2026-11-20 09:00', '2026-11-20 16:00');
    const t = await f.thread(id);
    assert.equal(t.status, 'awaiting_asker');
    assert.equal(local(t.awaitingSince), '2026-11-20 16:00');
    assert.equal(local(t.lockDueAt), '2026-11-24 16:00');
    assert.equal(local(t.reminderDueAt), '2026-11-23 16:00');
    assert.equal(t.firstResponseDueAt, undefined, 'the first-response target is met');

    const res = await f.asker.agent.get(`/api/threads/${id}`).expect(200);
    assert.equal(res.body.thread.status, 'awaiting_asker');
    assert.equal(res.body.thread.lockDueAt, et('2026-11-24 16:00').toISOString());
    assert.equal(res.body.thread.awaitingSince, et('2026-11-20 16:00').toISOString());
  });

  it('follows the calendar over Thanksgiving and over a DST change', async () => {
    const thanksgiving = await awaitingThread(f, '2026-11-25 08:00', '2026-11-25 10:00');
    assert.equal(local((await f.thread(thanksgiving)).lockDueAt), '2026-11-30 10:00');
    const dst = await awaitingThread(f, '2026-03-06 08:00', '2026-03-06 09:00');
    assert.equal(local((await f.thread(dst)).lockDueAt), '2026-03-10 09:00');
  });

  it('a reply by someone other than the asker does not stop the clock', async () => {
    const id = await awaitingThread(f, '2026-11-17 09:00', '2026-11-17 10:00');
    f.t.clock.set(et('2026-11-17 11:00'));
    assert.equal((await f.reply(f.other, id, 'I have the same problem here.')).status, 201);
    const t = await f.thread(id);
    assert.equal(t.status, 'awaiting_asker');
    assert.equal(local(t.lockDueAt), '2026-11-19 10:00');
  });

  it('a second moderator reply restarts the wait from that reply', async () => {
    const id = await awaitingThread(f, '2026-11-17 09:00', '2026-11-17 10:00');
    f.t.clock.set(et('2026-11-18 12:00'));
    assert.equal((await f.reply(f.mod, id, 'Also, which edition do you have?')).status, 201);
    assert.equal(local((await f.thread(id)).lockDueAt), '2026-11-20 12:00');
  });

  it("the asker's reply clears the deadline and sets a new first-response target", async () => {
    const id = await awaitingThread(f, '2026-11-17 09:00', '2026-11-17 10:00');
    f.t.clock.set(et('2026-11-18 15:00'));
    const res = await f.reply(f.asker, id, 'Version 2.1, installed last week.');
    assert.equal(res.status, 201);
    assert.equal(res.body.threadStatus, 'open');
    const t = await f.thread(id);
    assert.equal(t.status, 'open');
    for (const field of ['awaitingSince', 'lockDueAt', 'reminderDueAt']) assert.equal(t[field], undefined, field);
    assert.equal(local(t.firstResponseDueAt), '2026-11-19 15:00');
  });

  it("an asker's follow-up on a thread already awaiting support keeps the earlier target", async () => {
    f.t.clock.set(et('2026-11-17 09:00'));
    const id = await f.ask(f.asker);
    f.t.clock.set(et('2026-11-17 13:00'));
    assert.equal((await f.reply(f.asker, id, 'Any news? It still does not work.')).status, 201);
    assert.equal(local((await f.thread(id)).firstResponseDueAt), '2026-11-18 09:00');
  });

  it('a private message from the asker in a linked conversation clears the deadline', async () => {
    const id = await awaitingThread(f, '2026-11-17 09:00', '2026-11-17 10:00');
    // The moderator asks privately in a conversation linked to the thread...
    f.t.clock.set(et('2026-11-18 11:00'));
    const started = await f.mod.agent
      .post('/api/messages')
      .set('X-CSRF-Token', f.mod.csrf)
      .send({
        to: [f.asker.user.username],
        subject: 'About your activation problem',
        body: 'Please tell us which edition you have.',
        threadId: id,
      });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const conversationId = started.body.conversation.id as string;
    assert.equal((await f.thread(id)).status, 'awaiting_asker', "the moderator's message does not stop the clock");
    // ...and the asker answers there, not in the thread.
    f.t.clock.set(et('2026-11-18 14:00'));
    await f.asker.agent
      .post(`/api/messages/${conversationId}`)
      .set('X-CSRF-Token', f.asker.csrf)
      .send({ body: 'It is the Home edition, thanks for looking.' })
      .expect(201);
    assert.ok(await f.models.Conversation.exists({ _id: new Types.ObjectId(conversationId), threadId: new Types.ObjectId(id) }));
    const t = await f.thread(id);
    assert.equal(t.status, 'open');
    assert.equal(t.lockDueAt, undefined);
    assert.equal(t.reminderDueAt, undefined);
    assert.equal(local(t.firstResponseDueAt), '2026-11-19 14:00');
    // The thread JSON says so too (the page cache was invalidated).
    const json = (await f.asker.agent.get(`/api/threads/${id}`).expect(200)).body.thread;
    assert.equal(json.status, 'open');
    assert.equal(json.lockDueAt, null);
  });

  it('a private message in a conversation not linked to the thread does not stop the clock', async () => {
    const id = await awaitingThread(f, '2026-11-17 09:00', '2026-11-17 10:00');
    f.t.clock.set(et('2026-11-18 11:00'));
    const started = await f.asker.agent
      .post('/api/messages')
      .set('X-CSRF-Token', f.asker.csrf)
      .send({ to: [f.mod.user.username], subject: 'Something else entirely', body: 'A question about my account.' });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const t = await f.thread(id);
    assert.equal(t.status, 'awaiting_asker');
    assert.equal(local(t.lockDueAt), '2026-11-19 10:00');
  });

  it('accepting an answer clears every deadline; unaccepting restores the implied state with a fresh wait', async () => {
    const id = await awaitingThread(f, '2026-11-17 09:00', '2026-11-17 10:00');
    const replies = (await f.asker.agent.get(`/api/threads/${id}`).expect(200)).body.replies;
    f.t.clock.set(et('2026-11-18 09:00'));
    await f.asker.agent.post(`/api/threads/${id}/accept`).set('X-CSRF-Token', f.asker.csrf).send({ replyId: replies[0].id }).expect(200);
    let t = await f.thread(id);
    assert.equal(t.status, 'answered');
    for (const field of ['awaitingSince', 'lockDueAt', 'reminderDueAt', 'firstResponseDueAt']) assert.equal(t[field], undefined, field);

    f.t.clock.set(et('2026-11-19 09:00'));
    await f.asker.agent.delete(`/api/threads/${id}/accept`).set('X-CSRF-Token', f.asker.csrf).expect(200);
    t = await f.thread(id);
    assert.equal(t.status, 'awaiting_asker', 'the last post was the moderator reply');
    assert.equal(local(t.lockDueAt), '2026-11-23 09:00', 'counted from the unaccept (issue 18 item 6), not from the moderator reply');
    assert.equal(local(t.reminderDueAt), '2026-11-20 09:00');
  });

  it('a moderator lock clears the deadlines; unlocking recomputes them from the time of unlocking', async () => {
    const id = await awaitingThread(f, '2026-11-17 09:00', '2026-11-17 10:00');
    f.t.clock.set(et('2026-11-17 11:00'));
    await f.mod.agent
      .post(`/api/threads/${id}/lock`)
      .set('X-CSRF-Token', f.mod.csrf)
      .send({ reason: 'Duplicate of another question' })
      .expect(200);
    let t = await f.thread(id);
    assert.equal(t.status, 'locked');
    assert.equal(t.lockReason, 'moderator');
    assert.equal(t.lockDueAt, undefined);

    f.t.clock.set(et('2026-11-23 09:00'));
    await f.mod.agent.delete(`/api/threads/${id}/lock`).set('X-CSRF-Token', f.mod.csrf).expect(200);
    t = await f.thread(id);
    assert.equal(t.status, 'awaiting_asker');
    assert.equal(local(t.lockDueAt), '2026-11-25 09:00');
  });
});
