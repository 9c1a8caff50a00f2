import { strict as assert } from 'node:assert';
import { startForum, type TestForum } from '../../helpers/kit';

describe('ops: the indexes CLI command (indexes the models no longer declare)', function () {
  let forum: TestForum;
  before(async () => {
    forum = await startForum();
  });
  after(async () => forum.close());

  it('lists an index left by an older version, drops it only with --drop-unused, and keeps the declared ones', async () => {
    const threads = forum.col('threads');
    const names = async () => (await threads.indexes()).map((i) => i.name).sort();
    const declared = await names();
    const clean = await forum.cli('indexes');
    assert.equal(clean.code, 0, clean.err.join('\n'));
    assert.deepEqual(clean.out, ['every index is declared by a model']);

    // The list index of the previous version, without visibility.
    await threads.createIndex({ status: 1, lastActivityAt: -1, _id: -1 });
    const dry = await forum.cli('indexes');
    assert.equal(dry.code, 0, dry.err.join('\n'));
    assert.ok(dry.out.includes('threads: not declared by the model: status_1_lastActivityAt_-1__id_-1'), dry.out.join('\n'));
    assert.match(dry.out.at(-1)!, /1 index\(es\) no model declares/);
    assert.ok((await names()).includes('status_1_lastActivityAt_-1__id_-1'), 'a dry run drops nothing');

    const dropped = await forum.cli('indexes', ['--drop-unused']);
    assert.equal(dropped.code, 0, dropped.err.join('\n'));
    assert.deepEqual(dropped.out, ['threads: dropped status_1_lastActivityAt_-1__id_-1']);
    assert.deepEqual(await names(), declared);

    const bad = await forum.cli('indexes', ['--drop']);
    assert.equal(bad.code, 1);
    assert.deepEqual(await names(), declared);
  });
});
