import { strict as assert } from 'node:assert';
import { startWorld, askVia, oid, type World } from '../threads/fixture';

/** The stored search text and its recorded length, read past the schema's `select: false`. */
async function stored(w: World, threadId: string) {
  const t = await w.app.col('threads').findOne({ _id: oid(threadId) }, { projection: { searchText: 1, searchTextLength: 1 } });
  return { text: String(t!.searchText), length: t!.searchTextLength as number | undefined };
}

const codePoints = (s: string) => Array.from(s).length;
const MAX = 50_000;

describe("search: a reply's text appended to its thread (server/threads/search-text.ts)", function () {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => w.close());

  it('appends each reply and keeps the recorded length equal to the text in code points', async () => {
    const t = await askVia(w.asker, w.products);
    const fresh = await stored(w, t.id);
    assert.deepEqual(fresh, { text: '', length: 0 });
    await w.other.reply(t.id, 'The kestrelwood driver fixed it 🙂 for me.');
    await w.asker.reply(t.id, 'Thanks, the marrowfin setting did it.');
    const s = await stored(w, t.id);
    assert.equal(s.text, '\n\nThe kestrelwood driver fixed it 🙂 for me.\n\nThanks, the marrowfin setting did it.');
    assert.equal(s.length, codePoints(s.text));
    const found = await w.anon.get('/api/search').query({ q: 'marrowfin' }).expect(200);
    assert.deepEqual(
      found.body.results.map((r: { id: string }) => r.id),
      [t.id],
    );
  });

  it('concurrent replies lose none of each other’s text', async () => {
    const t = await askVia(w.asker, w.products);
    const words = ['alderquill', 'brackenmoth', 'cindervale', 'duskfennel', 'emberlark', 'fernwhistle'];
    await Promise.all(words.map((word, i) => (i % 2 ? w.other : w.moderator).reply(t.id, `Have you tried the ${word} option?`)));
    const s = await stored(w, t.id);
    for (const word of words) assert.match(s.text, new RegExp(word));
    assert.equal(s.length, codePoints(s.text));
    const replies = await w.app.col('replies').countDocuments({ threadId: oid(t.id) });
    assert.equal(replies, words.length);
  });

  it('a thread stored before the length existed takes the counting path once and records the length', async () => {
    const t = await askVia(w.asker, w.products);
    await w.app.col('threads').updateOne({ _id: oid(t.id) }, { $set: { searchText: '\n\nolder text' }, $unset: { searchTextLength: '' } });
    await w.other.reply(t.id, 'A newer sablethorn reply.');
    const s = await stored(w, t.id);
    assert.equal(s.text, '\n\nolder text\n\nA newer sablethorn reply.');
    assert.equal(s.length, codePoints(s.text));
  });

  it('cuts the last piece at the cap on a code point boundary, then leaves the full text alone', async () => {
    const t = await askVia(w.asker, w.products);
    const before = 'x'.repeat(MAX - 5);
    await w.app.col('threads').updateOne({ _id: oid(t.id) }, { $set: { searchText: before, searchTextLength: MAX - 5 } });
    // '\n\n' + three astral characters fill the 5 code points left (8 UTF-16 units); the rest is cut.
    await w.other.reply(t.id, '🙂🙂🙂 and the words past the cap');
    const s = await stored(w, t.id);
    assert.ok(s.text.startsWith(before), 'the stored text is kept');
    assert.equal(s.text.slice(before.length), '\n\n🙂🙂🙂');
    assert.equal(s.length, MAX);
    assert.equal(codePoints(s.text), MAX);
    await w.asker.reply(t.id, 'One more reply that does not fit.');
    const after = await stored(w, t.id);
    assert.ok(after.text === s.text, 'a full text is left alone');
    assert.equal(after.length, MAX);
    // The replies themselves are stored in full: only the search copy is capped.
    const replies = await w.app.col('replies').countDocuments({ threadId: oid(t.id) });
    assert.equal(replies, 2);
  });

  it('an edit rebuilds the text and its length from the replies', async () => {
    const t = await askVia(w.asker, w.products);
    const r = await w.other.reply(t.id, 'Try the gorsewing toggle.');
    await w.other.patch(`/api/replies/${r.id}`, { body: 'Try the thistledown 🙂 toggle.' }).expect(200);
    const s = await stored(w, t.id);
    assert.equal(s.text, '\n\nTry the thistledown 🙂 toggle.');
    assert.equal(s.length, codePoints(s.text));
  });
});
