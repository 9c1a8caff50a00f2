import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Long } from 'bson';
import { BATCH_BYTES, CursorStore } from '../../../server/db/embedded/cursors';
import { FrameReader, FramingError } from '../../../server/db/embedded/wire/frame-reader';

function frame(id: number, bodyLength: number): Buffer {
  const f = Buffer.alloc(16 + bodyLength, id & 0xff);
  f.writeInt32LE(f.length, 0);
  f.writeInt32LE(id, 4);
  return f;
}

describe('embedded db: frame reader', () => {
  it('yields the same frames however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1 }),
        (bodies, cuts) => {
          const frames = bodies.map((b, i) => frame(i + 1, b));
          const stream = Buffer.concat(frames);
          const reader = new FrameReader();
          const out: Buffer[] = [];
          let pos = 0;
          for (let i = 0; pos < stream.length; i++) {
            const end = Math.min(stream.length, pos + cuts[i % cuts.length]);
            reader.push(stream.subarray(pos, end));
            pos = end;
            for (let f = reader.next(); f; f = reader.next()) out.push(Buffer.from(f));
          }
          assert.deepEqual(out, frames);
          assert.equal(reader.buffered, 0);
        },
      ),
    );
  });

  it('refuses lengths below a header or above the message limit', () => {
    for (const length of [0, 15, -1, 48_000_001]) {
      const reader = new FrameReader();
      const head = Buffer.alloc(16);
      head.writeInt32LE(length, 0);
      reader.push(head);
      assert.throws(() => reader.next(), FramingError);
    }
  });
});

describe('embedded db: cursor store', () => {
  it('caps a batch by bytes, always returning at least one document', () => {
    const store = new CursorStore();
    const big = Array.from({ length: 20 }, (_, i) => ({ _id: i, blob: 'x'.repeat(1024 * 1024) }));
    const first = store.firstBatch('db.c', big, undefined);
    const n = first.cursor.firstBatch.length;
    assert.ok(n >= 1 && n * 1024 * 1024 <= BATCH_BYTES, `first batch of ${n} MiB-sized documents`);
    assert.ok(Long.isLong(first.cursor.id) && !first.cursor.id.isZero());
    let seen = n;
    let id = first.cursor.id as Long;
    while (!id.isZero()) {
      const more = store.getMore('db', { getMore: id.toNumber(), collection: 'c' });
      assert.ok(more.cursor.nextBatch.length >= 1);
      seen += more.cursor.nextBatch.length;
      id = more.cursor.id;
    }
    assert.equal(seen, 20);
    assert.equal(store.size, 0);
    const huge = [{ _id: 1, blob: 'y'.repeat(10 * 1024 * 1024) }, { _id: 2 }];
    assert.equal(store.firstBatch('db.c', huge, undefined).cursor.firstBatch.length, 1);
  });

  it('drops idle cursors after the timeout, unless noCursorTimeout', () => {
    const store = new CursorStore(1000);
    const docs = [{ a: 1 }, { a: 2 }, { a: 3 }];
    const idle = store.firstBatch('db.c', docs, 1).cursor.id as Long;
    store.firstBatch('db.c', docs, 1, false, true);
    assert.equal(store.size, 2);
    assert.equal(store.reap(Date.now() + 500), 0);
    assert.equal(store.reap(Date.now() + 1500), 1);
    assert.throws(() => store.getMore('db', { getMore: idle, collection: 'c' }), { code: 43 });
    assert.equal(store.size, 1);
  });

  it('closes the cursor with the first batch when singleBatch is asked', () => {
    const store = new CursorStore();
    const reply = store.firstBatch('db.c', [{}, {}, {}], 2, true);
    assert.equal(reply.cursor.firstBatch.length, 2);
    assert.ok(reply.cursor.id.isZero());
    assert.equal(store.size, 0);
  });
});
