/**
 * mongoose on the embedded server: model init, duplicate errors, syncIndexes, and a
 * connect/disconnect cycle that leaves no handle behind (checked in a child process, so
 * the rest of the suite cannot disturb it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose, { Schema } from 'mongoose';
import { startTestDatabase } from '../../../server/db/connect';
import { startEmbeddedServer } from '../../../server/db/embedded/server';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

describe('embedded db: mongoose', () => {
  it('reports a duplicate save as code 11000 with keyPattern', async () => {
    const db = await startTestDatabase();
    try {
      const Member = db.connection.model('DupMember', new Schema({ username: { type: String, unique: true }, email: String }));
      await Member.init();
      await new Member({ username: 'ada' }).save();
      await assert.rejects(new Member({ username: 'ada' }).save(), (err: { code?: number; keyPattern?: unknown; keyValue?: unknown }) => {
        assert.equal(err.code, 11000);
        assert.deepEqual(err.keyPattern, { username: 1 });
        assert.deepEqual(err.keyValue, { username: 'ada' });
        return true;
      });
      await assert.rejects(Member.create([{ username: 'bob' }, { username: 'ada' }]), { code: 11000 });
      await assert.rejects(Member.insertMany([{ username: 'cy' }, { username: 'ada' }], { ordered: false }), { code: 11000 });
      assert.equal(await Member.countDocuments(), 3);
      const updated = await Member.findOneAndUpdate({ username: 'bob' }, { $set: { email: 'b@x' } }, { new: true }).lean();
      assert.equal(updated?.email, 'b@x');
    } finally {
      await db.close();
    }
  });

  it('syncIndexes is idempotent: the second call creates and drops nothing', async () => {
    const db = await startTestDatabase();
    const conn = mongoose.createConnection(db.uri, { monitorCommands: true });
    try {
      await conn.asPromise();
      const schema = new Schema({ thread: String, user: String, at: Date, score: Number });
      schema.index({ thread: 1, user: 1 }, { unique: true });
      schema.index({ at: 1 }, { expireAfterSeconds: 3600 });
      schema.index({ score: -1 }, { partialFilterExpression: { score: { $gt: 0 } } });
      const Vote = conn.model('SyncVote', schema);
      const commands: string[] = [];
      conn.getClient().on('commandStarted', (e) => commands.push(e.commandName));
      await Vote.syncIndexes();
      assert.ok(commands.includes('createIndexes'));
      commands.length = 0;
      const dropped = await Vote.syncIndexes();
      assert.deepEqual(dropped, []);
      assert.ok(!commands.includes('createIndexes'), `second syncIndexes sent ${commands.join(', ')}`);
      assert.ok(!commands.includes('dropIndexes'));
      const diff = await Vote.diffIndexes();
      assert.deepEqual(diff, { toDrop: [], toCreate: [] });
    } finally {
      await conn.close();
      await db.close();
    }
  });

  it('a connect / model / disconnect cycle leaves no handles behind (the process exits by itself)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'helpers/cycle-child.ts')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(killer);
    assert.equal(out.split('\n')[0], 'closed');
    assert.equal(code, 0, `the process did not exit by itself; ${out}`);
  });

  it('serves a second, independent server in the same process', async () => {
    const a = await startEmbeddedServer({ dataDir: null });
    const b = await startEmbeddedServer({ dataDir: null });
    const ca = mongoose.createConnection(`${a.uri}/x`);
    const cb = mongoose.createConnection(`${b.uri}/x`);
    try {
      await ca.collection('c').insertOne({ from: 'a' });
      assert.equal(await cb.collection('c').countDocuments(), 0);
    } finally {
      await ca.close();
      await cb.close();
      await a.close();
      await b.close();
    }
  });
});
