import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Secure fields (certification IDs, access codes) are encrypted here before they reach
 * mongoose. AES-256-GCM from node:crypto: a fresh random 96-bit IV per value, a 128-bit tag,
 * and the id of the key that sealed it, so keys can be rotated without re-encrypting at once.
 *
 * `aad` binds a ciphertext to where it lives (e.g. `${messageId}:${fieldId}`): the same bytes
 * copied into another message or field no longer decrypt.
 *
 * Keys, in order of preference (see SecretBox.fromConfig):
 *  1. SECRETS_KEY: base64 of exactly 32 bytes. Anything else stops the app (fail closed).
 *     SECRETS_KEY_PREVIOUS: comma-separated older keys, used to decrypt only.
 *  2. Otherwise `<dataDir>/secrets.key`, generated on first start (mode 0600). This is also
 *     accepted with NODE_ENV=production, but then the key lives next to the data it protects,
 *     so a backup of the data directory carries its own key: production should set SECRETS_KEY.
 *     `keySource` tells main.ts which one was used, so it can log a warning.
 */
export interface EncryptedValue {
  v: 1;
  kid: string;
  /** base64, 12 bytes */
  iv: string;
  /** base64, 16 bytes */
  tag: string;
  /** base64 */
  ct: string;
}

/** The value cannot be decrypted: tampered, moved to another context, or an unknown key. */
export class DecryptError extends Error {
  constructor(message = 'Secure field cannot be decrypted.') {
    super(message);
    this.name = 'DecryptError';
  }
}

/** SECRETS_KEY / secrets.key is unusable. Thrown at boot; the app must not start. */
export class SecretsConfigError extends Error {
  constructor(message: string) {
    super(`Invalid configuration:\n  ${message}`);
    this.name = 'SecretsConfigError';
  }
}

export type KeySource = 'env' | 'file' | 'explicit';

export interface SecretBoxConfig {
  SECRETS_KEY?: string;
  /** Comma-separated base64 keys that may still decrypt old values. */
  SECRETS_KEY_PREVIOUS?: string;
  dataDir: string;
  NODE_ENV: string;
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_FILE_NAME = 'secrets.key';

/** Key id stored with each value: first 8 hex chars of sha256(key). Not secret. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentKid: string;
  readonly keySource: KeySource;

  static fromConfig(config: SecretBoxConfig): SecretBox {
    const previous = (config.SECRETS_KEY_PREVIOUS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s, i) => decodeKey(s, `SECRETS_KEY_PREVIOUS (key ${i + 1})`));

    let current: Buffer;
    let source: KeySource;
    if (config.SECRETS_KEY !== undefined && config.SECRETS_KEY.trim() !== '') {
      current = decodeKey(config.SECRETS_KEY.trim(), 'SECRETS_KEY');
      source = 'env';
    } else {
      current = loadOrCreateKeyFile(config.dataDir);
      source = 'file';
    }

    const entries = [current, ...previous].map((key) => ({ id: keyId(key), key }));
    const unique = entries.filter((e, i) => entries.findIndex((o) => o.id === e.id) === i);
    return new SecretBox(unique, keyId(current), source);
  }

  constructor(keys: { id: string; key: Buffer }[], currentKid: string, source: KeySource = 'explicit') {
    for (const { id, key } of keys) {
      if (!id) throw new SecretsConfigError('secure field key: empty key id');
      if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
        throw new SecretsConfigError(`secure field key ${id}: must be exactly ${KEY_BYTES} bytes`);
      }
      if (this.keys.has(id)) throw new SecretsConfigError(`secure field key ${id}: duplicate key id`);
      // Own copy, so a caller zeroing or reusing its buffer cannot change our key.
      this.keys.set(id, Buffer.from(key));
    }
    if (!this.keys.has(currentKid)) {
      throw new SecretsConfigError(`secure field key ${currentKid}: current key id is not among the keys`);
    }
    this.currentKid = currentKid;
    this.keySource = source;
  }

  /** Ids of every key that can decrypt, current first. */
  get keyIds(): string[] {
    return [this.currentKid, ...[...this.keys.keys()].filter((k) => k !== this.currentKid)];
  }

  encrypt(plaintext: string, aad?: string): EncryptedValue {
    if (typeof plaintext !== 'string') throw new TypeError('SecretBox.encrypt: plaintext must be a string');
    const key = this.keys.get(this.currentKid)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadBytes(aad));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      v: 1,
      kid: this.currentKid,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
  }

  decrypt(value: EncryptedValue, aad?: string): string {
    if (!value || typeof value !== 'object' || value.v !== 1) {
      throw new DecryptError('Secure field has an unknown format.');
    }
    const key = typeof value.kid === 'string' ? this.keys.get(value.kid) : undefined;
    if (!key) throw new DecryptError(`Secure field was sealed with an unknown key (${String(value.kid)}).`);
    const iv = strictBase64(value.iv);
    const tag = strictBase64(value.tag);
    const ct = strictBase64(value.ct);
    if (!iv || iv.length !== IV_BYTES || !tag || tag.length !== TAG_BYTES || !ct) {
      throw new DecryptError('Secure field is malformed.');
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aadBytes(aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptError('Secure field failed authentication (tampered, or moved from another message).');
    }
  }
}

function aadBytes(aad: string | undefined): Buffer {
  return Buffer.from(aad ?? '', 'utf8');
}

/**
 * Buffer.from(s, 'base64') silently skips characters it does not understand; a stored value
 * must be canonical base64, so any change to the text is detected here or by GCM.
 */
function strictBase64(s: unknown): Buffer | null {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  const buf = Buffer.from(s, 'base64');
  return buf.toString('base64') === s ? buf : null;
}

function decodeKey(text: string, name: string): Buffer {
  const key = strictBase64(text);
  if (!key) {
    throw new SecretsConfigError(`${name}: must be base64 of ${KEY_BYTES} random bytes (generate one with: openssl rand -base64 32)`);
  }
  if (key.length !== KEY_BYTES) {
    throw new SecretsConfigError(`${name}: decodes to ${key.length} bytes, AES-256 needs exactly ${KEY_BYTES} (openssl rand -base64 32)`);
  }
  return key;
}

/**
 * Reads `<dataDir>/secrets.key`, creating it on first use. The file is written complete to a
 * private temporary name and then hard-linked into place: link() fails if the name exists, so
 * when two processes start together exactly one key wins and nobody reads a half-written file.
 */
function loadOrCreateKeyFile(dataDir: string): Buffer {
  const file = path.join(dataDir, KEY_FILE_NAME);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) createKeyFile(file);
  return readKeyFile(file);
}

function createKeyFile(file: string): void {
  const content = `${randomBytes(KEY_BYTES).toString('base64')}\n`;
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') {
      // Filesystems without hard links: fall back to an exclusive create.
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
        try {
          fs.writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      } else {
        throw err;
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function readKeyFile(file: string): Buffer {
  const st = fs.statSync(file);
  if (!st.isFile()) throw new SecretsConfigError(`${file}: not a regular file`);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new SecretsConfigError(
      `${file}: permissions ${(st.mode & 0o777).toString(8).padStart(4, '0')} are too broad; ` +
        `the key must be readable by its owner only (chmod 600 ${file})`,
    );
  }
  return decodeKey(fs.readFileSync(file, 'utf8').trim(), file);
}

/**
 * For showing a secure field without revealing it: every letter/digit except the last four
 * becomes "•", separators stay, so the shape is recognisable ("ABCD-EFGH-1234" ->
 * "••••-••••-1234"). Values with fewer than 8 letters/digits are masked completely, since
 * four visible characters would give most of them away.
 */
export function maskSecret(value: string): string {
  const chars = Array.from(value);
  const isAlnum = (c: string) => /[\p{L}\p{N}]/u.test(c);
  const total = chars.filter(isAlnum).length;
  const visible = total >= 8 ? 4 : 0;
  let seen = 0;
  return chars
    .map((c) => {
      if (!isAlnum(c)) return c;
      seen += 1;
      return seen > total - visible ? c : '•';
    })
    .join('');
}
