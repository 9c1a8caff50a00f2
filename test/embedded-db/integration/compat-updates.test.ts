/**
 * Compatibility: update operators, through the official driver and mongoose. Each test names
 * MongoDB 7.0's documented answer; the server must give the same answer.
 */
import assert from 'node:assert/strict';
import mongoose, { Schema } from 'mongoose';
import { useCompatServer } from './helpers/compat-server';

describe('compat: updates', () => {
  const ctx = useCompatServer();

  it('positional $ with several fields updates the one element the query matched', async () => {
    const c = ctx.db.collection('p');
    await c.insertOne({
      _id: 1 as never,
      items: [
        { s: 'pending', n: 1 },
        { s: 'pending', n: 2 },
      ],
    });
    await c.updateOne({ 'items.s': 'pending' }, { $set: { 'items.$.s': 'done', 'items.$.n': 99 } });
    assert.deepEqual((await c.findOne({ _id: 1 as never }))?.items, [
      { s: 'done', n: 99 },
      { s: 'pending', n: 2 },
    ]);
    // the element matched by an $elemMatch and by a condition in $and
    await c.updateOne({ items: { $elemMatch: { s: 'pending', n: 2 } } }, { $inc: { 'items.$.n': 1 }, $set: { 'items.$.s': 'late' } });
    await c.updateOne({ $and: [{ _id: 1 }, { 'items.n': 99 }] } as never, { $set: { 'items.$.tag': 'x', 'items.$.n': 100 } });
    assert.deepEqual((await c.findOne({ _id: 1 as never }))?.items, [
      { s: 'done', n: 100, tag: 'x' },
      { s: 'late', n: 3 },
    ]);
  });

  it('an array filter used by several fields sets all of them on every matching element', async () => {
    const c = ctx.db.collection('af');
    await c.insertOne({
      _id: 1 as never,
      items: [
        { s: 'pending', at: 0 },
        { s: 'open', at: 0 },
        { s: 'pending', at: 0 },
      ],
    });
    await c.updateOne(
      { _id: 1 as never },
      { $set: { 'items.$[e].s': 'done', 'items.$[e].at': 5 } },
      { arrayFilters: [{ 'e.s': 'pending' }] },
    );
    assert.deepEqual((await c.findOne({ _id: 1 as never }))?.items, [
      { s: 'done', at: 5 },
      { s: 'open', at: 0 },
      { s: 'done', at: 5 },
    ]);
    await c.updateOne(
      { _id: 1 as never },
      { $inc: { 'items.$[].at': 1 }, $set: { 'items.$[x].seen': true } },
      { arrayFilters: [{ 'x.at': 5 }] },
    );
    assert.deepEqual(
      ((await c.findOne({ _id: 1 as never }))?.items as { at: number; seen?: boolean }[]).map((i) => [i.at, i.seen ?? false]),
      [
        [6, true],
        [1, false],
        [6, true],
      ],
    );
  });

  it("mongoose's subdocument timestamps (items.$.updatedAt beside items.$.field) reach the matched element", async () => {
    const conn = await mongoose.createConnection(`${ctx.server.uri}/${ctx.db.databaseName}`).asPromise();
    try {
      const Item = new Schema({ s: String, n: Number }, { timestamps: true });
      const Order = conn.model('Order', new Schema({ items: [Item] }));
      const order = await Order.create({
        items: [
          { s: 'pending', n: 1 },
          { s: 'pending', n: 2 },
        ],
      });
      const [first, second] = order.items;
      await Order.updateOne({ _id: order._id, 'items._id': second._id }, { $set: { 'items.$.s': 'done' } });
      const after = (await Order.findById(order._id).lean())!;
      assert.equal(after.items[0].s, 'pending');
      assert.equal(after.items[1].s, 'done');
      assert.deepEqual(after.items[0].updatedAt, first.updatedAt);
      assert.ok(after.items[1].updatedAt! > second.updatedAt!);
    } finally {
      await conn.close();
    }
  });

  it('new fields are added in lexicographic order of their names, whatever the order in the update (MongoDB 5.0+)', async () => {
    const c = ctx.db.collection('order');
    await c.insertOne({ _id: 1 as never, m: 1 });
    await c.updateOne({ _id: 1 as never }, { $set: { z: 1, b: { y: 1, x: 1 } }, $inc: { a: 1 }, $currentDate: { c: true } });
    const doc = (await c.findOne({ _id: 1 as never }))!;
    assert.deepEqual(Object.keys(doc), ['_id', 'm', 'a', 'b', 'c', 'z']);
    assert.deepEqual(Object.keys(doc.b), ['y', 'x']);
    await c.updateOne({ _id: 1 as never }, { $set: { 'n.10': 1, 'n.9': 1 } });
    assert.deepEqual(Object.keys((await c.findOne({ _id: 1 as never }))!.n), ['9', '10']);
  });
});
