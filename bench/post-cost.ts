/**
 * What a write costs as a thread grows (issues 19 and 20 items 4-5): posting a reply into a
 * thread of 1 reply and into a thread of 1000, and a view-count increment on each, as ratios
 * measured in the same run. Prints numbers; asserts nothing.
 *
 *   npx tsx bench/post-cost.ts [--posts 60] [--incs 300] [--rounds 3] [--long 1000]
 *     [--profile <dir> [--only long|short]]
 *
 * The forum runs as a separate process (server/main.ts, NODE_ENV=production) on a temporary
 * data directory seeded through the real services (bench/forum-child.ts): an asker and a
 * replier (real accounts), `--posts * --rounds` short threads of a question and 1 reply, and
 * one long thread of a question and `--long` replies (~600 bytes of Markdown each,
 * bench/forum-data.ts), written alternately by the same two people, so both kinds of thread
 * have the same watchers and only the thread's size differs.
 *
 * Per round, in alternating order:
 *   - replies: the replier, signed in over HTTP (session cookie, CSRF token), posts `--posts`
 *     replies one after another through POST /api/threads/:id/replies: each into a different
 *     short thread (every one of 1 reply), or all into the long thread. Reported: wall time per
 *     request (median) and the server process's CPU time per request (/proc/<pid>/stat, user +
 *     system, every thread of the process: the embedded database and the Markdown worker run
 *     in it);
 *   - view counts: `--incs` `$inc: {views: 1}` updates (the write the view counter flushes,
 *     server/threads/views-counter.ts) through a driver connection to the child's embedded
 *     server, on a short thread or on the long one; CPU per update as above.
 * Ratios long / short per round, then their spread.
 */
import os from 'node:os';
import { ObjectId } from 'mongodb';
import { markdown, Rng } from './forum-data';
import { cpuMs, dbClient, median, PASSWORD, seedDataDir, signIn, spread, startForumChild } from './forum-child';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const POSTS = arg('posts', 60);
const INCS = arg('incs', 300);
const ROUNDS = arg('rounds', 3);
const LONG = arg('long', 1000);
/** `--profile <dir>`: the server writes a V8 CPU profile there when it stops (--cpu-prof). */
const PROFILE = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1]! : null;
/** `--only long|short`: post only into that kind of thread (to profile one). */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]! : null;

const rng = new Rng(2026);
/** A reply of ~600 bytes; numbers left out: the privacy guard holds version-like runs as phone numbers. */
const body = () => markdown(rng, 450 + rng.int(300)).replace(/`?0x[0-9a-f]+`?|\d+(\.\d+)*/g, 'it');

async function seed() {
  let shortIds: string[] = [];
  let longId = '';
  const dataDir = await seedDataDir('forum-post-cost-', async (forum) => {
    const asker = await forum.auth.register({ username: 'asker', email: 'asker@example.test', password: PASSWORD });
    const replier = await forum.auth.register({ username: 'replier', email: 'replier@example.test', password: PASSWORD });
    await forum.threads.products.ensureDefaults();
    const product = (await forum.threads.products.list())[0]!.id;
    const ask = (i: number) =>
      forum.threads.createThread(asker, { title: `Printer ${i} drops off the network every hour`, body: body(), products: [product] });
    for (let i = 0; i < POSTS * ROUNDS; i++) {
      const t = await ask(i);
      await forum.threads.createReply(replier, t.id, { body: body() });
      shortIds.push(t.id);
    }
    const long = await ask(-1);
    for (let i = 0; i < LONG; i++) await forum.threads.createReply(i % 2 ? asker : replier, long.id, { body: body() });
    longId = long.id;
  });
  shortIds = shortIds.reverse();
  return { dataDir, shortIds, longId };
}

async function main() {
  console.log(
    `bench/post-cost.ts: ${POSTS} replies and ${INCS} view increments per kind per round, ${ROUNDS} rounds, long thread ${LONG} replies, node ${process.version}, ${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const t0 = performance.now();
  const { dataDir, shortIds, longId } = await seed();
  console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const app = await startForumChild(dataDir, {}, PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []);
  const client = await dbClient(dataDir);
  try {
    const s = await signIn(app.url, 'replier');
    const threads = client.db('forum').collection('threads');
    const post = async (threadId: string) => {
      const res = await fetch(`${app.url}/api/threads/${threadId}/replies`, {
        method: 'POST',
        headers: s.headers,
        body: JSON.stringify({ body: body() }),
      });
      if (res.status !== 201) throw new Error(`reply: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    const postRun = async (next: () => string) => {
      const walls: number[] = [];
      const c0 = cpuMs(app.pid);
      for (let i = 0; i < POSTS; i++) {
        const w0 = performance.now();
        await post(next());
        walls.push(performance.now() - w0);
      }
      return { wall: median(walls), cpu: (cpuMs(app.pid) - c0) / POSTS };
    };
    const incRun = async (id: string) => {
      const _id = new ObjectId(id);
      const walls: number[] = [];
      const c0 = cpuMs(app.pid);
      for (let i = 0; i < INCS; i++) {
        const w0 = performance.now();
        await threads.updateOne({ _id }, { $inc: { views: 1 } });
        walls.push(performance.now() - w0);
      }
      return { wall: median(walls), cpu: (cpuMs(app.pid) - c0) / INCS };
    };
    // warm-up: code paths, caches, the session
    for (let i = 0; i < 5; i++) await post(longId);
    await incRun(shortIds[0]!);
    await incRun(longId);

    const rows: Record<string, { short: { wall: number; cpu: number }[]; long: { wall: number; cpu: number }[] }> = {
      'post a reply': { short: [], long: [] },
      'view-count increment': { short: [], long: [] },
    };
    let nextShort = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? (['long', 'short'] as const) : (['short', 'long'] as const);
      for (const kind of order.filter((k) => !ONLY || k === ONLY)) {
        rows['post a reply']![kind].push(await postRun(() => (kind === 'short' ? shortIds[nextShort++]! : longId)));
        rows['view-count increment']![kind].push(await incRun(kind === 'short' ? shortIds[round]! : longId));
      }
      console.log(`round ${round + 1} done, load ${os.loadavg()[0]!.toFixed(2)}`);
    }
    const n = await threads.findOne({ _id: new ObjectId(longId) }, { projection: { replyCount: 1 } });
    console.log(`long thread now has ${String(n?.replyCount)} replies\n`);
    console.log(
      'per request'.padEnd(24) +
        'short: wall / CPU ms'.padStart(22) +
        'long: wall / CPU ms'.padStart(22) +
        '   CPU ratio long/short per round; wall ratio',
    );
    for (const [name, r] of Object.entries(rows).filter(() => !ONLY)) {
      const cpuRatios = r.long.map((l, i) => l.cpu / r.short[i]!.cpu);
      const wallRatios = r.long.map((l, i) => l.wall / r.short[i]!.wall);
      const cell = (xs: { wall: number; cpu: number }[]) =>
        `${median(xs.map((x) => x.wall)).toFixed(2)} / ${median(xs.map((x) => x.cpu)).toFixed(2)}`.padStart(22);
      console.log(
        name.padEnd(24) +
          cell(r.short) +
          cell(r.long) +
          `   CPU ${cpuRatios.map((x) => x.toFixed(2)).join(', ')} (${spread(cpuRatios)}); wall ${spread(wallRatios)}`,
      );
    }
  } finally {
    await client.close();
    await app.stop();
  }
}

await main();
