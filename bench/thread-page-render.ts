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
 * res.render does, and turned into bytes both as one string (res.send) and with each reply
 * encoded on its own (server/http/page-pieces.ts, as the forum sends its thread page).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type express from 'express';
import { systemClock } from '../server/kernel/clock';
import { PagePieces } from '../server/http/page-pieces';
import { plainLocals, templateLocals, viewsApp } from './thread-page-baselines';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--renders');
const RENDERS = i > 0 ? Number(process.argv[i + 1]) : 400;

function render(app: express.Express, view: string, locals: object): Promise<string> {
  return new Promise((resolve, reject) => app.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
}

async function time(name: string, app: express.Express, view: string, locals: () => object, withPieces = false): Promise<void> {
  const once = async () => {
    const pieces = new PagePieces();
    const l = withPieces ? { ...locals(), pieces } : locals();
    const html = await render(app, view, l);
    return withPieces ? pieces.toBuffer(html) : Buffer.from(html);
  };
  let bytes = 0;
  for (let n = 0; n < 50; n++) bytes = (await once()).length;
  const cpu = process.cpuUsage();
  for (let n = 0; n < RENDERS; n++) await once();
  const used = process.cpuUsage(cpu);
  const us = (used.user + used.system) / RENDERS;
  console.log(`${name.padEnd(40)} ${us.toFixed(0).padStart(6)} us CPU per render (+ utf-8 encoding)   ${(bytes / 1024).toFixed(0)} kB`);
}

const plainApp = viewsApp(path.join(root, 'bench', 'views'));
const forumApp = viewsApp(path.join(root, 'views'));
const { fmt, anon, signed } = await templateLocals();
const plain = plainLocals();
for (let round = 0; round < 2; round++) {
  await time('plain ejs, 50 replies', plainApp, 'plain-thread', () => plain);
  for (const withPieces of [false, true]) {
    const how = withPieces ? 'replies encoded apart' : 'one string';
    for (const [who, locals] of [
      ['anonymous', anon],
      ['signed in', signed],
    ] as const) {
      const perRequest = () => {
        const now = systemClock.now();
        return { ...locals, fmt: fmt(now), now };
      };
      await time(`template, ${who}, ${how}`, forumApp, 'threads/thread', perRequest, withPieces);
    }
  }
}
