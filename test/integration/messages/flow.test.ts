import assert from 'node:assert/strict';
import { askVia, form, formToken, oid, replyTo, reveal, sendNew, startMessagesWorld, type MessagesWorld } from './world';
import { startForum } from '../../helpers/kit';

/** The seed thread's flow, the asker-response rule, and the smaller features around it. */
describe('messages: support flow', () => {
  let w: MessagesWorld;
  before(async () => {
    w = await startMessagesWorld();
  });
  after(async () => w?.close());

  it('moderator asks privately, asker answers privately (thread back to open), moderator sends an access code', async () => {
    const thread = await askVia(w.asker, w.productId);
    const r = await w.moderator.agent
      .post(`/api/threads/${thread.id}/replies`)
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ body: 'Please send your certification ID by private message.' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // The lifecycle engineer owns the deadline; make the state explicit for this test.
    await w.app
      .col('threads')
      .updateOne(
        { _id: oid(thread.id) },
        { $set: { status: 'awaiting_asker', lockDueAt: new Date('2026-11-19T15:00:00Z'), awaitingSince: new Date() } },
      );

    // The prefilled form from the thread page.
    const form1 = await w.moderator.agent.get(`/messages/new?thread=${thread.id}`).expect(200);
    assert.match(form1.text, new RegExp(`name="to" value="${w.asker.user.username}"`));
    assert.match(form1.text, /name="subject" value="About your question: Expired access code for my cloud admin certification"/);
    await w.stranger.agent.get(`/messages/new?thread=${thread.id}`).expect(404);

    const sent = await w.moderator.agent
      .post('/messages')
      .type('form')
      .send(
        form({
          _csrf: formToken(form1.text),
          to: w.asker.user.username,
          subject: 'About your question: Expired access code for my cloud admin certification',
          body: 'Hi, please share your MCID here.',
          threadId: thread.id,
        }),
      )
      .expect(303);
    const id = sent.headers.location!.split('/').pop()!;
    const conv = await w.app.col('conversations').findOne({ _id: oid(id) });
    assert.equal(String(conv!.threadId), thread.id);
    assert.equal(String(conv!.threadAskerId), w.asker.user.id);
    assert.ok((await w.app.col('threads').findOne({ _id: oid(thread.id) }))!.privateMessageNoticeAt instanceof Date);

    // A moderator's message does not stop the clock.
    assert.equal((await replyTo(w.moderator, id, { body: 'Reminder: we need the MCID.' })).status, 201);
    assert.equal((await w.app.col('threads').findOne({ _id: oid(thread.id) }))!.status, 'awaiting_asker');

    const answer = await replyTo(w.asker, id, {
      body: 'Here you go',
      fields: [{ kind: 'certification_id', label: 'MCID', value: '11223344' }],
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const t = await w.app.col('threads').findOne({ _id: oid(thread.id) });
    assert.equal(t!.status, 'open');
    assert.equal(t!.lockDueAt, undefined);
    assert.equal(t!.awaitingSince, undefined);

    const modView = await w.moderator.agent.get(`/api/messages/${id}`).expect(200);
    const f = modView.body.messages[2].fields[0];
    assert.equal(f.label, 'MCID');
    assert.equal((await reveal(w.moderator, id, f.fieldId).expect(200)).body.value, '11223344');

    const code = await replyTo(w.moderator, id, {
      body: 'Your new access code:',
      fields: [{ kind: 'access_code', label: 'Access code', value: 'HJKL-MNBV-4321' }],
    });
    assert.equal(code.status, 201);
    assert.equal(code.body.message.fields[0].masked, '••••-••••-4321');
    assert.ok(code.body.message.fields[0].expiresAt);
    const inbox = await w.asker.agent.get('/api/messages').expect(200);
    assert.equal(inbox.body.unread, 1, 'replying marked the earlier ones read; the code is new');
  });

  it('the new-message form re-renders with the input but never the secure value', async () => {
    const page = await w.stranger.agent.get('/messages/new').expect(200);
    assert.match(page.text, /<label for="msg-to">/);
    const res = await w.stranger.agent
      .post('/messages')
      .type('form')
      .send(
        form({
          _csrf: formToken(page.text),
          to: 'nobody-here',
          subject: 'Typed subject',
          body: 'Typed body',
          secureKind: 'other',
          secureLabel: 'Pin',
          secureValue: 'NEVER-ECHO-77',
          secureExpiresInDays: '',
        }),
      )
      .expect(400);
    assert.match(res.text, /There is no member called/);
    assert.match(res.text, /value="Typed subject"/);
    assert.match(res.text, />Typed body</);
    assert.doesNotMatch(res.text, /NEVER-ECHO-77/);
  });

  it('members may write to each other, unless blocked; support is never blocked', async () => {
    const ok = await sendNew(w.stranger, { to: [w.asker.user.username], subject: 'Hello', body: 'Did you solve the migration?' });
    assert.equal(ok.status, 201);
    await w.asker.agent.post(`/api/messages/block/${w.stranger.user.username}`).set('X-CSRF-Token', w.asker.csrf).send({}).expect(200);
    assert.equal(await w.app.col('blocks').countDocuments({ blockerId: oid(w.asker.user.id), blockedId: oid(w.stranger.user.id) }), 1);
    // Blocking twice is harmless.
    await w.asker.agent.post(`/api/messages/block/${w.stranger.user.username}`).set('X-CSRF-Token', w.asker.csrf).send({}).expect(200);
    const refused = await sendNew(w.stranger, { to: [w.asker.user.username], subject: 'Hello again', body: 'Please answer.' });
    assert.equal(refused.status, 403);
    await w.asker.agent.post(`/api/messages/block/${w.moderator.user.username}`).set('X-CSRF-Token', w.asker.csrf).send({}).expect(200);
    assert.equal((await sendNew(w.moderator, { to: [w.asker.user.username], subject: 'Support', body: 'Still here.' })).status, 201);
    await w.asker.agent.post(`/api/messages/unblock/${w.stranger.user.username}`).set('X-CSRF-Token', w.asker.csrf).send({}).expect(200);
    assert.equal((await sendNew(w.stranger, { to: [w.asker.user.username], subject: 'Hi', body: 'Thanks.' })).status, 201);
    assert.equal((await sendNew(w.stranger, { to: [w.stranger.user.username], subject: 'Me', body: 'x' })).status, 400);
    assert.equal((await sendNew(w.stranger, { to: ['nobody-by-that-name'], subject: 'x', body: 'x' })).status, 400);
    assert.equal((await sendNew(w.stranger, { to: [w.asker.user.username], subject: 'My MCID: 123456789', body: 'x' })).status, 400);
  });

  it('"send privately to support" turns a stopped public post into a support conversation every moderator reads', async () => {
    const thread = await askVia(w.asker, w.productId, { title: 'Profile migration fails' });
    const mod2 = await w.app.person('moderator', { name: 'second' });
    const draft = `My certification ID: 556677889 and my e-mail ${w.asker.user.username}@mail.example`;
    const page = await w.asker.agent.get('/messages').expect(200);
    const res = await w.asker.agent
      .post('/messages/from-post')
      .type('form')
      .send(form({ _csrf: formToken(page.text), title: 'Re: Profile migration fails', body: draft, threadId: thread.id }))
      .expect(303);
    const id = res.headers.location!.split('/').pop()!;
    const conv = await w.app.col('conversations').findOne({ _id: oid(id) });
    // The shared support inbox: the member side only; staff read it by role.
    assert.equal(conv!.support, true);
    assert.deepEqual(conv!.participantIds.map(String), [w.asker.user.id]);
    assert.equal(String(conv!.threadId), thread.id);
    assert.equal(conv!.subject, 'About your question: Profile migration fails');
    const msg = await w.app.col('messages').findOne({ conversationId: oid(id) });
    assert.deepEqual(
      msg!.fields.map((f: { kind: string }) => f.kind),
      ['certification_id', 'other'],
    );
    assert.doesNotMatch(JSON.stringify(msg), /556677889|@mail\.example/);
    const view = await mod2.agent.get(`/api/messages/${id}`).expect(200);
    assert.equal((await reveal(mod2, view.body.conversation.id, view.body.messages[0].fields[0].fieldId)).body.value, '556677889');
    // Someone else's thread id is not linked.
    const other = await w.stranger.agent
      .post('/api/messages/from-post')
      .set('X-CSRF-Token', w.stranger.csrf)
      .send({ body: 'access code: QWERTY123', threadId: thread.id });
    assert.equal(other.status, 201);
    assert.equal(other.body.conversation.threadId, null);
  });

  it('moderators redact a span from a post and every revision, re-rendered and audited', async () => {
    // Private information the automatic guard cannot recognise (a home address; passwords it
    // now catches): exactly what redaction is for.
    const secret = 'I live at tangerine-lamp-42';
    const thread = await askVia(w.asker, w.productId, { title: 'Redaction target', body: `Hello, ${secret} please help.` });
    const edit = await w.asker.agent
      .patch(`/api/threads/${thread.id}`)
      .set('X-CSRF-Token', w.asker.csrf)
      .send({ title: 'Redaction target', body: `Hello, ${secret} please help!! (edited)` });
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    assert.ok((await w.app.col('revisions').countDocuments({ targetId: oid(thread.id) })) >= 1);

    const member = await w.asker.agent
      .post('/api/redactions')
      .set('X-CSRF-Token', w.asker.csrf)
      .send({ postType: 'thread', postId: thread.id, text: 'tangerine-lamp-42' });
    assert.equal(member.status, 403);
    const missing = await w.moderator.agent
      .post('/api/redactions')
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ postType: 'thread', postId: '0123456789abcdef01234567', text: 'tangerine-lamp-42' });
    assert.equal(missing.status, 404);
    const notThere = await w.moderator.agent
      .post('/api/redactions')
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ postType: 'thread', postId: thread.id, text: 'not in the post' });
    assert.equal(notThere.status, 422);
    const bad = await w.moderator.agent
      .post('/api/redactions')
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ postType: 'thread', postId: thread.id, text: { $ne: '' } });
    assert.equal(bad.status, 400);

    const ok = await w.moderator.agent
      .post('/api/redactions')
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ postType: 'thread', postId: thread.id, text: 'tangerine-lamp-42' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const t = await w.app.col('threads').findOne({ _id: oid(thread.id) });
    assert.match(t!.bodySource, /I live at \[redacted by a moderator\] please help!!/);
    assert.match(t!.bodyHtml, /\[redacted by a moderator\]/);
    assert.doesNotMatch(JSON.stringify(t), /tangerine-lamp-42/);
    const revs = await w.app
      .col('revisions')
      .find({ targetId: oid(thread.id) })
      .toArray();
    assert.doesNotMatch(JSON.stringify(revs), /tangerine-lamp-42/);
    assert.match(revs[0]!.bodySource, /\[redacted by a moderator\]/);
    const audit = await w.app
      .col('audit_entries')
      .find({ action: 'redact_post', targetId: oid(thread.id) })
      .toArray();
    assert.equal(audit.length, 1);
    assert.doesNotMatch(JSON.stringify(audit), /tangerine-lamp-42/);
    const page = await w.anon.get(`/threads/${thread.id}`).expect(200);
    assert.doesNotMatch(page.text, /tangerine-lamp-42/);

    // A reply works the same way.
    const reply = await w.asker.agent
      .post(`/api/threads/${thread.id}/replies`)
      .set('X-CSRF-Token', w.asker.csrf)
      .send({ body: 'Also my old password sunflower77 here' });
    assert.equal(reply.status, 201);
    const ok2 = await w.moderator.agent
      .post('/api/redactions')
      .set('X-CSRF-Token', w.moderator.csrf)
      .send({ postType: 'reply', postId: reply.body.reply.id, text: 'sunflower77' });
    assert.equal(ok2.status, 200);
    const rep = await w.app.col('replies').findOne({ _id: oid(reply.body.reply.id) });
    assert.equal(rep!.bodySource, 'Also my old password [redacted by a moderator] here');
  });
});

describe('messages: repair and CLI', () => {
  let w: MessagesWorld;
  before(async () => {
    w = await startMessagesWorld();
  });
  after(async () => w?.close());

  it('recount-messages restores counters a crash left behind; purge-secure-fields runs the purge', async () => {
    const res = await sendNew(w.moderator, {
      to: [w.asker.user.username],
      subject: 'Counters',
      body: 'one',
      fields: [{ kind: 'other', label: 'x', value: 'short-lived-1', expiresInDays: 1 }],
    });
    const id = res.body.conversation.id;
    await replyTo(w.moderator, id, { body: 'two' }).expect(201);
    await w.app.col('conversations').updateOne({ _id: oid(id) }, { $set: { messageCount: 7, [`unread.${w.asker.user.id}`]: 0 } });
    assert.equal((await w.app.cli('recount-messages')).code, 0);
    const c = await w.app.col('conversations').findOne({ _id: oid(id) });
    assert.equal(c!.messageCount, 2);
    assert.equal(c!.unread[w.asker.user.id], 2);
    // A support conversation: the moderator answered last, so support owes nothing.
    assert.equal(c!.support, true);
    assert.equal(c!.awaitingSupport, false);
    w.app.clock.advance(2 * 24 * 3600 * 1000);
    const purge = await w.app.cli('purge-secure-fields');
    assert.equal(purge.code, 0);
    assert.match(purge.out.join('\n'), /purged 1 secure fields in 1 messages/);
  });
});

describe('messages: rate limit', () => {
  it('limits how fast one account sends messages', async () => {
    const app = await startForum({ env: { RATE_MESSAGE_MAX: '2' } });
    try {
      const a = await app.person('member', { name: 'chatty', verified: true });
      const b = await app.person('member', { name: 'quiet', verified: true });
      const send = () => sendNew(a, { to: [b.user.username], subject: 'Hi', body: 'Hello' });
      assert.equal((await send()).status, 201);
      assert.equal((await send()).status, 201);
      const third = await send();
      assert.equal(third.status, 429);
      assert.equal(await app.col('conversations').countDocuments(), 2);
    } finally {
      await app.close();
    }
  });
});
