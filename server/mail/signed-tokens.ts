import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Signed, stateless mail tokens: one-click unsubscribe tokens and reply-by-e-mail addresses.
 *
 * HMAC-SHA256 (node:crypto) with one key per purpose, derived from the configured key
 * material (MAIL_SECRET, else SESSION_SECRET) with HKDF-SHA256 (RFC 5869), so a token of one
 * purpose never verifies as another. Tokens do not expire; rotating the key material revokes
 * every token at once (docs/email.md).
 *
 * Encoding: ids (MongoDB ObjectIds, 12 bytes) and the MAC (truncated to 80 bits) are written
 * in lowercase base32 (RFC 4648 §6 alphabet, no padding), because some mail servers lowercase
 * local parts: a token survives that, and verification lowercases its input first. A reply
 * local part, `r+<thread 20>.<user 20>.<mac 16>` = 60 characters, fits the 64-octet local-part
 * limit of RFC 5321 §4.5.3.1.1; so does `u+<unsubscribe token>` for kinds up to 24 characters.
 */

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const MAC_BYTES = 10;
const OBJECT_ID = /^[0-9a-f]{24}$/;
/** Notification kinds in unsubscribe tokens: lowercase words, or 'all'. */
const KIND = /^[a-z][a-z0-9_]{0,23}$/;
const HKDF_SALT = 'support-forum mail tokens v1';

export const REPLY_PREFIX = 'r+';
export const UNSUBSCRIBE_PREFIX = 'u+';

/** RFC 4648 base32, lowercase, no padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** Inverse of base32Encode; null for characters outside the alphabet or a non-canonical tail. */
export function base32Decode(text: string): Buffer | null {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = B32.indexOf(ch);
    if (v < 0) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const out = Buffer.from(bytes);
  // One spelling per value: leftover bits must be zero (else two strings would decode alike).
  return base32Encode(out) === text ? out : null;
}

function idToB32(hex: string, what: string): string {
  if (!OBJECT_ID.test(hex)) throw new TypeError(`${what} must be a 24-hex-digit ObjectId, got "${hex}"`);
  return base32Encode(Buffer.from(hex, 'hex'));
}

function b32ToId(text: string): string | null {
  const bytes = text.length === 20 ? base32Decode(text) : null;
  return bytes && bytes.length === 12 ? bytes.toString('hex') : null;
}

export interface UnsubscribeClaim {
  /** ObjectId hex of the person. */
  userId: string;
  /** Notification kind, or 'all' for every e-mail except account mail (verification, reset). */
  kind: string;
}

export interface ReplyClaim {
  threadId: string;
  userId: string;
}

export type InboundRecipient = ({ type: 'reply' } & ReplyClaim) | ({ type: 'unsubscribe' } & UnsubscribeClaim);

export interface MailTokens {
  /** Token for `PUBLIC_URL/unsubscribe/<token>` and `u+<token>@INBOUND_DOMAIN`. @throws TypeError on a bad id or kind. */
  unsubscribeToken(claim: UnsubscribeClaim): string;
  /** The claim of a token, or null when malformed or tampered. Case-insensitive. */
  verifyUnsubscribeToken(token: string): UnsubscribeClaim | null;
  /** `r+<thread>.<user>.<mac>@<domain>`. @throws TypeError on a bad id. */
  replyAddress(claim: ReplyClaim, domain: string): string;
  /**
   * What an inbound recipient address is: a reply address or an unsubscribe address of
   * `domain`, or null for anything else (another domain, unknown local part, bad MAC).
   */
  parseRecipient(address: string, domain: string): InboundRecipient | null;
}

/**
 * @param keyMaterial MAIL_SECRET or SESSION_SECRET (at least 32 characters of entropy).
 * @throws TypeError when the key material is shorter than 32 characters.
 */
export function createMailTokens(keyMaterial: string | Buffer): MailTokens {
  if (keyMaterial.length < 32) throw new TypeError('mail token key material must be at least 32 characters');
  const key = (purpose: string) => Buffer.from(hkdfSync('sha256', keyMaterial, HKDF_SALT, `mail:${purpose}`, 32));
  const unsubscribeKey = key('unsubscribe');
  const replyKey = key('reply');

  const mac = (k: Buffer, ...parts: string[]) =>
    base32Encode(createHmac('sha256', k).update(parts.join('\0')).digest().subarray(0, MAC_BYTES));
  const macMatches = (expected: string, given: string) =>
    given.length === expected.length && timingSafeEqual(Buffer.from(expected), Buffer.from(given));

  function unsubscribeToken({ userId, kind }: UnsubscribeClaim): string {
    if (!KIND.test(kind)) throw new TypeError(`unsubscribe kind must match ${KIND}, got "${kind}"`);
    return `${idToB32(userId, 'userId')}.${kind}.${mac(unsubscribeKey, userId, kind)}`;
  }

  function verifyUnsubscribeToken(token: string): UnsubscribeClaim | null {
    if (typeof token !== 'string' || token.length > 64) return null;
    const [u, kind, m, ...rest] = token.toLowerCase().split('.');
    if (rest.length || !u || !kind || !m || !KIND.test(kind)) return null;
    const userId = b32ToId(u);
    if (!userId || !macMatches(mac(unsubscribeKey, userId, kind), m)) return null;
    return { userId, kind };
  }

  function replyAddress({ threadId, userId }: ReplyClaim, domain: string): string {
    const t = idToB32(threadId, 'threadId');
    const u = idToB32(userId, 'userId');
    return `${REPLY_PREFIX}${t}.${u}.${mac(replyKey, threadId, userId)}@${domain.toLowerCase()}`;
  }

  function parseRecipient(address: string, domain: string): InboundRecipient | null {
    if (typeof address !== 'string' || address.length > 320) return null;
    const at = address.lastIndexOf('@');
    if (at < 0) return null;
    const local = address.slice(0, at).toLowerCase();
    if (address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return null;
    if (local.startsWith(UNSUBSCRIBE_PREFIX)) {
      const claim = verifyUnsubscribeToken(local.slice(UNSUBSCRIBE_PREFIX.length));
      return claim ? { type: 'unsubscribe', ...claim } : null;
    }
    if (!local.startsWith(REPLY_PREFIX)) return null;
    const [t, u, m, ...rest] = local.slice(REPLY_PREFIX.length).split('.');
    if (rest.length || !t || !u || !m) return null;
    const threadId = b32ToId(t);
    const userId = b32ToId(u);
    if (!threadId || !userId || !macMatches(mac(replyKey, threadId, userId), m)) return null;
    return { type: 'reply', threadId, userId };
  }

  return { unsubscribeToken, verifyUnsubscribeToken, replyAddress, parseRecipient };
}
