import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Thread state changes happen only through the threads domain (docs/architecture.md): no
 * module outside server/threads/ writes the thread collection, whether through the model, its
 * driver collection or a raw `collection('threads')`. Import boundaries are dependency-cruiser's
 * job (.dependency-cruiser.cjs); this checks what imports cannot show.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const files = execFileSync('git', ['ls-files', 'server'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.endsWith('.ts') && !f.startsWith('server/threads/') && !f.startsWith('server/db/'));

const WRITE =
  '(?:updateOne|updateMany|findOneAndUpdate|findByIdAndUpdate|replaceOne|insertOne|insertMany|create|deleteOne|deleteMany|findOneAndDelete|bulkWrite)';
const THREAD_WRITES = [
  new RegExp(`\\bThread\\.(?:collection\\.)?${WRITE}\\(`),
  new RegExp(`collection\\(\\s*['"]threads['"]\\s*\\)\\.${WRITE}\\(`),
];

describe('repository: thread writes stay in the threads domain', () => {
  it('no module outside server/threads/ writes the thread collection', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (THREAD_WRITES.some((re) => re.test(line))) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    // server/demo.ts seeds through the threads service; the CLI's import restores raw data.
    assert.deepEqual(offenders, []);
  });

  it('the check recognises a write (it is not vacuous)', () => {
    assert.ok(THREAD_WRITES[0]!.test('await Thread.collection.updateOne({ _id }, {})'));
    assert.ok(THREAD_WRITES[0]!.test('await Thread.findOneAndUpdate(filter, update)'));
    assert.ok(THREAD_WRITES[1]!.test("db.collection('threads').deleteMany({})"));
    assert.ok(!THREAD_WRITES[0]!.test('await Thread.findById(id).lean()'));
  });
});
