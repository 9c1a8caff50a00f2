import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Comments and docs name only files that exist in this repository: a path such as
 * `server/threads/page-cache.ts` or `docs/support-policy.md` must resolve from the repository
 * root, and a bare document name (`README.md`) must be a tracked file somewhere in it.
 * (This file itself is left out: its patterns and examples are not references.)
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
const trackedSet = new Set(tracked);
const SELF = 'test/unit/repo/references.test.ts';
const sources = tracked
  .filter((f) => f !== SELF)
  .filter((f) => /^(server|models|test|bench|views|public\/js|docs)\/.*\.(ts|mjs|js|ejs|md)$/.test(f) || f === 'README.md');

/** Repository paths under the top-level folders, with an extension. */
const PATH = /(?<![\w./@-])((?:server|models|test|bench|views|public|docs)\/[\w./-]*\w\.(?:ts|mjs|js|ejs|md|json|css))(?![\w/])/g;
/** Bare Markdown document names. */
const DOC = /(?<![\w./-])([A-Za-z][\w-]*\.md)\b/g;

describe('repository: references in comments and docs resolve', () => {
  it('every repository path named in a source file or doc exists', () => {
    const missing: string[] = [];
    for (const file of sources) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of text.matchAll(PATH)) {
        const ref = m[1]!;
        if (ref.includes('*') || ref.includes('<')) continue;
        if (!existsSync(path.join(ROOT, ref))) missing.push(`${file}: ${ref}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('every document named by file name exists in the repository', () => {
    const docs = new Set(tracked.filter((f) => f.endsWith('.md')).map((f) => path.basename(f)));
    const missing: string[] = [];
    for (const file of sources) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of text.matchAll(DOC)) if (!docs.has(m[1]!)) missing.push(`${file}: ${m[1]}`);
    }
    assert.deepEqual(missing, []);
  });

  it('finds references at all (the check is meaningful)', () => {
    assert.ok(trackedSet.has('docs/architecture.md'));
    const text = readFileSync(path.join(ROOT, 'server/calendar/rules.ts'), 'utf8');
    assert.ok([...text.matchAll(PATH)].some((m) => m[1] === 'docs/support-policy.md'));
  });
});
