/**
 * Generates a forum data directory of a given size through the driver, for the storage
 * benches (bench/storage.ts). Prints progress; resumable (documents are deterministic per
 * thread number, see bench/forum-data.ts; an interrupted run continues after the threads
 * already there).
 *
 *   npx tsx bench/gen-forum.ts --dir /work/bench-data/forum-1m --threads 1000000
 *   (--root <checkout>: run the forum and `npm run db` of another checkout, e.g. a baseline)
 *
 * 1. On a new directory, the forum itself starts once on it (DEMO_CONTENT=false,
 *    JOBS_ENABLED=false) and stops: its collections, indexes and products are the real ones.
 * 2. `npm run db` starts on the directory as a separate process; users (5k members, 20
 *    moderators), then threads with their replies (1-5, ~600 bytes of Markdown each) and
 *    votes are inserted with insertMany in batches, the next batch generated while the
 *    previous one is written.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoBulkWriteError, MongoClient, type Collection, type Document } from 'mongodb';
import { MEMBERS, MODERATORS, threadBundle, userDoc } from './forum-data';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
/** The checkout whose forum and `npm run db` run (another one: a baseline of an older engine). */
const root = path.resolve(arg('root', path.join(path.dirname(fileURLToPath(import.meta.url)), '..')));
const DIR = path.resolve(arg('dir', '/work/bench-data/forum-1k'));
const THREADS = Number(arg('threads', '1000'));
const BATCH = Number(arg('batch', '250'));

/** Starts a tsx script; resolves once `ready` matches a line of its output. */
export function startProcess(
  script: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  cwd = root,
): Promise<{ child: ChildProcess; match: RegExpMatchArray; startedAt: number }> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve({ child, match: m, startedAt });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out.slice(-2000)}`)));
  });
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The forum once on an empty directory: collections, indexes, default products. */
async function prepareWithForum(): Promise<void> {
  const { child } = await startProcess(
    'server/main.ts',
    [],
    { DATA_DIR: DIR, PORT: '0', DEMO_CONTENT: 'false', JOBS_ENABLED: 'false', LOG_LEVEL: 'info', NODE_ENV: 'development' },
    /forum listening/,
  );
  await stopProcess(child);
}

async function insertAll(coll: Collection<Document>, docs: Document[]): Promise<void> {
  if (!docs.length) return;
  try {
    await coll.insertMany(docs, { ordered: false });
  } catch (e) {
    // a resumed run re-inserts the tail of the batch that was being written: same _ids
    if (e instanceof MongoBulkWriteError && e.writeErrors && [e.writeErrors].flat().every((w) => w.code === 11000)) return;
    throw e;
  }
}

async function main() {
  fs.mkdirSync(DIR, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(path.join(DIR, 'embedded.sqlite'))) {
    console.log(`preparing ${DIR} with the forum (collections, indexes, products)`);
    await prepareWithForum();
  }
  const { child, match } = await startProcess('server/db/cli.ts', ['--port', '0', '--dbpath', DIR], {}, /^(mongodb:\/\/\S+)$/m);
  const client = new MongoClient(match[1]!);
  try {
    const db = client.db('forum');
    const users = db.collection('users');
    if ((await users.countDocuments()) < MEMBERS + MODERATORS) {
      for (let i = 0; i < MEMBERS + MODERATORS; i += 1000) {
        await insertAll(
          users,
          Array.from({ length: Math.min(1000, MEMBERS + MODERATORS - i) }, (_, j) => userDoc(i + j)),
        );
      }
    }
    const products = (await db
      .collection('products')
      .find({}, { projection: { name: 1 } })
      .sort({ position: 1 })
      .toArray()) as never;
    const threads = db.collection('threads');
    const replies = db.collection('replies');
    const votes = db.collection('votes');
    let next = await threads.estimatedDocumentCount();
    console.log(`${next} threads present; generating up to ${THREADS} (batches of ${BATCH})`);
    const started = performance.now();
    const from = next;
    let lastLog = started;
    const makeBatch = (start: number) => {
      const t: Document[] = [];
      const r: Document[] = [];
      const v: Document[] = [];
      for (let i = start; i < Math.min(THREADS, start + BATCH); i++) {
        const b = threadBundle(i, products);
        t.push(b.thread);
        r.push(...b.replies);
        v.push(...b.votes);
      }
      return { t, r, v };
    };
    let pending: Promise<void> | null = null;
    while (next < THREADS) {
      const batch = makeBatch(next);
      await pending;
      // replies and votes first: a thread counts as present only once its replies are
      pending = (async () => {
        await insertAll(replies, batch.r);
        await insertAll(votes, batch.v);
        await insertAll(threads, batch.t);
      })();
      next += batch.t.length;
      const now = performance.now();
      if (now - lastLog > 10_000 || next >= THREADS) {
        lastLog = now;
        const rate = ((next - from) * 1000) / (now - started);
        console.log(
          `${next} threads, ${rate.toFixed(0)} threads/s, elapsed ${((now - started) / 1000).toFixed(0)} s, eta ${((THREADS - next) / rate / 60).toFixed(1)} min`,
        );
      }
    }
    await pending;
    for (const name of ['threads', 'replies', 'votes', 'users']) {
      console.log(`${name}: ${await db.collection(name).estimatedDocumentCount()}`);
    }
  } finally {
    await client.close();
    await stopProcess(child);
  }
  const size = fs.readdirSync(DIR).reduce((n, f) => n + fs.statSync(path.join(DIR, f)).size, 0);
  console.log(`data directory ${DIR}: ${(size / 1e9).toFixed(2)} GB`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
