import assert from 'node:assert/strict';
import { awaitingThread, startSupportForum, type Forum } from './helpers';

/** `npm run forum -- lock-sweep [--now <ISO-8601>] [--dry-run]`, run in process. */
describe('support lifecycle: the lock-sweep CLI command', function () {
  let f: Forum;
  let out: string[];
  let err: string[];
  before(async () => {
    f = await startSupportForum();
  });
  after(async () => {
    await f?.close();
  });
  /** Runs the command; its output lands in `out` / `err`. */
  const runCommand = async (name: string, args: string[]) => {
    const r = await f.t.cli(name, args);
    out = r.out;
    err = r.err;
    return r.code;
  };

  it('--dry-run lists what would be locked, with deadlines, and changes nothing', async () => {
    const id = await awaitingThread(f, '2026-11-20 09:00', '2026-11-20 16:00', 'Dry run question for the CLI');
    const code = await runCommand('lock-sweep', ['--now', '2026-11-24T16:30:00-05:00', '--dry-run']);
    assert.equal(code, 0, err.join('\n'));
    assert.equal(out.length, 2);
    assert.match(
      out[0]!,
      new RegExp(`^would lock  ${id}  deadline Tuesday, November 24, 2026 at 4:00 PM ET  "Dry run question for the CLI"$`),
    );
    assert.match(out[1]!, /^Dry run at Tuesday, November 24, 2026 at 4:30 PM ET: 1 thread would be locked; nothing was changed\.$/);
    assert.equal((await f.thread(id)).status, 'awaiting_asker');
  });

  it('locks and prints a summary; a local time without an offset is read in the support zone', async () => {
    const code = await runCommand('lock-sweep', ['--now=2026-11-24T16:30']);
    assert.equal(code, 0, err.join('\n'));
    assert.match(out[0]!, /^locked {2}[0-9a-f]{24} {2}deadline Tuesday, November 24, 2026 at 4:00 PM ET/);
    // Then the mail the sweep (and anything else due) queued goes out: here the accounts' verification links.
    assert.ok(out.includes('Locked 1 thread at Tuesday, November 24, 2026 at 4:30 PM ET.'), out.join('\n'));
    assert.match(out.at(-1)!, /^Sent \d+ e-mails?\.$/);
  });

  it('says so when support is closed', async () => {
    const code = await runCommand('lock-sweep', ['--now', '2026-11-28T12:00:00Z']);
    assert.equal(code, 0);
    assert.match(out[0]!, /^Support is closed at Saturday, November 28, 2026 at 7:00 AM ET: nothing was locked/);
  });

  it('a bad --now is a clear error and exit code 1', async () => {
    for (const args of [['--now', 'next tuesday'], ['--now'], ['--now', '2026-13-01T10:00']]) {
      err = [];
      assert.equal(await runCommand('lock-sweep', args), 1, args.join(' '));
      assert.match(err[0]!, /--now must be an ISO-8601 date and time/);
      assert.match(err[1]!, /usage: npm run forum -- lock-sweep \[--now <ISO-8601>\] \[--dry-run\]/);
    }
    assert.equal(await runCommand('lock-sweep', ['--force']), 1);
    assert.match(err.at(-2)!, /unknown option --force/);
  });
});
