import { strict as assert } from 'node:assert';
import { oid, startForum, type Person, type TestForum } from '../../helpers/kit';

/** Staff thread operations of issue 15: assign, close as duplicate, move products, unlock with a note. */
describe('moderation: thread operations', function () {
  let forum: TestForum;
  let asker: Person;
  let member: Person;
  let moderator: Person;

  before(async () => {
    forum = await startForum({ start: '2026-11-24T15:00:00Z' });
    [asker, member, moderator] = await Promise.all([
      forum.person('member', { name: 'asker' }),
      forum.person('member'),
      forum.person('moderator'),
    ]);
  });
  after(async () => forum?.close());

  const thread = (id: string) => forum.col('threads').findOne({ _id: oid(id) });

  it('staff assign a thread to a moderator; members cannot; a member is not assignable', async () => {
    const t = await asker.ask({ title: 'A question support will assign' });
    assert.ok([403, 404].includes((await member.post(`/api/threads/${t.id}/assign`, { username: member.user.username })).status));
    assert.equal((await moderator.post(`/api/threads/${t.id}/assign`, { username: member.user.username })).status, 400);
    assert.equal((await thread(t.id))!.assigneeId ?? null, null);
    await moderator.post(`/api/threads/${t.id}/assign`, { username: moderator.user.username }).expect(200);
    assert.equal(String((await thread(t.id))!.assigneeId), moderator.user.id);
    await moderator.post(`/api/threads/${t.id}/assign`, { username: null }).expect(200);
    assert.equal((await thread(t.id))!.assigneeId ?? null, null);
  });

  it('close as duplicate: locked with a link and a system note; itself or a missing thread is refused', async () => {
    const original = await asker.ask({ title: 'The original question about migration' });
    const dup = await member.ask({ title: 'The same question about migration again' });
    assert.ok([403, 404].includes((await member.post(`/api/threads/${dup.id}/duplicate`, { of: original.id })).status));
    assert.equal((await moderator.post(`/api/threads/${dup.id}/duplicate`, { of: dup.id })).status, 400);
    assert.equal((await moderator.post(`/api/threads/${dup.id}/duplicate`, { of: '0123456789abcdef01234567' })).status, 400);
    assert.equal((await thread(dup.id))!.status, 'open');
    await moderator.post(`/api/threads/${dup.id}/duplicate`, { of: original.url }).expect(200);
    const doc = await thread(dup.id);
    assert.equal(doc!.status, 'locked');
    assert.equal(String(doc!.duplicateOf), original.id);
    const notes = await forum
      .col('replies')
      .find({ threadId: oid(dup.id), system: true })
      .toArray();
    assert.equal(notes.length, 1);
    assert.match(notes[0]!.bodySource, new RegExp(original.id));
  });

  it('move to other products (staff); an unknown product changes nothing', async () => {
    const products = await forum.products();
    const t = await asker.ask({ title: 'A question filed under the wrong product', products: [products[0]!.id] });
    assert.equal((await moderator.patch(`/api/threads/${t.id}/products`, { products: ['0123456789abcdef01234567'] })).status, 400);
    assert.deepEqual((await thread(t.id))!.products.map(String), [products[0]!.id]);
    assert.ok([403, 404].includes((await member.patch(`/api/threads/${t.id}/products`, { products: [products[1]!.id] })).status));
    await moderator.patch(`/api/threads/${t.id}/products`, { products: [products[1]!.id] }).expect(200);
    assert.deepEqual((await thread(t.id))!.products.map(String), [products[1]!.id]);
  });

  it('lock and unlock write system notes with who and why', async () => {
    const t = await asker.ask({ title: 'A question locked and unlocked again' });
    assert.ok([403, 404].includes((await member.post(`/api/threads/${t.id}/lock`, { reason: 'Not mine to lock' })).status));
    assert.equal(await forum.col('replies').countDocuments({ threadId: oid(t.id) }), 0);
    await moderator.post(`/api/threads/${t.id}/lock`, { reason: 'Waiting on engineering' }).expect(200);
    await moderator.delete(`/api/threads/${t.id}/lock`, { reason: 'Engineering answered' }).expect(200);
    const notes = await forum
      .col('replies')
      .find({ threadId: oid(t.id), system: true })
      .sort({ createdAt: 1 })
      .toArray();
    assert.equal(notes.length, 2);
    assert.match(notes[0]!.bodySource, /Waiting on engineering/);
    assert.match(notes[1]!.bodySource, /Engineering answered/);
    assert.ok(notes.every((n) => n.bodySource.includes(moderator.user.displayName)));
  });
});
