import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A fresh empty directory under the system's temp folder for every test of the calling
 * `describe` (made before each test, removed after it). Returns the current test's path.
 */
export function tempDirPerTest(prefix: string): () => string {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}
