/**
 * The thread list's first, middle and last pages on a large forum (issue 20 item 2: "list page
 * 1 and the last page within 1.5x of each other at 100k threads"). Prints numbers; asserts
 * nothing.
 *
 *   npx tsx bench/list-pages.ts --dir /work/bench-data/writes-100k [--pages 10] [--rounds 3]
 *
 * The forum (server/main.ts, NODE_ENV=production) runs as a separate process on a COPY of a
 * generated data directory (bench/gen-forum.ts; it may write to it: view counts, a newly
 * declared index built at start-up), load shedding off. Requests go one at a time, kinds interleaved (first,
 * middle, last, first, ...), each to a page not asked for before in the run, so none is served
 * from the 2 s list cache (server/threads/page-cache.ts): `--pages` distinct pages per kind and
 * round, from the front (pages 1, 2, ...), around the middle, and from the back (the last page,
 * the one before, ...), as the pager's numbered links reach them. Reported per kind: wall time
 * per page (median, p90) and the server's CPU time per page (/proc/<pid>/stat), then the ratios
 * middle/first and last/first per round with their spread.
 */
import os from 'node:os';
import { cpuMs, median, spread, startForumChild } from './forum-child';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const DIR = arg('dir', '/work/bench-data/writes-100k');
const PAGES = Number(arg('pages', '10'));
const ROUNDS = Number(arg('rounds', '3'));

const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

async function main() {
  console.log(
    `bench/list-pages.ts: ${DIR}, ${PAGES} pages per kind and round, ${ROUNDS} rounds, node ${process.version}, ${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const t0 = performance.now();
  // One request at a time measures cost, not overload: load shedding off, so that a slow page
  // does not get the next ones refused (server/http/load-shedding.ts).
  const app = await startForumChild(DIR, { SHED_MAX_IN_FLIGHT: '0', SHED_EVENT_LOOP_DELAY_MS: '0', REQUEST_TIMEOUT_MS: '0' });
  for (;;) {
    const r = await fetch(`${app.url}/readyz`).catch(() => null);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  console.log(`ready after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  try {
    const first = (await (await fetch(`${app.url}/api/threads`, { headers: { accept: 'application/json' } })).json()) as {
      pages: number;
      total: number;
    };
    const pages = first.pages;
    /** Answers other than 200 (503: the request timed out, server/http/load-shedding.ts). */
    const failures: string[] = [];
    console.log(`${first.total} threads, ${pages} pages`);
    const get = async (page: number) => {
      const w0 = performance.now();
      const c0 = cpuMs(app.pid);
      try {
        const res = await fetch(`${app.url}/threads?page=${page}`, { headers: { accept: 'text/html' } });
        await res.text();
        if (res.status !== 200) failures.push(`page ${page}: ${res.status}`);
      } catch (err) {
        failures.push(`page ${page}: ${(err as { cause?: { code?: string } }).cause?.code ?? String(err)}`);
        if (app.child.exitCode !== null) throw new Error(`the server exited (${app.child.exitCode})`, { cause: err });
      }
      return { wall: performance.now() - w0, cpu: cpuMs(app.pid) - c0 };
    };
    // warm-up: code paths and the pager
    for (const p of [1, Math.floor(pages / 2), pages]) await get(p);
    await new Promise((res) => setTimeout(res, 2500));

    const kinds = {
      first: (round: number, i: number) => 1 + round * PAGES + i,
      middle: (round: number, i: number) => Math.floor(pages / 2) + round * PAGES + i,
      last: (round: number, i: number) => pages - round * PAGES - i,
    };
    const all: Record<string, { wall: number[]; cpu: number[] }[]> = { first: [], middle: [], last: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const cur: Record<string, { wall: number[]; cpu: number[] }> = {
        first: { wall: [], cpu: [] },
        middle: { wall: [], cpu: [] },
        last: { wall: [], cpu: [] },
      };
      for (let i = 0; i < PAGES; i++) {
        for (const [kind, page] of Object.entries(kinds)) {
          const r = await get(page(round, i));
          cur[kind]!.wall.push(r.wall);
          cur[kind]!.cpu.push(r.cpu);
        }
      }
      for (const k of Object.keys(all)) all[k]!.push(cur[k]!);
      console.log(`round ${round + 1} done, load ${os.loadavg()[0]!.toFixed(2)}`);
    }
    // CPU per page: summed over a round (clock ticks are 10 ms, so one page's reading is coarse).
    const cpuOf = (r: { cpu: number[] }) => r.cpu.reduce((a, b) => a + b, 0) / r.cpu.length;
    console.log('\nper page'.padEnd(12) + 'wall median / p90 ms'.padStart(24) + 'server CPU ms'.padStart(16));
    for (const [kind, rounds] of Object.entries(all)) {
      const walls = rounds.flatMap((r) => r.wall);
      console.log(
        kind.padEnd(11) +
          `${median(walls).toFixed(1)} / ${p90(walls).toFixed(1)}`.padStart(24) +
          median(rounds.map(cpuOf)).toFixed(2).padStart(16),
      );
    }
    if (failures.length) console.log(`not 200 (${failures.length}): ${failures.join(', ')}`);
    for (const kind of ['middle', 'last']) {
      const wall = all[kind]!.map((r, i) => median(r.wall) / median(all.first![i]!.wall));
      const cpu = all[kind]!.map((r, i) => cpuOf(r) / cpuOf(all.first![i]!));
      console.log(`${kind}/first: wall ${spread(wall)}; CPU ${spread(cpu)}`);
    }
  } finally {
    await app.stop();
  }
}

await main();
