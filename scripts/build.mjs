#!/usr/bin/env node
/**
 * Compiles the server (server/ and models/) with the TypeScript compiler into build/, as
 * ES modules that plain `node` runs: `node build/server/main.js` (what `npm start` runs).
 *
 *   node scripts/build.mjs             build now
 *   node scripts/build.mjs --if-stale  build only when build/ is missing or older than a source
 *                                      (`npm start` runs this first, so a fresh clone or a
 *                                      `git pull` needs no separate step)
 *
 * The sources import each other without file extensions (moduleResolution "Bundler"), which
 * Node's ES module loader does not accept; an emit transformer rewrites every relative
 * specifier to the file TypeScript itself resolved it to (`./config` -> `./config.js`,
 * `./embedded` -> `./embedded/index.js`). Type checking is `npm run typecheck`'s job: the
 * emit runs with noCheck, so a build takes seconds.
 *
 * The build is written to a temporary folder and swapped into place, under a lock file, so
 * two `npm start` at once never run a half-written build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build');
const SOURCE_DIRS = ['server', 'models'];
const STAMP = '.build-stamp';
const LOCK = path.join(ROOT, '.build.lock');
const LOCK_STALE_MS = 5 * 60_000;

/** Every TypeScript source of the server, and the newest modification time among them (and the configs). */
function sources() {
  const files = [];
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push(full);
        newest = Math.max(newest, fs.statSync(full).mtimeMs);
      }
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(ROOT, dir));
  for (const f of ['tsconfig.json', 'package.json', 'scripts/build.mjs'])
    newest = Math.max(newest, fs.statSync(path.join(ROOT, f)).mtimeMs);
  return { files, newest };
}

function isStale(newest) {
  try {
    return fs.statSync(path.join(OUT, STAMP)).mtimeMs < newest;
  } catch {
    return true;
  }
}

async function withLock(fn) {
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let age;
      try {
        age = Date.now() - fs.statSync(LOCK).mtimeMs;
      } catch {
        continue;
      }
      if (age > LOCK_STALE_MS) fs.rmSync(LOCK, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

/**
 * A package subpath Node's ES module loader cannot find as written (`sorted-btree/extended/bulkLoad`
 * in a package without an "exports" map) gets the file's extension CommonJS resolution finds.
 */
function packageSubpath(spec, fromFile) {
  const m = /^((?:@[^/]+\/)?[^/]+)\/(.+)$/.exec(spec);
  if (!m || /\.(m?js|cjs|json|node)$/.test(spec)) return null;
  // import.meta.resolve maps the specifier (through an exports map) without checking the file.
  let url;
  try {
    url = import.meta.resolve(spec);
  } catch {
    return null;
  }
  if (!url.startsWith('file:') || fs.existsSync(fileURLToPath(url))) return null;
  const file = createRequire(fromFile).resolve(spec).split(path.sep).join('/');
  const tail = file.slice(file.lastIndexOf(`/${m[2]}`) + m[2].length + 1);
  return `${spec}${tail}`;
}

/** An emit transformer: relative module specifiers become the emitted file they resolve to. */
function rewriteSpecifiers(ts, options) {
  const resolveCache = new Map();
  const target = (spec, fromFile) => {
    if (!spec.startsWith('./') && !spec.startsWith('../')) return packageSubpath(spec, fromFile);
    if (/\.(m?js|json|node)$/.test(spec)) return null;
    const key = `${path.dirname(fromFile)}\0${spec}`;
    if (!resolveCache.has(key)) {
      const resolved = ts.resolveModuleName(spec, fromFile, options, ts.sys).resolvedModule?.resolvedFileName;
      if (!resolved) throw new Error(`build: cannot resolve '${spec}' from ${path.relative(ROOT, fromFile)}`);
      let rel = path.relative(path.dirname(fromFile), resolved).split(path.sep).join('/');
      rel = rel.replace(/\.mts$/, '.mjs').replace(/\.ts$/, '.js');
      resolveCache.set(key, rel.startsWith('.') ? rel : `./${rel}`);
    }
    return resolveCache.get(key);
  };
  return (context) => (sourceFile) => {
    const f = context.factory;
    const visit = (node) => {
      if (
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        const to = target(node.moduleSpecifier.text, sourceFile.fileName);
        if (to) {
          return ts.isImportDeclaration(node)
            ? f.updateImportDeclaration(node, node.modifiers, node.importClause, f.createStringLiteral(to), node.attributes)
            : f.updateExportDeclaration(
                node,
                node.modifiers,
                node.isTypeOnly,
                node.exportClause,
                f.createStringLiteral(to),
                node.attributes,
              );
        }
      }
      if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        const to = target(node.arguments[0].text, sourceFile.fileName);
        if (to)
          return f.updateCallExpression(node, node.expression, node.typeArguments, [f.createStringLiteral(to), ...node.arguments.slice(1)]);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(sourceFile, visit);
  };
}

async function compile(files) {
  let ts;
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new Error(
      'build: the TypeScript compiler is not installed (it is a devDependency: run `npm install` without --omit=dev, or copy a build/ made elsewhere)',
    );
  }
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  const tmp = path.join(ROOT, `build.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  const options = {
    ...parsed.options,
    noEmit: false,
    noCheck: true,
    outDir: tmp,
    rootDir: ROOT,
    sourceMap: true,
    declaration: false,
    incremental: false,
    types: ['node'],
  };
  const program = ts.createProgram({ rootNames: files, options });
  const result = program.emit(undefined, undefined, undefined, false, { after: [rewriteSpecifiers(ts, options)] });
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length || result.emitSkipped) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const text = ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' });
    throw new Error(`build failed:\n${text}`);
  }
  // ES modules: build/ has no package.json of its own, so Node reads the project's ("type": "module").
  fs.writeFileSync(path.join(tmp, STAMP), `${new Date().toISOString()}\n`);
  const old = path.join(ROOT, `build.old-${process.pid}`);
  try {
    fs.renameSync(OUT, old);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  fs.renameSync(tmp, OUT);
  fs.rmSync(old, { recursive: true, force: true });
}

async function main() {
  const ifStale = process.argv.includes('--if-stale');
  const { files, newest } = sources();
  if (ifStale && !isStale(newest)) return;
  await withLock(async () => {
    if (ifStale && !isStale(sources().newest)) return; // another process built it meanwhile
    const started = Date.now();
    await compile(files);
    console.error(`build: ${files.length} files compiled into build/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
