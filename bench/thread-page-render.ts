/**
 * CPU time of one render of the thread page's template from memory, in this process (no HTTP,
 * no autocannon): a measure that stays meaningful on a loaded machine, where req/s do not.
 * Prints microseconds of CPU per render (process.cpuUsage, user + system) and the page size.
 *
 *   npx tsx bench/thread-page-render.ts [--renders 400]
 *
 * The same three pages as bench/thread-page.ts's baselines: the plain ejs page of 50 replies,
 * and the forum's views/threads/thread.ejs with the anonymous and the signed-in locals
 * (bench/thread-page-baselines.ts), each rendered through express's app.render as
 * res.render does.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type express from 'express';
import { systemClock } from '../server/kernel/clock';
import { plainLocals, templateLocals, viewsApp } from './thread-page-baselines';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--renders');
const RENDERS = i > 0 ? Number(process.argv[i + 1]) : 400;

function render(app: express.Express, view: string, locals: object): Promise<string> {
  return new Promise((resolve, reject) => app.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
}

async function time(name: string, app: express.Express, view: string, locals: () => object): Promise<void> {
  let html = '';
  for (let n = 0; n < 50; n++) html = await render(app, view, locals());
  const cpu = process.cpuUsage();
  for (let n = 0; n < RENDERS; n++) Buffer.from(await render(app, view, locals()));
  const used = process.cpuUsage(cpu);
  const us = (used.user + used.system) / RENDERS;
  console.log(
    `${name.padEnd(28)} ${us.toFixed(0).padStart(6)} us CPU per render (+ utf-8 encoding)   ${(html.length / 1024).toFixed(0)} kB`,
  );
}

const plainApp = viewsApp(path.join(root, 'bench', 'views'));
const forumApp = viewsApp(path.join(root, 'views'));
const { fmt, anon, signed } = await templateLocals();
const plain = plainLocals();
for (let round = 0; round < 2; round++) {
  await time('plain ejs, 50 replies', plainApp, 'plain-thread', () => plain);
  await time('template, anonymous', forumApp, 'threads/thread', () => {
    const now = systemClock.now();
    return { ...anon, fmt: fmt(now), now };
  });
  await time('template, signed in', forumApp, 'threads/thread', () => {
    const now = systemClock.now();
    return { ...signed, fmt: fmt(now), now };
  });
}
