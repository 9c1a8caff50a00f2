/**
 * Thread page and list throughput, against an in-process app on a fresh in-memory embedded
 * database. Prints numbers; asserts nothing.
 *
 *   npx tsx bench/thread-page.ts [--duration 5] [--connections 10] [--threads 100000]
 *
 * Measures (autocannon, 10 connections, ~5 s each):
 *   - baselines: a bare express route rendering the SAME views/threads/thread.ejs from
 *     in-memory data (no database, no middleware), once with the anonymous page's locals and
 *     once with the signed-in member's (a signed-in page is ~2.5x the HTML: reply forms);
 *   - the thread page (a thread with 50 replies), anonymous and signed in, each with the
 *     anonymous HTML cache (page-cache.ts) on and off, interleaved with the baselines for
 *     ROUNDS rounds (ratios per round; signed-in pages never use the HTML cache, so their
 *     "on" and "off" runs differ only by noise);
 *   - the thread list page 1 at 1k threads and at 100k threads;
 *   - posting a reply (signed in, with CSRF).
 * Target: thread page >= 0.70 x baseline.
 *   --rounds 2   rounds of the interleaved page/baseline runs
 *   --threads 1000 skips the growth to 100k threads (quick runs)
 */
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { Types } from 'mongoose';
import autocannon from 'autocannon';
import { createApp } from '../server/app';
import { createServices, type Services } from '../server/compose';
import { testConfig } from '../server/config';
import { createLogger } from '../server/kernel/logger';
import { systemClock } from '../server/kernel/clock';
import { startTestDatabase } from '../server/db/connect';
import { RENDERER_VERSION, renderMarkdown } from '../server/markdown/render';
import { STATUS_LABELS } from '../server/threads';
import { pageFormat } from '../server/http/page-format';

let forum: Services;
const setHtmlCacheEnabled = (on: boolean) => forum.caches.setEnabled(on, ['thread-html']);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const DURATION = arg('duration', 5);
const CONNECTIONS = arg('connections', 10);
const TOTAL_THREADS = arg('threads', 100_000);
const ROUNDS = arg('rounds', 2);
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

interface Run {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}
const results: Run[] = [];

async function measure(name: string, opts: autocannon.Options): Promise<Run> {
  // Warm-up (JIT, caches), not measured.
  await autocannon({ connections: CONNECTIONS, duration: 1, ...opts, headers: { 'user-agent': UA, ...(opts.headers ?? {}) } });
  const r = await autocannon({
    connections: CONNECTIONS,
    duration: DURATION,
    ...opts,
    headers: { 'user-agent': UA, ...(opts.headers ?? {}) },
  });
  const run = { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
  results.push(run);
  console.log(
    `${name.padEnd(34)} ${run.rps.toFixed(0).padStart(7)} req/s   p50 ${String(run.p50).padStart(4)} ms   p99 ${String(run.p99).padStart(4)} ms${run.non2xx ? `   non-2xx ${run.non2xx}` : ''}${run.errors ? `   errors ${run.errors}` : ''}`,
  );
  return run;
}

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

function threadDoc(i: number, products: { id: string; name: string }[], author: Types.ObjectId, at: number) {
  const p = products[i % products.length]!;
  const body = `Question number ${i}: the installer stops with error 0x${(i * 7919).toString(16)} after the update.`;
  const statuses = ['open', 'awaiting_asker', 'answered', 'open'] as const;
  return {
    _id: new Types.ObjectId(),
    title: `Generated question ${i} about an installer error`,
    slug: `generated-question-${i}-about-an-installer-error`,
    bodySource: body,
    bodyHtml: `<p>${body}</p>`,
    rendererVersion: RENDERER_VERSION,
    author,
    authorName: 'Bench Member',
    authorUsername: 'bench_member',
    authorRole: 'member',
    products: [new Types.ObjectId(p.id)],
    productNames: [p.name],
    status: statuses[i % 4],
    acceptedReplyId: null,
    acceptedAt: null,
    acceptedBy: null,
    replyCount: i % 5,
    views: i % 97,
    lastActivityAt: new Date(at - i * 60_000),
    lastPosterRole: 'member',
    lastPosterId: author,
    lastPosterName: 'Bench Member',
    lastPosterIsAsker: true,
    lockedAt: null,
    lockReason: null,
    lockNote: '',
    lockedBy: null,
    editedAt: null,
    createdAt: new Date(at - i * 60_000),
    updatedAt: new Date(at - i * 60_000),
  };
}

async function insertThreads(from: number, to: number, products: { id: string; name: string }[], author: Types.ObjectId, at: number) {
  const BATCH = 2000;
  for (let i = from; i < to; i += BATCH) {
    const docs = [];
    for (let j = i; j < Math.min(to, i + BATCH); j++) docs.push(threadDoc(j, products, author, at));
    await forum.models.Thread.collection.insertMany(docs, { ordered: false });
  }
}

function cookiesFrom(res: Response, jar: Map<string, string>) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

async function main() {
  const db = await startTestDatabase();
  const config = testConfig({ RATE_POST_MAX: '100000000', RATE_LOGIN_MAX: '1000' });
  forum = createServices({ config, clock: systemClock, logger: createLogger('silent'), db: db.connection });
  await forum.start({ jobs: false, demo: false });
  const app = createApp(forum);
  app.set('view cache', true); // as in production
  const { server, url } = await listen(app);

  const products = await forum.threads.products.list();
  const { auth } = forum;
  const member = await auth.register({ username: 'bench_member', email: 'member@bench.invalid', password: 'bench-password-1' });
  const modUser = await auth.register({
    username: 'bench_mod',
    email: 'mod@bench.invalid',
    password: 'bench-password-2',
    displayName: 'Bench Moderator',
  });
  await auth.setRole(modUser.username, 'moderator');
  const memberActor = { ...member };
  const now = Date.now();

  // The hot thread: 50 replies, alternating member and moderator, some Markdown.
  const hot = await forum.threads.createThread(
    memberActor,
    {
      title: 'Access code expired before I could claim my certification',
      body: 'I passed the exam but the **access code** has expired. Where do I request a new one?',
      products: [products[0]!.id],
    },
    { now: () => new Date(now - 3600_000) },
  );
  const replyDocs = Array.from({ length: 50 }, (_, i) => {
    const staff = i % 2 === 1;
    const src = staff
      ? `Thanks for the update. Please try these steps:\n\n1. Open a private window.\n2. Sign in with your personal account.\n3. Enter the code from my private message.\n\nReply ${i}.`
      : `I tried that and it still says the code **expired**. Here is what I see: \`error ${i}\`.`;
    return {
      threadId: new Types.ObjectId(hot.id),
      author: new Types.ObjectId(staff ? modUser.id : member.id),
      authorName: staff ? 'Bench Moderator' : 'bench_member',
      authorUsername: staff ? 'bench_mod' : 'bench_member',
      authorRole: staff ? 'moderator' : 'member',
      system: false,
      systemKind: null,
      bodySource: src,
      bodyHtml: renderMarkdown(src),
      rendererVersion: RENDERER_VERSION,
      helpfulCount: 0,
      notHelpfulCount: 0,
      satisfactionSum: 0,
      satisfactionCount: 0,
      createdAt: new Date(now - 3600_000 + (i + 1) * 60_000),
      editedAt: null,
    };
  });
  await forum.models.Reply.insertMany(replyDocs);
  await forum.models.Thread.updateOne(
    { _id: hot.id },
    { $set: { replyCount: 50, status: 'awaiting_asker', lastActivityAt: new Date(now) } },
  );

  // A separate thread to post replies to, so the measured thread page stays at 50.
  const target = await forum.threads.createThread(
    memberActor,
    { title: 'A thread that receives benchmark replies', body: 'Replies from the benchmark land here.', products: [products[1]!.id] },
    systemClock,
  );

  const authorId = new Types.ObjectId(member.id);
  let t0 = Date.now();
  await insertThreads(0, 998, products, authorId, now - 7200_000);
  console.log(`seeded 1k threads in ${Date.now() - t0} ms`);

  // Sign in over HTTP to get a session cookie and a CSRF token (for the signed-in runs).
  const jar = new Map<string, string>();
  let res = await fetch(`${url}/api/session`);
  cookiesFrom(res, jar);
  let token = ((await res.json()) as { csrfToken: string }).csrfToken;
  res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': token, cookie: cookieHeader(jar) },
    body: JSON.stringify({ username: 'bench_member', password: 'bench-password-1' }),
  });
  cookiesFrom(res, jar);
  token = ((await res.json()) as { csrfToken: string }).csrfToken;
  const signedIn = { cookie: cookieHeader(jar) };

  // Baselines: the same template from memory, no database, no middleware.
  const page = await forum.threads.getThreadPage(null, hot.id, {});
  const base = express();
  base.set('view engine', 'ejs');
  base.set('views', path.join(root, 'views'));
  base.set('view cache', true);
  const locals = {
    fmt: pageFormat({ now: new Date(now), zone: 'America/New_York' }),
    STATUS_LABELS,
    page,
    replyDraft: '',
    title: page.thread.title,
    currentUser: null,
    currentPath: page.thread.url,
    error: null,
    fieldErrors: {},
    csrfToken: () => '',
  };
  base.get('/', (_req, res) => res.render('threads/thread', { ...locals, now: new Date() }));
  // The signed-in member's page, everything the real handler passes, loaded once.
  const memberPage = await forum.threads.getThreadPage(memberActor, hot.id, {});
  const signedLocals = {
    fmt: pageFormat({ now: new Date(now), zone: 'America/New_York' }),
    STATUS_LABELS,
    page: memberPage,
    title: memberPage.thread.title,
    replyDraft: '',
    feedbackFlash: null,
    pmLinked: await forum.messages.linkedConversationsFor(memberActor, hot.id),
    feedbackVotes: await forum.feedback.votesForReplies(
      memberActor,
      memberPage.replies.map((r) => r.id),
    ),
    currentUser: memberActor,
    currentPath: memberPage.thread.url,
    error: null,
    fieldErrors: {},
    unreadNotifications: 0,
    unreadMessages: 0,
    csrfToken: () => token,
  };
  base.get('/signed', (_req, res) => res.render('threads/thread', { ...signedLocals, now: new Date() }));
  const baseline = await listen(base);
  const [anonLen, signedLen, realAnonLen, realSignedLen] = await Promise.all([
    fetch(`${baseline.url}/`).then((r) => r.text()),
    fetch(`${baseline.url}/signed`).then((r) => r.text()),
    fetch(`${url}${hot.url}`, { headers: { 'user-agent': UA } }).then((r) => r.text()),
    fetch(`${url}${hot.url}`, { headers: { 'user-agent': UA, ...signedIn } }).then((r) => r.text()),
  ]).then((t) => t.map((x) => x.length));
  console.log(`page sizes: anonymous ${realAnonLen} B (baseline ${anonLen} B), signed in ${realSignedLen} B (baseline ${signedLen} B)`);

  console.log(`\nautocannon: ${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} interleaved rounds\n`);
  const ratios: Record<string, number[]> = {};
  const ratio = (name: string, r: Run, b: Run) => (ratios[name] ??= []).push(r.rps / b.rps);
  let b!: Run;
  let tp!: Run;
  for (let round = 1; round <= ROUNDS; round++) {
    b = await measure(`baseline anon (ejs from memory)`, { url: `${baseline.url}/` });
    setHtmlCacheEnabled(true);
    tp = await measure('thread page anon, HTML cache on', { url: `${url}${hot.url}` });
    ratio('anonymous, HTML cache on ', tp, b);
    setHtmlCacheEnabled(false);
    ratio('anonymous, HTML cache off', await measure('thread page anon, HTML cache off', { url: `${url}${hot.url}` }), b);
    const bs = await measure(`baseline signed (ejs from memory)`, { url: `${baseline.url}/signed` });
    ratio(
      'signed in, HTML cache off',
      await measure('thread page signed, HTML cache off', { url: `${url}${hot.url}`, headers: signedIn }),
      bs,
    );
    setHtmlCacheEnabled(true);
    ratio(
      'signed in, HTML cache on ',
      await measure('thread page signed, HTML cache on', { url: `${url}${hot.url}`, headers: signedIn }),
      bs,
    );
    ratio('signed in vs ANON baseline', results[results.length - 1]!, b);
  }
  setHtmlCacheEnabled(true);
  const tpNoHtml = tp;
  const l1k = await measure('list page 1 @ 1k threads', { url: `${url}/` });

  t0 = Date.now();
  await insertThreads(998, TOTAL_THREADS - 2, products, authorId, now - 7200_000);
  console.log(`grew to ${await forum.models.Thread.estimatedDocumentCount()} threads in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const l100k = await measure(`list page 1 @ ${TOTAL_THREADS / 1000}k threads`, { url: `${url}/` });
  await measure(`list p1 status=open @ ${TOTAL_THREADS / 1000}k`, { url: `${url}/?status=open` });
  await measure(`list p1 by product @ ${TOTAL_THREADS / 1000}k`, { url: `${url}/?product=${products[2]!.id}` });
  const tp100k = await measure(`thread page @ ${TOTAL_THREADS / 1000}k threads`, { url: `${url}${hot.url}` });

  await measure('post a reply (JSON, signed in)', {
    url: `${url}/api/threads/${target.id}/replies`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': token, cookie: cookieHeader(jar) },
    body: JSON.stringify({ body: 'A benchmark reply with a little **Markdown** in it.' }),
  });

  console.log('\nsummary: thread page (50 replies) / baseline, per round (target >= 0.70)');
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)} - ${Math.max(...xs).toFixed(2)}`;
  for (const [name, xs] of Object.entries(ratios))
    console.log(`  ${name}   ${xs.map((x) => x.toFixed(2)).join('  ')}   (range ${range(xs)})`);
  console.log(`  thread page @${TOTAL_THREADS / 1000}k / baseline   ${(tp100k.rps / b.rps).toFixed(2)}  (HTML cache on)`);
  console.log(`  list ${TOTAL_THREADS / 1000}k / list 1k           ${(l100k.rps / l1k.rps).toFixed(2)}`);
  void tpNoHtml;

  baseline.server.close();
  server.close();
  server.closeAllConnections?.();
  await db.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
