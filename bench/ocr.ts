/**
 * OCR and the screenshot guard on generated 1280x800 screenshots (bench/ocr-screens.ts).
 * Prints numbers; asserts nothing.
 *
 *   npx tsx bench/ocr.ts [--runs 3] [--private 28] [--ordinary 28] [--timing 10] [--duration 6] [--connections 10]
 *
 * Once (recognition is deterministic: the same image gives the same words):
 *   - inspectAndNormalize time per screenshot (what an upload costs before OCR);
 *   - the guard's detection rate on the private screenshots (the expected kind, with a box
 *     covering at least 90% of the secret's rendered pixels), per kind, and its false-positive
 *     rate on the ordinary ones (any match at all);
 *   - after blurring the boxes it found: whether the guard still finds anything and whether
 *     the secret can still be read anywhere in the OCR text.
 * Each of `--runs` rounds (spread printed at the end):
 *   - OCR ms per screenshot, one at a time on a warm worker (p50, p95), and meanwhile the
 *     main thread's utilisation and event-loop delay (the pool must not block it), against
 *     the delay over a second of doing nothing;
 *   - screenshots per minute with the pool at size 1 and 2, all submitted at once;
 *   - the forum as a child process (DEMO_CONTENT, embedded database): a thread page under
 *     autocannon for --duration seconds, idle, then while pools of size 1 and 2 OCR a
 *     continuous stream; page req/s and p99 latency, and screenshots per minute meanwhile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { blurRegions, inspectAndNormalize, type Box } from '../server/images';
import { createOcrPool, scanImage, type OcrPool } from '../server/ocr';
import { ordinaryScreens, privateScreens, type Screen } from './ocr-screens';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('runs', 3);
const PRIVATE = arg('private', 28);
const ORDINARY = arg('ordinary', 28);
const TIMING = arg('timing', 10);
const DURATION = arg('duration', 6);
const CONNECTIONS = arg('connections', 10);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Share of `truth` covered by `box`. */
function coverage(box: Box, truth: Box): number {
  const w = Math.min(box.x + box.w, truth.x + truth.w) - Math.max(box.x, truth.x);
  const h = Math.min(box.y + box.h, truth.y + truth.h) - Math.max(box.y, truth.y);
  return w > 0 && h > 0 ? (w * h) / (truth.w * truth.h) : 0;
}

const alnum = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');

async function detection(pool: OcrPool, privates: Screen[], ordinaries: Screen[]): Promise<void> {
  const byKind = new Map<string, { total: number; found: number; partial: number }>();
  const missed: string[] = [];
  let extra = 0;
  let blurredStillFound = 0;
  let blurredReadable = 0;
  let blurredChecked = 0;
  for (const s of privates) {
    const secret = s.secret!;
    const k = byKind.get(secret.kind) ?? { total: 0, found: 0, partial: 0 };
    byKind.set(secret.kind, k);
    k.total++;
    const { matches } = await scanImage(pool, s.png);
    const same = matches.filter((m) => m.kind === secret.kind && coverage(m.box, secret.box) > 0);
    const best = Math.max(0, ...same.map((m) => coverage(m.box, secret.box)));
    extra += matches.filter((m) => coverage(m.box, secret.box) === 0).length;
    if (best >= 0.9) k.found++;
    else if (best > 0) k.partial++;
    else missed.push(`${s.name} (${secret.text})${matches.length ? ` found instead: ${matches.map((m) => m.kind).join(', ')}` : ''}`);
    if (matches.length === 0) continue;
    const blurred = await blurRegions(
      s.png,
      matches.map((m) => m.box),
    );
    const after = await scanImage(pool, blurred.data);
    blurredChecked++;
    if (after.matches.length > 0) blurredStillFound++;
    if (alnum(after.words.map((w) => w.text).join('')).includes(alnum(secret.text))) blurredReadable++;
  }
  const flagged: string[] = [];
  for (const s of ordinaries) {
    const { matches, words } = await scanImage(pool, s.png);
    if (matches.length === 0) continue;
    const texts = matches.map((m) => {
      const inside = words.filter((w) => coverage(w.box, m.box) > 0.5).map((w) => w.text);
      return `${m.kind} "${inside.join(' ')}"`;
    });
    flagged.push(`${s.name}: ${texts.join('; ')}`);
  }

  const found = [...byKind.values()].reduce((a, k) => a + k.found, 0);
  console.log(
    `\nGuard on ${privates.length} private screenshots: detected ${found}/${privates.length} (${fmt((100 * found) / privates.length, 1)}%)`,
  );
  for (const [kind, k] of byKind) {
    console.log(`  ${kind.padEnd(18)} ${k.found}/${k.total} detected${k.partial ? `, ${k.partial} with a box covering <90% of it` : ''}`);
  }
  for (const m of missed) console.log(`  missed: ${m}`);
  console.log(`  matches elsewhere on private screenshots (not the secret): ${extra}`);
  console.log(
    `False positives on ${ordinaries.length} ordinary screenshots: ${flagged.length} (${fmt((100 * flagged.length) / ordinaries.length, 1)}%)`,
  );
  for (const f of flagged) console.log(`  flagged: ${f}`);
  console.log(
    `After blurring what was found (${blurredChecked} screenshots): guard still finds something on ${blurredStillFound}, ` +
      `the secret still OCRs on ${blurredReadable}`,
  );
}

interface Round {
  ocrP50: number;
  ocrP95: number;
  wallP50: number;
  loopDelayP99: number;
  loopDelayIdleP99: number;
  elu: number;
  perMinute1: number;
  perMinute2: number;
  pageIdle: number;
  pageIdleP99: number;
  pageDuring1: number;
  pageDuring1P99: number;
  ocrDuring1: number;
  pageDuring2: number;
  pageDuring2P99: number;
  ocrDuring2: number;
}

/** Main-thread event-loop delay p99 (ms) and utilisation (share of time busy) while `work` runs. */
async function mainThread<T>(work: () => Promise<T>): Promise<{ result: T; delayP99: number; elu: number }> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  const before = performance.eventLoopUtilization();
  h.enable();
  const result = await work();
  h.disable();
  return { result, delayP99: h.percentile(99) / 1e6, elu: performance.eventLoopUtilization(before).utilization };
}

async function sequential(pool: OcrPool, images: Buffer[]): Promise<{ worker: number[]; wall: number[] }> {
  const worker: number[] = [];
  const wall: number[] = [];
  for (const img of images) {
    const t = performance.now();
    const r = await pool.recognize(img);
    wall.push(performance.now() - t);
    worker.push(r.ms);
  }
  return { worker, wall };
}

async function perMinute(pool: OcrPool, images: Buffer[]): Promise<number> {
  const t = performance.now();
  await Promise.all(images.map((img) => pool.recognize(img)));
  return (images.length / (performance.now() - t)) * 60_000;
}

async function page(url: string) {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION });
  return { rps: r.requests.average, p99: r.latency.p99, bad: r.non2xx + r.errors };
}

/** Page load while `pool` OCRs a continuous stream (two jobs per worker kept in flight). */
async function pageDuringOcr(url: string, pool: OcrPool, size: number, images: Buffer[]) {
  let running = true;
  let done = 0;
  let i = 0;
  const feeders = Array.from({ length: size * 2 }, async () => {
    while (running) {
      await pool.recognize(images[i++ % images.length]!);
      done++;
    }
  });
  const t = performance.now();
  const p = await page(url);
  const seconds = (performance.now() - t) / 1000;
  const ocrPerMinute = (done / seconds) * 60;
  running = false;
  await Promise.all(feeders);
  return { ...p, ocrPerMinute };
}

async function startForum(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn('npx', ['tsx', 'server/main.ts'], {
    env: { ...process.env, DATA_DIR: dataDir, DEMO_CONTENT: 'true', JOBS_ENABLED: 'false', PORT: '0' },
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: npx, tsx and node stop together
  });
  child.stderr!.resume();
  const base = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split('\n')) {
        if (!line.includes('forum listening')) continue;
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining request logs
        resolve(`http://127.0.0.1:${JSON.parse(line).port}`);
        return;
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`forum exited (${code}) before listening`)));
  });
  return { child, base };
}

function stopForum(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGTERM');
  return exited;
}

async function main() {
  console.log(`OCR bench: ${availableParallelism()} cores, load average ${load()} (1, 5, 15 min)`);

  let t = performance.now();
  const [privates, ordinaries] = await Promise.all([privateScreens(PRIVATE), ordinaryScreens(ORDINARY)]);
  console.log(`Generated ${privates.length} private + ${ordinaries.length} ordinary screenshots in ${fmt(performance.now() - t)} ms`);
  const normalizeMs: number[] = [];
  for (const s of [...privates, ...ordinaries]) {
    t = performance.now();
    s.png = (await inspectAndNormalize(s.png)).data; // OCR and blur work on the stored file
    normalizeMs.push(performance.now() - t);
  }
  console.log(`inspectAndNormalize per screenshot: p50 ${fmt(pct(normalizeMs, 50))} ms, p95 ${fmt(pct(normalizeMs, 95))} ms`);

  const pool1 = createOcrPool({ size: 1, queueLimit: 1000 });
  const pool2 = createOcrPool({ size: 2, queueLimit: 1000 });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-ocr-'));
  let forum: ChildProcess | undefined;
  try {
    t = performance.now();
    await pool1.recognize(privates[0]!.png);
    console.log(`First recognition, worker start included: ${fmt(performance.now() - t)} ms`);
    await Promise.all([pool2.recognize(privates[0]!.png), pool2.recognize(privates[1]!.png)]);

    await detection(pool1, privates, ordinaries);

    const started = await startForum(dataDir);
    forum = started.child;
    const home = await (await fetch(`${started.base}/`)).text();
    const link = /href="(\/threads\/[0-9a-f]{24}[^"]*)"/.exec(home)?.[1] ?? '/';
    const url = `${started.base}${link}`;
    console.log(`\nForum child pid ${forum.pid}; page under load: ${link}`);
    await autocannon({ url, connections: CONNECTIONS, duration: 2 }); // warm-up

    const timing = [...privates.slice(0, Math.ceil(TIMING / 2)), ...ordinaries.slice(0, Math.floor(TIMING / 2))].map((s) => s.png);
    const rounds: Round[] = [];
    for (let run = 1; run <= RUNS; run++) {
      // Baseline: the same measures over a second of doing nothing.
      const quiet = await mainThread(() => new Promise((resolve) => setTimeout(resolve, 1000)));
      const seq = await mainThread(() => sequential(pool1, timing));
      const perMinute1 = await perMinute(pool1, timing);
      const perMinute2 = await perMinute(pool2, timing);
      const idle = await page(url);
      const during1 = await pageDuringOcr(url, pool1, 1, timing);
      const during2 = await pageDuringOcr(url, pool2, 2, timing);
      const r: Round = {
        ocrP50: pct(seq.result.worker, 50),
        ocrP95: pct(seq.result.worker, 95),
        wallP50: pct(seq.result.wall, 50),
        loopDelayP99: seq.delayP99,
        loopDelayIdleP99: quiet.delayP99,
        elu: seq.elu * 100,
        perMinute1,
        perMinute2,
        pageIdle: idle.rps,
        pageIdleP99: idle.p99,
        pageDuring1: during1.rps,
        pageDuring1P99: during1.p99,
        ocrDuring1: during1.ocrPerMinute,
        pageDuring2: during2.rps,
        pageDuring2P99: during2.p99,
        ocrDuring2: during2.ocrPerMinute,
      };
      rounds.push(r);
      const bad = idle.bad + during1.bad + during2.bad;
      console.log(
        `run ${run}: OCR p50 ${fmt(r.ocrP50)} ms p95 ${fmt(r.ocrP95)} ms (main thread: busy ${fmt(r.elu, 1)}%, loop delay p99 ${fmt(r.loopDelayP99, 1)} ms, ${fmt(r.loopDelayIdleP99, 1)} ms idle) | ` +
          `per minute: pool 1 ${fmt(r.perMinute1)}, pool 2 ${fmt(r.perMinute2)} | ` +
          `page req/s idle ${fmt(r.pageIdle)}, OCR pool 1 ${fmt(r.pageDuring1)} (${fmt(r.ocrDuring1)}/min), pool 2 ${fmt(r.pageDuring2)} (${fmt(r.ocrDuring2)}/min)` +
          `${bad ? ` | non-2xx/errors ${bad}` : ''} | load ${load()}`,
      );
    }

    const spread = (name: string, key: keyof Round, unit: string, d = 0) => {
      const xs = rounds.map((r) => r[key]);
      console.log(
        `  ${name.padEnd(46)} ${fmt(pct(xs, 50), d).padStart(7)} ${unit.padEnd(6)} [${fmt(Math.min(...xs), d)} - ${fmt(Math.max(...xs), d)}]`,
      );
    };
    console.log(`\nOver ${RUNS} runs: median [min - max]`);
    spread('OCR per screenshot, p50 (worker)', 'ocrP50', 'ms');
    spread('OCR per screenshot, p95 (worker)', 'ocrP95', 'ms');
    spread('OCR per screenshot, p50 (submit to result)', 'wallP50', 'ms');
    spread('main thread busy during sequential OCR', 'elu', '%', 1);
    spread('main-thread event-loop delay p99 during OCR', 'loopDelayP99', 'ms', 1);
    spread('main-thread event-loop delay p99, no OCR', 'loopDelayIdleP99', 'ms', 1);
    spread('screenshots/min, pool size 1, no page load', 'perMinute1', '/min');
    spread('screenshots/min, pool size 2, no page load', 'perMinute2', '/min');
    spread('thread page, no OCR', 'pageIdle', 'req/s');
    spread('thread page p99, no OCR', 'pageIdleP99', 'ms');
    spread('thread page while pool size 1 OCRs', 'pageDuring1', 'req/s');
    spread('thread page p99 while pool size 1 OCRs', 'pageDuring1P99', 'ms');
    spread('screenshots/min meanwhile (pool size 1)', 'ocrDuring1', '/min');
    spread('thread page while pool size 2 OCRs', 'pageDuring2', 'req/s');
    spread('thread page p99 while pool size 2 OCRs', 'pageDuring2P99', 'ms');
    spread('screenshots/min meanwhile (pool size 2)', 'ocrDuring2', '/min');
    const ratio = (a: keyof Round) => rounds.map((r) => r[a] / r.pageIdle);
    for (const [name, key] of [
      ['pool 1', 'pageDuring1'],
      ['pool 2', 'pageDuring2'],
    ] as const) {
      const xs = ratio(key);
      console.log(
        `  page throughput during OCR (${name}) / idle, same run: ${fmt(pct(xs, 50), 2)} [${fmt(Math.min(...xs), 2)} - ${fmt(Math.max(...xs), 2)}]`,
      );
    }
    console.log(`Process RSS ${fmt(process.memoryUsage().rss / 1048576)} MB with 3 OCR workers; load average ${load()}`);
  } finally {
    await Promise.all([pool1.close(), pool2.close()]);
    if (forum) await stopForum(forum);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
