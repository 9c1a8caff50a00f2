import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DecryptError, SecretBox, SecretsConfigError, keyId, maskSecret, type EncryptedValue } from '../../../server/messages/crypto';

const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);
const b64 = (b: Buffer) => b.toString('base64');

/** Flip one bit in a base64 field, keeping it canonical base64 of the same length. */
function flip(field: string, byteIndex = 0): string {
  const buf = Buffer.from(field, 'base64');
  buf[byteIndex % buf.length]! ^= 0x01;
  return buf.toString('base64');
}

describe('messages/crypto', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'secretbox-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const box = () => new SecretBox([{ id: 'a', key: KEY_A }], 'a');

  describe('encrypt / decrypt', () => {
    it('round-trips, including unicode and empty strings', () => {
      const b = box();
      for (const s of ['ABCD-EFGH-1234', '', 'MCID 123456789', 'ünïcödé 😀 秘密']) {
        assert.equal(b.decrypt(b.encrypt(s, 'm1:f1'), 'm1:f1'), s);
      }
      assert.equal(b.decrypt(b.encrypt('no aad')), 'no aad');
    });

    it('produces the documented shape: v1, kid, 12-byte iv, 16-byte tag', () => {
      const v = box().encrypt('secret');
      assert.equal(v.v, 1);
      assert.equal(v.kid, 'a');
      assert.equal(Buffer.from(v.iv, 'base64').length, 12);
      assert.equal(Buffer.from(v.tag, 'base64').length, 16);
      assert.equal(Buffer.from(v.ct, 'base64').length, 'secret'.length);
      assert.doesNotMatch(JSON.stringify(v), /secret/);
    });

    it('encrypting the same value twice gives different ciphertexts and IVs', () => {
      const b = box();
      const x = b.encrypt('same value', 'ctx');
      const y = b.encrypt('same value', 'ctx');
      assert.notEqual(x.iv, y.iv);
      assert.notEqual(x.ct, y.ct);
    });

    for (const field of ['ct', 'tag', 'iv'] as const) {
      it(`a flipped ${field} byte is a DecryptError`, () => {
        const b = box();
        const v = b.encrypt('ABCD-EFGH-1234', 'm1:f1');
        for (const i of [0, 3, 11]) {
          const bad: EncryptedValue = { ...v, [field]: flip(v[field], i) };
          assert.throws(() => b.decrypt(bad, 'm1:f1'), DecryptError);
        }
      });
    }

    it('non-canonical or truncated base64 is a DecryptError', () => {
      const b = box();
      const v = b.encrypt('ABCD-EFGH-1234');
      assert.throws(() => b.decrypt({ ...v, ct: `${v.ct}!` }), DecryptError);
      assert.throws(() => b.decrypt({ ...v, iv: v.iv.slice(0, 8) }), DecryptError);
      assert.throws(() => b.decrypt({ ...v, tag: v.tag.slice(0, 12) }), DecryptError);
      assert.throws(() => b.decrypt({ ...v, v: 2 } as unknown as EncryptedValue), DecryptError);
      assert.throws(() => b.decrypt(null as unknown as EncryptedValue), DecryptError);
    });

    it('wrong or missing aad is a DecryptError (ciphertext cannot move between messages)', () => {
      const b = box();
      const v = b.encrypt('ABCD-EFGH-1234', 'message-1:access_code');
      assert.throws(() => b.decrypt(v, 'message-2:access_code'), DecryptError);
      assert.throws(() => b.decrypt(v, 'message-1:mcid'), DecryptError);
      assert.throws(() => b.decrypt(v), DecryptError);
      assert.throws(() => b.decrypt(b.encrypt('x'), 'message-1:access_code'), DecryptError);
    });

    it('an unknown kid is a DecryptError', () => {
      const v = box().encrypt('x');
      assert.throws(() => box().decrypt({ ...v, kid: 'zzzzzzzz' }), DecryptError);
      const other = new SecretBox([{ id: 'b', key: KEY_B }], 'b');
      assert.throws(() => other.decrypt(v), DecryptError);
    });

    it('a kid pointing at a different key is a DecryptError', () => {
      const both = new SecretBox(
        [
          { id: 'a', key: KEY_A },
          { id: 'b', key: KEY_B },
        ],
        'a',
      );
      const v = both.encrypt('x');
      assert.throws(() => both.decrypt({ ...v, kid: 'b' }), DecryptError);
    });
  });

  describe('rotation', () => {
    it('decrypts with any known key and encrypts with the current one', () => {
      const old = new SecretBox([{ id: 'a', key: KEY_A }], 'a');
      const sealedWithOld = old.encrypt('old secret', 'ctx');
      const rotated = new SecretBox(
        [
          { id: 'a', key: KEY_A },
          { id: 'b', key: KEY_B },
        ],
        'b',
      );
      assert.equal(rotated.decrypt(sealedWithOld, 'ctx'), 'old secret');
      const fresh = rotated.encrypt('new secret', 'ctx');
      assert.equal(fresh.kid, 'b');
      assert.throws(() => old.decrypt(fresh, 'ctx'), DecryptError);
    });

    it('fromConfig: SECRETS_KEY encrypts, SECRETS_KEY_PREVIOUS only decrypts', () => {
      const before = SecretBox.fromConfig({ SECRETS_KEY: b64(KEY_A), dataDir: tmp, NODE_ENV: 'test' });
      const old = before.encrypt('v', 'ctx');
      assert.equal(old.kid, keyId(KEY_A));
      const after = SecretBox.fromConfig({
        SECRETS_KEY: b64(KEY_B),
        SECRETS_KEY_PREVIOUS: ` ${b64(randomBytes(32))}, ${b64(KEY_A)} `,
        dataDir: tmp,
        NODE_ENV: 'test',
      });
      assert.equal(after.decrypt(old, 'ctx'), 'v');
      assert.equal(after.encrypt('w').kid, keyId(KEY_B));
      assert.equal(after.keyIds.length, 3);
      assert.equal(after.keySource, 'env');
      assert.equal(fs.existsSync(path.join(tmp, 'secrets.key')), false);
    });

    it('kid is the first 8 hex characters of sha256(key)', () => {
      assert.match(keyId(KEY_A), /^[0-9a-f]{8}$/);
      assert.notEqual(keyId(KEY_A), keyId(KEY_B));
    });
  });

  describe('configuration', () => {
    it('rejects a SECRETS_KEY that does not decode to exactly 32 bytes', () => {
      for (const bad of [b64(Buffer.alloc(16)), b64(Buffer.alloc(31)), b64(Buffer.alloc(33)), 'not base64!!', 'abc']) {
        assert.throws(
          () => SecretBox.fromConfig({ SECRETS_KEY: bad, dataDir: tmp, NODE_ENV: 'production' }),
          (err: unknown) => err instanceof SecretsConfigError && /SECRETS_KEY/.test(err.message),
          bad,
        );
      }
    });

    it('rejects a bad SECRETS_KEY_PREVIOUS entry too', () => {
      assert.throws(
        () => SecretBox.fromConfig({ SECRETS_KEY: b64(KEY_A), SECRETS_KEY_PREVIOUS: 'short', dataDir: tmp, NODE_ENV: 'test' }),
        /SECRETS_KEY_PREVIOUS/,
      );
    });

    it('rejects keys of the wrong size and a current kid that is not a key', () => {
      assert.throws(() => new SecretBox([{ id: 'a', key: Buffer.alloc(16) }], 'a'), SecretsConfigError);
      assert.throws(() => new SecretBox([{ id: 'a', key: KEY_A }], 'b'), SecretsConfigError);
      assert.throws(
        () =>
          new SecretBox(
            [
              { id: 'a', key: KEY_A },
              { id: 'a', key: KEY_B },
            ],
            'a',
          ),
        SecretsConfigError,
      );
    });

    it('without SECRETS_KEY, creates <dataDir>/secrets.key with mode 0600 and reuses it', () => {
      const dataDir = path.join(tmp, 'nested', 'data');
      const first = SecretBox.fromConfig({ dataDir, NODE_ENV: 'development' });
      assert.equal(first.keySource, 'file');
      const file = path.join(dataDir, 'secrets.key');
      assert.ok(fs.existsSync(file));
      if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64').length, 32);
      assert.deepEqual(fs.readdirSync(dataDir), ['secrets.key']); // no temp files left behind

      const sealed = first.encrypt('kept across restarts', 'ctx');
      const second = SecretBox.fromConfig({ SECRETS_KEY: '', dataDir, NODE_ENV: 'production' });
      assert.equal(second.decrypt(sealed, 'ctx'), 'kept across restarts');
    });

    it('processes starting together agree on one generated key', async function () {
      this.timeout(30000);
      const dataDir = path.join(tmp, 'race');
      const moduleUrl = new URL('../../../server/messages/crypto.ts', import.meta.url).href;
      const script =
        `const m = await import(${JSON.stringify(moduleUrl)});` +
        `process.stdout.write(m.SecretBox.fromConfig({ dataDir: ${JSON.stringify(dataDir)}, NODE_ENV: 'test' }).keyIds[0]);`;
      const run = () =>
        new Promise<string>((resolve, reject) => {
          execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], (err, out) =>
            err ? reject(err) : resolve(out),
          );
        });
      const kids = await Promise.all([run(), run(), run(), run(), run()]);
      assert.equal(new Set(kids).size, 1, kids.join(','));
      assert.match(kids[0]!, /^[0-9a-f]{8}$/);
      assert.deepEqual(fs.readdirSync(dataDir), ['secrets.key']);
    });

    it('refuses a key file readable by group or others', function () {
      if (process.platform === 'win32') this.skip();
      SecretBox.fromConfig({ dataDir: tmp, NODE_ENV: 'test' });
      const file = path.join(tmp, 'secrets.key');
      fs.chmodSync(file, 0o644);
      assert.throws(() => SecretBox.fromConfig({ dataDir: tmp, NODE_ENV: 'test' }), /permissions 0644.*chmod 600/s);
    });

    it('refuses a key file of the wrong length', () => {
      const file = path.join(tmp, 'secrets.key');
      fs.writeFileSync(file, `${b64(Buffer.alloc(16, 3))}\n`, { mode: 0o600 });
      assert.throws(() => SecretBox.fromConfig({ dataDir: tmp, NODE_ENV: 'test' }), /16 bytes.*32/);
    });

    it('SECRETS_KEY wins over an existing key file', () => {
      SecretBox.fromConfig({ dataDir: tmp, NODE_ENV: 'test' });
      const b = SecretBox.fromConfig({ SECRETS_KEY: b64(KEY_A), dataDir: tmp, NODE_ENV: 'test' });
      assert.equal(b.encrypt('x').kid, keyId(KEY_A));
    });
  });

  describe('maskSecret', () => {
    const cases: [string, string][] = [
      ['ABCD-EFGH-1234', '••••-••••-1234'],
      ['123456789', '•••••6789'],
      ['1234 5678 9', '•••• •678 9'],
      ['VK7JG-NPHTM-C97JM-9MPGT-3V66T', '•••••-•••••-•••••-•••••-•V66T'],
      ['abcdefgh', '••••efgh'],
      ['abc1234', '•••••••'],
      ['12-34', '••-••'],
      ['', ''],
    ];
    for (const [input, expected] of cases) {
      it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
        assert.equal(maskSecret(input), expected);
      });
    }
  });
});
