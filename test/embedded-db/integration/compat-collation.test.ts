/**
 * Compatibility: collation on queries, sorts, distinct, count, aggregation and writes, through
 * the official driver. MongoDB 7.0 answers with ICU's collation (strength 1: base letters
 * only, 2: plus diacritics, 3: plus case); `{locale: 'simple'}` is byte order. Collated
 * indexes are refused by this server (README: no ICU sort keys), which is checked here too.
 */
import assert from 'node:assert/strict';
import type { CollationOptions, Collection, MongoServerError, Sort } from 'mongodb';
import mongoose, { Schema } from 'mongoose';
import { useCompatServer } from './helpers/compat-server';

const NAMES = ['ada', 'Ada', 'ADA', 'adá', 'Bob', 'carl', 'Éve', 'eve', 'ève'];
const CI = { locale: 'en', strength: 2 } as const; // case-insensitive
const BASE = { locale: 'en', strength: 1 } as const; // case- and diacritic-insensitive

async function seed(c: Collection) {
  await c.insertMany(NAMES.map((name, i) => ({ _id: i, name })) as never[]);
}

describe('compat: collation', () => {
  const ctx = useCompatServer();

  for (const indexed of [false, true]) {
    it(`equality, $in, ranges and sorts follow the collation ${indexed ? 'with' : 'without'} an index on the field`, async () => {
      const c = ctx.db.collection('people');
      await seed(c);
      if (indexed) await c.createIndex({ name: 1 });
      const names = async (filter: object, collation?: CollationOptions, sort: Sort = { _id: 1 }) =>
        (await c.find(filter, collation ? { collation, sort } : { sort }).toArray()).map((d) => d.name);
      assert.deepEqual(await names({ name: 'ada' }), ['ada']);
      assert.deepEqual(await names({ name: 'ada' }, { locale: 'simple' }), ['ada']);
      assert.deepEqual(await names({ name: 'ADA' }, CI), ['ada', 'Ada', 'ADA']);
      assert.deepEqual(await names({ name: 'ADA' }, BASE), ['ada', 'Ada', 'ADA', 'adá']);
      assert.deepEqual(await names({ name: { $in: ['EVE', 'bob'] } }, BASE), ['Bob', 'Éve', 'eve', 'ève']);
      assert.deepEqual(await names({ name: { $ne: 'ada' } }, CI), ['adá', 'Bob', 'carl', 'Éve', 'eve', 'ève']);
      assert.deepEqual(await names({ name: { $gte: 'B', $lt: 'D' } }, CI), ['Bob', 'carl']);
      // ICU order interleaves case; byte order puts every capital first
      assert.deepEqual(await names({}, { locale: 'en' }, { name: 1, _id: 1 }), [
        'ada',
        'Ada',
        'ADA',
        'adá',
        'Bob',
        'carl',
        'eve',
        'Éve',
        'ève',
      ]);
      assert.deepEqual(
        await names({}, undefined, { name: 1 }),
        ['ADA', 'Ada', 'Bob', 'ada', 'adá', 'carl', 'eve', 'Éve', 'ève'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
      );
      assert.deepEqual(
        (await c.find({}, { collation: CI, sort: { name: -1 }, limit: 2 }).toArray()).map((d) => d.name),
        ['ève', 'Éve'],
      );
    });
  }

  it('numericOrdering compares digits as numbers', async () => {
    const c = ctx.db.collection('n');
    await c.insertMany(['10', '9', '100'].map((v) => ({ v })));
    const sorted = await c.find({}, { collation: { locale: 'en', numericOrdering: true }, sort: { v: 1 } }).toArray();
    assert.deepEqual(
      sorted.map((d) => d.v),
      ['9', '10', '100'],
    );
  });

  it('count, countDocuments, distinct and aggregate use the collation', async () => {
    const c = ctx.db.collection('people');
    await seed(c);
    assert.equal(await c.countDocuments({ name: 'ADA' }, { collation: CI }), 3);
    assert.equal((await ctx.db.command({ count: 'people', query: { name: 'eve' }, collation: BASE })).n, 3);
    const distinct = await c.distinct('name', {}, { collation: CI });
    // strength 2 ignores case only: ada/Ada/ADA are one value; adá, Éve, eve and ève differ by accents
    assert.equal(distinct.length, 7);
    const groups = await c
      .aggregate([{ $group: { _id: '$name', n: { $sum: 1 } } }, { $sort: { n: -1, _id: 1 } }], { collation: BASE })
      .toArray();
    assert.deepEqual(
      groups.map((g) => g.n),
      [4, 3, 1, 1],
    );
    const matched = await c
      .aggregate([{ $match: { name: 'bob' } }, { $project: { _id: 0, name: 1, same: { $eq: ['$name', 'BOB'] } } }], { collation: CI })
      .toArray();
    assert.deepEqual(matched, [{ name: 'Bob', same: true }]);
  });

  it('updates, deletes and findAndModify find their documents by the collation', async () => {
    const c = ctx.db.collection('people');
    await seed(c);
    const r = await c.updateMany({ name: 'ADA' }, { $set: { hit: true } }, { collation: CI });
    assert.equal(r.modifiedCount, 3);
    const f = await c.findOneAndUpdate({ name: 'BOB' }, { $set: { hit: true } }, { collation: CI, returnDocument: 'after' });
    assert.equal(f?.name, 'Bob');
    const d = await c.deleteMany({ name: 'EVE' }, { collation: BASE });
    assert.equal(d.deletedCount, 3);
    assert.equal(await c.countDocuments({ hit: true }), 4);
  });

  it('mongoose Query#collation()', async () => {
    const conn = await mongoose.createConnection(`${ctx.server.uri}/${ctx.db.databaseName}`).asPromise();
    try {
      const Person = conn.model('Person', new Schema({ name: String }));
      await Person.create(NAMES.map((name) => ({ name })));
      assert.equal((await Person.find({ name: 'ada' }).collation(CI).lean()).length, 3);
    } finally {
      await conn.close();
    }
  });

  it('refuses what it cannot do correctly: collated indexes and collection defaults, strength 4-5, unknown locales', async () => {
    const c = ctx.db.collection('ix');
    await assert.rejects(
      c.createIndex({ name: 1 }, { collation: { locale: 'fr' } }),
      (e: MongoServerError) => e.code === 67 && /sort keys/.test(e.message),
    );
    await c.createIndex({ name: 1 }, { collation: { locale: 'simple' } });
    assert.equal((await c.indexes()).find((i) => i.name === 'name_1')?.collation, undefined);
    await assert.rejects(ctx.db.createCollection('coll', { collation: { locale: 'de' } }), (e: MongoServerError) => e.code === 72);
    await ctx.db.createCollection('plain', { collation: { locale: 'simple' } });
    await assert.rejects(c.find({}, { collation: { locale: 'en', strength: 4 } }).toArray(), (e: MongoServerError) => e.code === 2);
    await assert.rejects(c.find({}, { collation: { locale: 'xx-nope' } }).toArray(), (e: MongoServerError) => e.code === 2);
    await assert.rejects(c.find({}, { collation: { strength: 2 } as never }).toArray(), (e: MongoServerError) => e.code === 40414);
  });
});
