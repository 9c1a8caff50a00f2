import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Models } from '../../models';
import type { Logger } from '../kernel/logger';
import type { SecureFieldKind } from '../../models/message';
import { AppError } from '../kernel/errors';
import {
  DecryptError,
  KEY_FILE_NAME,
  SecretBox,
  SecretsConfigError,
  maskSecret,
  type EncryptedValue,
  type SecretBoxConfig,
} from './crypto';

/**
 * Secure fields: sealing before a value reaches mongoose, the masked view, reveal and
 * expiry. The SecretBox is created lazily from the app's config and kept per config object,
 * so a missing or malformed key fails closed the first time a secure field is touched;
 * main.ts runs checkSecretsKey() at start, so a bad key stops the start instead.
 */

const DAY_MS = 24 * 3600 * 1000;
/** Access codes expire after 30 days unless the sender chooses otherwise. */
export const DEFAULT_EXPIRY_DAYS: Partial<Record<SecureFieldKind, number>> = { access_code: 30 };
export const KIND_LABELS: Record<SecureFieldKind, string> = {
  certification_id: 'Certification ID',
  access_code: 'Access code',
  other: 'Private detail',
};

const boxes = new WeakMap<object, SecretBox>();

export class SecretsUnavailableError extends AppError {
  /** For the log only: it can name a file of the server. */
  readonly reason: string;
  constructor(reason: string) {
    super(
      503,
      'secrets_unavailable',
      'Secure fields are unavailable: the server has no usable key (SECRETS_KEY or its key file). Please tell an administrator.',
    );
    this.reason = reason;
  }
}

/**
 * The start-up check (main.ts). Throws SecretsConfigError, with a message for the operator, when
 * - SECRETS_KEY or SECRETS_KEY_PREVIOUS is not base64 of 32 bytes, or secrets.key is unreadable,
 *   has broad permissions or the wrong length;
 * - SECRETS_KEY is unset, DATA_DIR/secrets.key is missing and the database already holds
 *   encrypted secure fields: a new key would make every one of them unreadable, silently.
 *   SECRETS_ALLOW_NEW_KEY=true starts anyway and says so in an error-level log line.
 * A missing key file with no encrypted field yet is the first start: the key is generated.
 * The one query (a message with a ciphertext) runs only when the key file is missing.
 */
export async function checkSecretsKey(
  config: SecretBoxConfig & { SECRETS_ALLOW_NEW_KEY?: boolean },
  Message: Models['Message'],
  logger: Logger,
): Promise<void> {
  const usesFile = !config.SECRETS_KEY?.trim();
  const keyFile = path.join(config.dataDir, KEY_FILE_NAME);
  if (usesFile && !fs.existsSync(keyFile)) {
    const sealed = await Message.exists({ 'fields.enc': { $type: 'object' } });
    if (sealed) {
      const problem =
        `SECRETS_KEY is not set and ${keyFile} is missing, but the database holds encrypted secure fields: ` +
        'a new key could never read them. Restore the key file from your backup (or set SECRETS_KEY to the key in use). ' +
        'To start anyway with a new key, losing every existing secure field, set SECRETS_ALLOW_NEW_KEY=true.';
      if (!config.SECRETS_ALLOW_NEW_KEY) throw new SecretsConfigError(problem);
      logger.error({ keyFile }, `SECRETS_ALLOW_NEW_KEY: generating a new secure-field key; every existing secure field is now unreadable`);
    }
  }
  const box = SecretBox.fromConfig(config);
  if (box.keySource === 'file' && usesFile)
    logger.info({ keyFile }, 'secure fields: key from the data directory (set SECRETS_KEY in production)');
}

/** The SecretBox for this app's configuration (created on first use, then reused). */
export function secretBoxFor(config: SecretBoxConfig): SecretBox {
  let box = boxes.get(config);
  if (!box) {
    try {
      box = SecretBox.fromConfig(config);
    } catch (err) {
      // Never fall back to storing plaintext: refuse every secure-field operation.
      throw new SecretsUnavailableError((err as Error).message.replace(/^Invalid configuration:\s*/, ''));
    }
    boxes.set(config, box);
  }
  return box;
}

/** A field as the sender typed it. `value` exists only in memory, never in a document. */
export interface SecureFieldInput {
  kind?: SecureFieldKind;
  label?: string;
  value: string;
  expiresInDays?: number;
}

export type StoredSecureField = {
  fieldId: string;
  kind: SecureFieldKind;
  label: string;
  enc: EncryptedValue | null;
  /** The masked form, encrypted (aad maskAadFor). */
  maskEnc?: EncryptedValue | null;
  /** Legacy: the masked form in plain text (messages stored before issue 18; see encryptStoredHints). */
  maskHint?: string;
  expiresAt: Date | null;
  purgedAt: Date | null;
};

export const aadFor = (messageId: string, fieldId: string): string => `message:${messageId}:field:${fieldId}`;
/** The masked form's own context, so its ciphertext can never be taken for the value's. */
const maskAadFor = (messageId: string, fieldId: string): string => `${aadFor(messageId, fieldId)}:mask`;

/** Encrypts each field for one message (its id decided before the insert). */
export function sealFields(box: SecretBox, messageId: string, inputs: SecureFieldInput[], now: Date): StoredSecureField[] {
  return inputs.map((f) => {
    const kind: SecureFieldKind = f.kind ?? 'other';
    const fieldId = randomBytes(8).toString('hex');
    const days = f.expiresInDays ?? DEFAULT_EXPIRY_DAYS[kind];
    return {
      fieldId,
      kind,
      label: (f.label?.trim() || KIND_LABELS[kind]).slice(0, 80),
      enc: box.encrypt(f.value, aadFor(messageId, fieldId)),
      maskEnc: box.encrypt(maskSecret(f.value), maskAadFor(messageId, fieldId)),
      expiresAt: days ? new Date(now.getTime() + days * DAY_MS) : null,
      purgedAt: null,
    };
  });
}

/** Earliest expiry among fields that still hold a ciphertext (drives the purge index). */
export function nextPurgeAt(fields: StoredSecureField[]): Date | undefined {
  const due = fields.filter((f) => f.enc && f.expiresAt).map((f) => f.expiresAt!.getTime());
  return due.length ? new Date(Math.min(...due)) : undefined;
}

export type FieldState = 'available' | 'expired';

export interface FieldView {
  fieldId: string;
  kind: SecureFieldKind;
  label: string;
  state: FieldState;
  /** Masked form (`••••-••••-1234`); empty once expired. */
  masked: string;
  expiresAt: Date | null;
}

/** Expired values are never shown or revealed, even before the purge has run. */
export function isExpired(f: Pick<StoredSecureField, 'expiresAt' | 'purgedAt' | 'enc'>, now: Date): boolean {
  return !!f.purgedAt || !f.enc || (!!f.expiresAt && f.expiresAt.getTime() <= now.getTime());
}

/**
 * What a page shows of a field. The masked form is decrypted here (a few microseconds per
 * field); a masked form that cannot be decrypted (or none) shows as '' and the page falls back
 * to a generic mask. Legacy plaintext hints are shown until encryptStoredHints has run.
 */
export function fieldView(f: StoredSecureField, now: Date, box: SecretBox | null, messageId: string): FieldView {
  const expired = isExpired(f, now);
  return {
    fieldId: f.fieldId,
    kind: f.kind,
    label: f.label,
    state: expired ? 'expired' : 'available',
    masked: expired ? '' : maskedForm(f, box, messageId),
    expiresAt: f.expiresAt,
  };
}

function maskedForm(f: StoredSecureField, box: SecretBox | null, messageId: string): string {
  if (f.maskEnc && box) {
    try {
      return box.decrypt(f.maskEnc, maskAadFor(messageId, f.fieldId));
    } catch (err) {
      if (!(err instanceof DecryptError)) throw err;
      return '';
    }
  }
  return f.maskHint ?? '';
}

/**
 * Moves the plaintext masked forms of messages stored before issue 18 (`maskHint`) into
 * `maskEnc` (encrypted like new ones) and removes them; a field already expired or purged just
 * loses its hint. Streams the messages that still have one (a collection scan: run once after
 * upgrading, `npm run forum -- encrypt-secure-hints`); each field is one conditional update on
 * the hint it read, so it is safe to run again or alongside the app. Returns the counts.
 */
export async function encryptStoredHints(
  Message: Models['Message'],
  box: SecretBox,
  now: Date,
  log: (line: string) => void = () => {},
): Promise<{ messages: number; fields: number }> {
  let messages = 0;
  let fields = 0;
  const filter = { fields: { $elemMatch: { maskHint: { $exists: true } } } };
  const total = await Message.countDocuments(filter);
  log(total ? `secure-field hints: ${total} messages to migrate` : 'secure-field hints: none stored in plain text');
  const cursor = Message.find(filter, { fields: 1 }).lean().cursor({ batchSize: 200 });
  for await (const m of cursor) {
    const stored = (m.fields ?? []) as unknown as StoredSecureField[];
    let changed = 0;
    for (let i = 0; i < stored.length; i++) {
      const f = stored[i]!;
      if (f.maskHint === undefined) continue;
      const keep = f.maskHint !== '' && !isExpired(f, now);
      const update: Record<string, unknown> = { $unset: { [`fields.${i}.maskHint`]: '' } };
      if (keep) update.$set = { [`fields.${i}.maskEnc`]: box.encrypt(f.maskHint, maskAadFor(String(m._id), f.fieldId)) };
      const res = await Message.collection.updateOne(
        { _id: m._id, [`fields.${i}.fieldId`]: f.fieldId, [`fields.${i}.maskHint`]: f.maskHint },
        update,
      );
      changed += res.modifiedCount;
    }
    if (changed) {
      messages += 1;
      fields += changed;
      if (messages % 1000 === 0) log(`secure-field hints: ${messages}/${total}`);
    }
  }
  return { messages, fields };
}

export type RevealOutcome = { ok: true; value: string } | { ok: false; reason: 'expired' | 'cannot_decrypt' };

export function openField(box: SecretBox, messageId: string, f: StoredSecureField, now: Date): RevealOutcome {
  if (isExpired(f, now)) return { ok: false, reason: 'expired' };
  try {
    return { ok: true, value: box.decrypt(f.enc as EncryptedValue, aadFor(messageId, f.fieldId)) };
  } catch (err) {
    if (err instanceof DecryptError) return { ok: false, reason: 'cannot_decrypt' };
    throw err;
  }
}

/**
 * Removes the ciphertext of every field whose expiry has passed. The daily job calls it.
 * An index range query on `secretsPurgeAt`, so its cost is proportional to the due
 * messages. Each message is one conditional update (on the secretsPurgeAt it read), so
 * two processes purging together do the work once and lose nothing.
 */
export async function purgeExpiredSecureFields(Message: Models['Message'], now: Date): Promise<{ messages: number; fields: number }> {
  let messages = 0;
  let fields = 0;
  const due = await Message.find({ secretsPurgeAt: { $lte: now } }, { fields: 1, secretsPurgeAt: 1 })
    .sort({ secretsPurgeAt: 1 })
    .lean();
  for (const m of due) {
    const stored = (m.fields ?? []) as unknown as StoredSecureField[];
    const $set: Record<string, unknown> = {};
    const $unset: Record<string, ''> = {};
    let purgedHere = 0;
    const after = stored.map((f, i) => {
      if (f.enc && f.expiresAt && f.expiresAt.getTime() <= now.getTime()) {
        $set[`fields.${i}.enc`] = null;
        $set[`fields.${i}.maskEnc`] = null;
        $set[`fields.${i}.purgedAt`] = now;
        if (f.maskHint !== undefined) $unset[`fields.${i}.maskHint`] = '';
        purgedHere += 1;
        return { ...f, enc: null, maskEnc: null, purgedAt: now };
      }
      return f;
    });
    const next = nextPurgeAt(after);
    if (next) $set.secretsPurgeAt = next;
    else $unset.secretsPurgeAt = '';
    const update: Record<string, unknown> = {};
    if (Object.keys($set).length) update.$set = $set;
    if (Object.keys($unset).length) update.$unset = $unset;
    const res = await Message.collection.updateOne({ _id: m._id, secretsPurgeAt: m.secretsPurgeAt }, update);
    if (res.modifiedCount) {
      messages += 1;
      fields += purgedHere;
    }
  }
  return { messages, fields };
}
