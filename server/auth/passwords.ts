import * as argon2 from 'argon2';
import { ValidationError } from '../kernel/errors';

export const PASSWORD_MIN = 8;
/** Long enough for any passphrase or manager; short enough that hashing it costs nothing extra. */
export const PASSWORD_MAX = 1024;

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password.length < PASSWORD_MIN) {
    throw new ValidationError(`Password must be at least ${PASSWORD_MIN} characters.`, {
      password: `Password must be at least ${PASSWORD_MIN} characters.`,
    });
  }
  // Checked before hashing so an enormous "password" is refused without any work.
  if (password.length > PASSWORD_MAX) {
    throw new ValidationError(`Password must be at most ${PASSWORD_MAX} characters.`, {
      password: `Password must be at most ${PASSWORD_MAX} characters.`,
    });
  }
  return argon2.hash(password, HASH_OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  if (typeof password !== 'string' || password.length === 0 || password.length > PASSWORD_MAX) return false;
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false; // a malformed stored hash is a failed sign-in, not a 500
  }
}

/** True when a stored hash was made with other parameters and should be replaced at sign-in. */
export function needsRehash(hash: string): boolean {
  try {
    return argon2.needsRehash(hash, HASH_OPTIONS);
  } catch {
    return true;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for unknown usernames, so response
 * timing does not tell whether an account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= argon2.hash('not-a-real-password-for-timing-only', HASH_OPTIONS);
  await verifyPassword(await dummyHash, password);
  return false;
}
