import assert from 'node:assert/strict';
import { oid, type Person } from '../../helpers/kit';
import { linkIn, pathOf, PUBLIC_URL, startMailWorld, type MailWorld } from './mail-world';

/**
 * Who is told what, in-app and by e-mail through a real SMTP server: "Support replied",
 * replies on watched threads (grouped: ten replies are one entry), accepted answers, private
 * messages (never their text), moderator lock and unlock, follow-ups after an accepted answer,
 * per-kind preferences, and no e-mail but the verification link to unconfirmed addresses.
 */
describe('notifications: who is told what, in-app and by e-mail', function () {
  let w: MailWorld;
  let asker: Person;
  let mod: Person;
  let watcher: Person;
  let unverified: Person;

  before(async () => {
    w = await startMailWorld();
    asker = await w.forum.person('member', { name: 'asker', displayName: 'Priya', verified: true });
    mod = await w.forum.person('moderator', { name: 'mod', displayName: 'Dana', verified: true });
    watcher = await w.forum.person('member', { name: 'watcher', displayName: 'Wes', verified: true });
    unverified = await w.forum.person('member', { name: 'newbie', displayName: 'Newbie' });
    await w.deliver(); // the verification mail of the unconfirmed account
  });
  after(async () => {
    await w?.close();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies in a test
  type Entry = Record<string, any>;
  /** The person's entries: unread ones, or every entry of one thread. */
  const entries = async (who: Person, threadId?: string): Promise<Entry[]> => {
    const all = (await who.get('/api/notifications').expect(200)).body.notifications as Entry[];
    return threadId ? all.filter((n) => n.threadId === threadId) : all.filter((n) => !n.read);
  };
  /** The List-Unsubscribe header as sent. */
  const header = (raw: Buffer, name: string) => {
    const m = new RegExp(`^${name}:(.*(?:\\r\\n[ \\t].*)*)`, 'im').exec(raw.toString('utf8'));
    return m ? m[1]!.replace(/\r\n[ \t]+/g, ' ').trim() : null;
  };
  const clear = async (...people: Person[]) => {
    for (const p of people) await p.post('/api/notifications/read', {}).expect(200);
  };

  it('"Support replied": the asker gets an in-app entry and an e-mail that links to the reply', async () => {
    const thread = await asker.ask({ title: 'Printer drops every second page' });
    await mod.reply(thread.id, 'Please open the rear tray and check the roller.');
    const [entry] = await entries(asker);
    assert.equal(entry!.kind, 'support_reply');
    assert.equal(entry!.url, `/threads/${thread.id}`);
    assert.match(entry!.text, /^Support replied to your question "Printer drops every second page"\.$/);

    const mails = await w.deliver();
    const mail = mails.find((m) => m.envelope.to.includes(asker.user.username.toLowerCase() + '@example.test'));
    assert.ok(mail, 'the asker got a mail');
    assert.equal(mail.parsed.subject, '[Support Community] Printer drops every second page');
    assert.equal(mail.parsed.from?.value[0]?.address, 'no-reply@forum.example.test');
    assert.match(mail.parsed.text!, /Please open the rear tray and check the roller\./);
    // The lock delay in the words of the rules in force (two business days by default).
    assert.match(mail.parsed.text!.replace(/\s+/g, ' '), /a question without a response from you is closed after two business days\./);
    assert.equal(pathOf(linkIn(mail.parsed, `/threads/${thread.id}#reply-`)).startsWith(`/threads/${thread.id}`), true);
    const unsubscribe = String(header(mail.raw, 'List-Unsubscribe'));
    assert.match(unsubscribe, new RegExp(`^<${PUBLIC_URL.replace(/\./g, '\\.')}/unsubscribe/[a-z2-7]+\\.support_reply\\.[a-z2-7]+>$`));
    assert.equal(header(mail.raw, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    // The moderator is told nothing about their own reply.
    assert.equal((await entries(mod)).length, 0);
    // The outbox says it went out.
    const stored = await w.forum.col('outbound_mail').findOne({ kind: 'support_reply', userId: oid(asker.user.id) });
    assert.equal(stored!.status, 'sent');
    await clear(asker);
  });

  it('ten replies on a watched thread are one in-app entry; watchers get "New reply", repliers start watching', async () => {
    const thread = await asker.ask({ title: 'Scanner software crashes on start' });
    await watcher.reply(thread.id, 'Same here since the last update, any news?');
    await clear(asker);
    for (let i = 0; i < 10; i++) await mod.reply(thread.id, `Still looking into it, update number ${i + 1}.`);
    const mine = await entries(asker);
    assert.equal(mine.length, 1, 'one entry for the thread');
    assert.equal(mine[0]!.count, 10);
    assert.deepEqual(mine[0]!.counts, { support_reply: 10 });
    assert.match(mine[0]!.summary, /\(10 updates: 10 support replies\)$/);
    const theirs = await entries(watcher);
    assert.equal(theirs.length, 1);
    assert.equal(theirs[0]!.kind, 'watched_reply');
    assert.equal(theirs[0]!.count, 10);
    assert.equal(await w.forum.col('notifications').countDocuments({ userId: oid(watcher.user.id), threadId: oid(thread.id) }), 1);

    // Reading closes the group: the next reply starts a new entry.
    await clear(watcher);
    await mod.reply(thread.id, 'Found it: a driver conflict. Reinstall version 4.2.');
    const after = await entries(watcher, thread.id);
    assert.equal(after.length, 2);
    assert.equal(after[0]!.count, 1);
    assert.equal(after[0]!.read, false);
    assert.equal(after[1]!.read, true);

    // Watchers' replies go to the daily digest by default: no immediate mail for them.
    const mails = await w.deliver();
    assert.equal(mails.filter((m) => m.envelope.to.includes(`${watcher.user.username}@example.test`)).length, 0);
    assert.ok((await w.forum.col('digest_entries').countDocuments({ userId: oid(watcher.user.id), kind: 'watched_reply' })) >= 1);
    await clear(asker, watcher);
  });

  it('muting silences a thread; "normal" keeps only what concerns you', async () => {
    const thread = await asker.ask({ title: 'Keyboard backlight stays off' });
    await watcher.post(`/api/threads/${thread.id}/watch`, { level: 'watching' }).expect(200);
    await asker.post(`/api/threads/${thread.id}/watch`, { level: 'muted' }).expect(200);
    await mod.reply(thread.id, 'Press Fn and F5 together, please.');
    assert.equal((await entries(asker)).length, 0, 'muted: no support reply either');
    assert.equal((await entries(watcher))[0]!.kind, 'watched_reply');
    await watcher.post(`/api/threads/${thread.id}/watch`, { level: 'normal' }).expect(200);
    await clear(watcher);
    await mod.reply(thread.id, 'Or update the firmware.');
    assert.equal((await entries(watcher)).length, 0);
    await asker.post(`/api/threads/${thread.id}/watch`, { level: 'normal' }).expect(200);
    await mod.reply(thread.id, 'Did that help?');
    assert.equal((await entries(asker))[0]!.kind, 'support_reply', 'normal: what concerns me still comes');
    await clear(asker, watcher);
  });

  it('an accepted answer: its author is told, and everyone watching', async () => {
    const thread = await asker.ask({ title: 'Monitor flickers at 144 Hz' });
    const answer = await watcher.reply(thread.id, 'Use the DisplayPort cable that came in the box.');
    await mod.reply(thread.id, 'Agreed, HDMI 1.4 cannot do 144 Hz.');
    await clear(asker, watcher, mod);
    await asker.post(`/api/threads/${thread.id}/accept`, { replyId: answer.id }).expect(200);
    const [toAuthor] = await entries(watcher);
    assert.equal(toAuthor!.kind, 'reply_accepted');
    assert.match(toAuthor!.text, /Your reply in "Monitor flickers at 144 Hz" was accepted/);
    const [toMod] = await entries(mod);
    assert.equal(toMod!.kind, 'watched_accepted', 'the moderator replied, so watches');
    assert.equal((await entries(asker)).length, 0, 'the asker accepted it: not told about their own action');
    await clear(watcher, mod);
  });

  it('a follow-up after an accepted answer goes back to the moderator queue and tells the moderator who answered', async () => {
    const thread = await asker.ask({ title: 'VPN disconnects every hour' });
    const answer = await mod.reply(thread.id, 'Turn off the idle timeout in the client settings.');
    await asker.post(`/api/threads/${thread.id}/accept`, { replyId: answer.id }).expect(200);
    await clear(mod, asker);
    await asker.reply(thread.id, 'It broke again after the update this morning.');
    const stored = await w.forum.col('threads').findOne({ _id: oid(thread.id) });
    assert.equal(stored!.status, 'answered');
    assert.ok(stored!.followUpAt instanceof Date);
    const [note] = await entries(mod);
    assert.equal(note!.kind, 'follow_up');
    assert.match(note!.text, /followed up on "VPN disconnects every hour"/);
    const queue = (await mod.get('/api/support/queue').expect(200)).body;
    assert.deepEqual(
      queue.followUps.items.map((i: { id: string }) => i.id),
      [thread.id],
    );
    const page = await mod.get('/support/queue').expect(200);
    assert.match(page.text, /Follow-ups after an accepted answer/);
    // The follow-up mail goes out at once (the moderator's default for follow-ups).
    const mails = await w.deliver();
    assert.ok(mails.some((m) => m.envelope.to.includes(`${mod.user.username}@example.test`) && /followed up/.test(m.parsed.text!)));
    // A staff reply settles it.
    await mod.reply(thread.id, 'Please reinstall the client, version 7.1 fixes it.');
    assert.equal((await w.forum.col('threads').findOne({ _id: oid(thread.id) }))!.followUpAt, undefined);
    assert.equal((await mod.get('/api/support/queue').expect(200)).body.followUps.total, 0);
    await clear(mod, asker);
  });

  it('a moderator lock and unlock tell the asker', async () => {
    const thread = await asker.ask({ title: 'Warranty claim for a broken hinge' });
    await mod.post(`/api/threads/${thread.id}/lock`, { reason: 'Handled by the warranty team by phone.' }).expect(200);
    assert.equal((await entries(asker))[0]!.kind, 'thread_locked');
    const mails = await w.deliver();
    const locked = mails.find((m) => m.envelope.to.includes(`${asker.user.username}@example.test`) && /was closed/.test(m.parsed.subject!));
    assert.equal(locked!.parsed.subject, '[Support Community] "Warranty claim for a broken hinge" was closed');
    assert.match(locked!.parsed.text!, /A moderator closed and locked your question/);
    await mod.delete(`/api/threads/${thread.id}/lock`).expect(200);
    // Lock and unlock are entries of their own, not one grouped entry with the latest text.
    const unread = await entries(asker);
    assert.deepEqual(
      unread.map((n) => [n.kind, n.count]),
      [
        ['thread_unlocked', 1],
        ['thread_locked', 1],
      ],
    );
    assert.match(unread[1]!.text, /closed your question/);
    await clear(asker);
  });

  it('a private message: "You have a new private message from Support", never its text or a secure field', async () => {
    const canary = 'PM-CANARY-7f3a91';
    const code = 'AB12-CD34-EF56';
    const res = await mod.post('/api/messages', {
      to: [asker.user.username],
      subject: `Subject ${canary}`,
      body: `Private text ${canary}`,
      fields: [{ kind: 'access_code', value: code }],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const [entry] = await entries(asker);
    assert.equal(entry!.kind, 'private_message');
    assert.equal(entry!.text, 'You have a new private message from Support.');
    assert.equal(entry!.url, `/messages/${res.body.conversation.id}`);
    const mails = await w.deliver();
    const pm = mails.find((m) => m.envelope.to.includes(`${asker.user.username}@example.test`));
    assert.ok(pm);
    assert.equal(pm.parsed.subject, '[Support Community] New private message from Support');
    for (const leak of [canary, code]) {
      assert.ok(!pm.raw.toString('utf8').includes(leak), `mail leaks ${leak}`);
      assert.equal(await w.forum.col('notifications').countDocuments({ text: { $regex: leak } }), 0);
    }
    assert.match(pm.parsed.text!, new RegExp(`/messages/${res.body.conversation.id}`));
    await clear(asker);
  });

  it('preferences: "off" sends no e-mail but keeps the in-app entry; "immediately" for a watched reply mails it', async () => {
    await asker.patch('/api/account', { notifications: { support_reply: 'off' } }).expect(200);
    await watcher.patch('/api/account', { notifications: { watched_reply: 'immediately' } }).expect(200);
    const thread = await asker.ask({ title: 'Laptop fan is loud all the time' });
    await watcher.post(`/api/threads/${thread.id}/watch`, { level: 'watching' }).expect(200);
    await mod.reply(thread.id, 'Clean the vents and update the BIOS.');
    assert.equal((await entries(asker))[0]!.kind, 'support_reply');
    const mails = await w.deliver();
    assert.equal(mails.filter((m) => m.envelope.to.includes(`${asker.user.username}@example.test`)).length, 0);
    const toWatcher = mails.filter((m) => m.envelope.to.includes(`${watcher.user.username}@example.test`));
    assert.equal(toWatcher.length, 1);
    assert.match(toWatcher[0]!.parsed.text!, /Clean the vents and update the BIOS\./);
    await asker.patch('/api/account', { notifications: { support_reply: 'immediately' } }).expect(200);
    await watcher.patch('/api/account', { notifications: { watched_reply: 'digest' } }).expect(200);
    await clear(asker, watcher);
  });

  it('an unconfirmed address gets no e-mail but the verification link (the in-app entry still comes)', async () => {
    const thread = await unverified.ask({ title: 'Where is the serial number printed?' });
    await mod.reply(thread.id, 'On the sticker under the battery.');
    assert.equal((await entries(unverified))[0]!.kind, 'support_reply');
    await w.deliver();
    const all = w.mailsTo(`${unverified.user.username}@example.test`);
    assert.deepEqual(
      all.map((m) => m.parsed.subject),
      ['[Support Community] Confirm your e-mail address'],
    );
  });
});
