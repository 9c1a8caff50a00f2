/**
 * The baselines of bench/thread-page.ts, each a server of its own process (so it competes for
 * the CPU as the forum does, not inside the driver's process). Prints `baseline listening
 * <url>` once ready; stops on SIGTERM.
 *
 *   npx tsx bench/thread-page-baselines.ts plain      plain express + ejs, a page of thread 0's
 *                                                   50 replies from memory (the stack's ceiling)
 *   npx tsx bench/thread-page-baselines.ts template   the forum's own views/threads/thread.ejs from
 *                                                   memory: GET / with the anonymous page's
 *                                                   locals, GET /signed with the bench reader's
 *
 * The template's locals are what the forum passes for thread 0 (bench/thread-page-data.ts): an
 * in-memory forum is booted through the composition root, the page is read once through the
 * threads service and the per-viewer parts through the other domains, then the database is
 * closed and every request renders from those objects, with app.ts's page-wide locals.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import express from 'express';
import argon2 from 'argon2';
import { createServices } from '../server/compose';
import { testConfig } from '../server/config';
import { createLogger } from '../server/kernel/logger';
import { systemClock } from '../server/kernel/clock';
import { startTestDatabase } from '../server/db/connect';
import { STATUS_LABELS } from '../server/threads';
import { pageFormat } from '../server/http/page-format';
import { partialRenderer, viewOptions } from '../server/http/view-options';
import { PagePieces } from '../server/http/page-pieces';
import { businessDaysPhrase, supportPolicyText } from '../server/calendar';
import { MEMBERS, MODERATORS, userDoc } from './forum-data';
import { pageThread, READER, readerDoc } from './thread-page-data';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export function viewsApp(dir: string): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('view engine', 'ejs');
  app.set('views', dir);
  app.set('view options', viewOptions(dir)); // as server/app.ts
  app.set('view cache', true);
  app.locals.partial = partialRenderer(dir, () => true); // as server/app.ts
  return app;
}

/** Thread 0 as the plain page shows it. */
export const plainLocals = () => pageThread(0, [{ _id: READER._id, name: 'Product' }]);

async function plain(): Promise<express.Express> {
  const { thread, replies } = plainLocals();
  const app = viewsApp(path.join(root, 'bench', 'views'));
  app.get('/', (_req, res) => res.render('plain-thread', { thread, replies }));
  return app;
}

/** The locals the forum renders thread 0 with, for the anonymous reader and the bench reader. */
export async function templateLocals() {
  const db = await startTestDatabase();
  const forum = createServices({ config: testConfig(), clock: systemClock, logger: createLogger('silent'), db: db.connection });
  await forum.start({ jobs: false, demo: false });
  const users = db.connection.db!.collection('users');
  await users.insertMany(Array.from({ length: MEMBERS + MODERATORS }, (_, i) => userDoc(i)) as never[]);
  await users.insertOne(readerDoc(await argon2.hash(READER.password)) as never);
  const products = (await db.connection.db!.collection('products').find({}).toArray()) as never;
  const { thread, replies, votes } = pageThread(0, products);
  await db.connection.db!.collection('replies').insertMany(replies as never[]);
  await db.connection.db!.collection('votes').insertMany(votes as never[]);
  await db.connection.db!.collection('threads').insertOne(thread as never);

  const id = String(thread._id);
  const reader = await forum.auth.findActor(String(READER._id));
  if (!reader) throw new Error('the bench reader was not found');
  const anonPage = await forum.threads.getThreadPage(null, id);
  const readerPage = await forum.threads.getThreadPage(reader, id);
  const [pmLinked, feedbackVotes, watch, counts] = await Promise.all([
    forum.messages.linkedConversationsFor(reader, id),
    forum.feedback.votesForReplies(
      reader,
      readerPage.replies.map((r) => r.id),
    ),
    forum.notifications.watchState(reader, id),
    forum.headerCounts(reader),
  ]);
  const rules = forum.rules.current();
  const zone = rules.calendar.settings.zone;
  await forum.stop();
  await db.close();

  const shared = {
    STATUS_LABELS,
    supportPolicy: supportPolicyText(rules),
    lockAfterPhrase: businessDaysPhrase(rules.lockAfterDays),
    error: null,
    fieldErrors: {},
    replyDraft: '',
    notSolvedFlash: false,
    allProducts: [],
    currentPath: anonPage.thread.url,
  };
  const fmt = (now: Date) => pageFormat({ now, zone, labels: forum.timeLabels });
  const anon = {
    ...shared,
    title: anonPage.thread.title,
    page: anonPage,
    currentUser: null,
    unreadNotifications: 0,
    unreadMessages: 0,
    csrfToken: () => '',
    pmLinked: [],
    feedbackVotes: new Map(),
    feedbackFlash: null,
    watch: null,
  };
  const token = 'x'.repeat(64);
  const signed = {
    ...shared,
    title: readerPage.thread.title,
    page: readerPage,
    currentUser: reader,
    unreadNotifications: counts.notifications,
    unreadMessages: counts.messages,
    csrfToken: () => token,
    pmLinked,
    feedbackVotes,
    feedbackFlash: null,
    watch,
  };
  return { fmt, anon, signed };
}

async function template(): Promise<express.Express> {
  const { fmt, anon, signed } = await templateLocals();
  const app = viewsApp(path.join(root, 'views'));
  // As app.ts: the request's "now" and the time formatter are made per request; as the forum's
  // thread page (server/threads/endpoints.ts), each reply is encoded on its own (PagePieces).
  const send = (res: express.Response, locals: object) => {
    const now = systemClock.now();
    const pieces = new PagePieces();
    res.render('threads/thread', { ...locals, fmt: fmt(now), now, pieces }, (err: Error | null, html: string) => {
      if (err) return void res.status(500).end(String(err));
      res.type('html').send(pieces.toBuffer(html));
    });
  };
  app.get('/', (_req, res) => send(res, anon));
  app.get('/signed', (_req, res) => send(res, signed));
  return app;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  const app = mode === 'plain' ? await plain() : mode === 'template' ? await template() : null;
  if (!app) {
    console.error('usage: thread-page-baselines.ts plain|template');
    process.exit(2);
  }
  const server = app.listen(0, '127.0.0.1', () => {
    console.log(`baseline listening http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  server.keepAliveTimeout = 65_000;
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
