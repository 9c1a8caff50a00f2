/**
 * `$text` reads in slices through the driver (handlers/context.ts afterSteps, server.ts): a
 * long search gives the event loop back between steps, other connections' commands run in
 * between, and the answers are those of the same query run at once.
 */
import assert from 'node:assert/strict';
import type { Document } from 'bson';
import { MongoClient } from 'mongodb';
import { openEngine } from '../../../server/db/embedded/engine';
import type { Engine } from '../../../server/db/embedded/engine-api';
import { startEmbeddedServer, type EmbeddedServer } from '../../../server/db/embedded/server';

const WORDS = ['printer', 'driver', 'offline', 'spooler', 'network', 'update', 'error', 'queue', 'paper', 'toner', 'scan', 'wifi'];

/** A deterministic corpus: word frequencies fall with their rank, lengths vary (so scores spread over many levels). */
function corpus(n: number): Document[] {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const word = () => WORDS[Math.floor(WORDS.length * rnd() * rnd())];
  return Array.from({ length: n }, (_, i) => ({
    _id: i,
    n: (i * 7919) % n,
    status: i % 3 === 0 ? 'answered' : 'open',
    title: Array.from({ length: 2 + (i % 5) }, word).join(' '),
    body: Array.from({ length: 5 + (i % 40) }, word).join(' '),
  }));
}

describe('embedded db: $text in slices', () => {
  let engine: Engine;
  let server: EmbeddedServer;
  let a: MongoClient;
  let b: MongoClient;

  before(async () => {
    engine = openEngine({ dataDir: null });
    engine.insert('forum', 'threads', corpus(4000));
    engine.createIndexes('forum', 'threads', [{ key: { title: 'text', body: 'text' }, name: 'search', weights: { title: 10 } }]);
    // one step per slice: any search of more than one step yields to other connections
    server = await startEmbeddedServer({ engine, sliceMs: 0 });
    a = new MongoClient(server.uri, { maxPoolSize: 1 });
    b = new MongoClient(server.uri, { maxPoolSize: 1 });
    await a.connect();
    await b.connect();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await server?.close();
  });

  it('answers a point query on another connection while a search runs', async () => {
    const threads = b.db('forum').collection('threads');
    await threads.findOne({ _id: 1 as never }); // B's connection is open before the search starts
    const queries = async () => (await b.db('admin').command({ serverStatus: 1 })).opcounters.query as number;
    const before = await queries();
    const order: string[] = [];
    let searchDone = false;
    const search = a
      .db('forum')
      .collection('threads')
      .find({ $text: { $search: 'printer' } }, { projection: { n: 1 } })
      .sort({ n: 1 })
      .toArray()
      .then((docs) => {
        searchDone = true;
        order.push('search');
        return docs;
      });
    // the server has started the search once its find is counted; B's commands are
    // answered meanwhile only if the search gives the loop back
    while (!searchDone && (await queries()) === before);
    const point = await threads.findOne({ _id: 42 as never });
    order.push('point');
    const docs = await search;
    assert.deepEqual(order, ['point', 'search']);
    assert.equal(point?._id, 42);
    const expected = engine.find('forum', 'threads', { filter: { $text: { $search: 'printer' } }, projection: { n: 1 }, sort: { n: 1 } });
    assert.ok(expected.length > 1000, `a long search: ${expected.length} matches`);
    assert.deepEqual(docs, expected);
  });

  it('returns what the same query returns run at once (top k, sorts, counts, filters)', async () => {
    const threads = a.db('forum').collection('threads');
    const score = { score: { $meta: 'textScore' } };
    const finds: { filter: Document; limit: number }[] = [
      { filter: { $text: { $search: 'printer' } }, limit: 50 },
      { filter: { $text: { $search: 'printer driver' } }, limit: 200 },
      { filter: { $text: { $search: 'printer driver offline' } }, limit: 20 },
      { filter: { $text: { $search: 'toner scan wifi' } }, limit: 100 },
      { filter: { $text: { $search: 'printer -driver' } }, limit: 30 },
      { filter: { $text: { $search: '"printer driver" queue' } }, limit: 30 },
      { filter: { $text: { $search: 'printer driver' }, status: 'answered' }, limit: 40 },
    ];
    for (const f of finds) {
      const got = await threads
        .find(f.filter, { projection: { title: 1, ...score } })
        .sort(score)
        .limit(f.limit)
        .toArray();
      const want = engine.find('forum', 'threads', { filter: f.filter, projection: { title: 1, ...score }, sort: score, limit: f.limit });
      assert.deepEqual(got, want, JSON.stringify(f));
      assert.ok(got.length > 0, JSON.stringify(f));
      const n = await threads.countDocuments(f.filter, { limit: 1000 });
      assert.equal(n, engine.count('forum', 'threads', { query: f.filter, limit: 1000 }), JSON.stringify(f));
      assert.equal(
        (await threads.aggregate([{ $match: f.filter }, { $count: 'n' }]).toArray())[0]?.n,
        engine.count('forum', 'threads', { query: f.filter }),
      );
    }
  });
});
