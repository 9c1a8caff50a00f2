import assert from 'node:assert/strict';
import { createMailTokens, base32Decode, base32Encode } from '../../../server/mail/signed-tokens';

const USER = '65f0c0ffee0000000000abcd';
const THREAD = '65f0c0ffee00000000001234';
const DOMAIN = 'reply.example.test';

describe('mail signed tokens', () => {
  const tokens = createMailTokens('a-mail-secret-of-at-least-32-characters!');
  const other = createMailTokens('another-secret-of-at-least-32-characters');

  it('base32 round-trips and rejects non-canonical text', () => {
    for (const len of [0, 1, 5, 10, 12]) {
      const bytes = Buffer.from(Array.from({ length: len }, (_, i) => (i * 37 + 11) & 0xff));
      assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
    }
    assert.equal(base32Encode(Buffer.from('foobar')), 'mzxw6ytboi'); // RFC 4648 §10, lowercased, no padding
    assert.equal(base32Decode('mzxw6ytboj'), null, 'non-zero trailing bits');
    assert.equal(base32Decode('MZXW6YTBOI'), null, 'upper case is normalized by the callers, not here');
    assert.equal(base32Decode('mzxw1'), null, 'outside the alphabet');
  });

  it('unsubscribe tokens verify, survive lowercasing and uppercasing, and reject tampering', () => {
    const token = tokens.unsubscribeToken({ userId: USER, kind: 'watched_reply' });
    assert.deepEqual(tokens.verifyUnsubscribeToken(token), { userId: USER, kind: 'watched_reply' });
    assert.deepEqual(tokens.verifyUnsubscribeToken(token.toUpperCase()), { userId: USER, kind: 'watched_reply' });
    const [u, , mac] = token.split('.');
    assert.equal(tokens.verifyUnsubscribeToken(`${u}.all.${mac}`), null, 'kind swapped');
    const flipped = mac.slice(0, -1) + (mac.endsWith('a') ? 'b' : 'a');
    assert.equal(tokens.verifyUnsubscribeToken(`${u}.watched_reply.${flipped}`), null, 'mac changed');
    assert.equal(other.verifyUnsubscribeToken(token), null, 'another key (rotation revokes)');
    for (const bad of ['', 'a.b', `${token}.x`, 'x'.repeat(100), `${u}.Watched-Reply.${mac}`]) {
      assert.equal(tokens.verifyUnsubscribeToken(bad), null, bad);
    }
    assert.throws(() => tokens.unsubscribeToken({ userId: 'nope', kind: 'all' }), TypeError);
    assert.throws(() => tokens.unsubscribeToken({ userId: USER, kind: 'Bad Kind' }), TypeError);
  });

  it('reply addresses fit the 64-octet local part, are case-insensitive, and bind thread, user and domain', () => {
    const address = tokens.replyAddress({ threadId: THREAD, userId: USER }, DOMAIN);
    const local = address.split('@')[0];
    assert.ok(local.length <= 64, `local part is ${local.length} octets`);
    assert.match(address, /^r\+[a-z2-7]{20}\.[a-z2-7]{20}\.[a-z2-7]{16}@reply\.example\.test$/);
    assert.deepEqual(tokens.parseRecipient(address, DOMAIN), { type: 'reply', threadId: THREAD, userId: USER });
    assert.deepEqual(tokens.parseRecipient(address.toUpperCase(), DOMAIN), { type: 'reply', threadId: THREAD, userId: USER });
    assert.equal(tokens.parseRecipient(address, 'other.example.test'), null, 'another domain');
    assert.equal(other.parseRecipient(address, DOMAIN), null, 'another key');
    // The same MAC with the thread and user swapped must not verify.
    const [, t, u, m] = /^r\+(\w+)\.(\w+)\.(\w+)@/.exec(address)!;
    assert.equal(tokens.parseRecipient(`r+${u}.${t}.${m}@${DOMAIN}`, DOMAIN), null);
    // A reply address is not an unsubscribe token and vice versa (one key per purpose).
    const unsub = tokens.unsubscribeToken({ userId: USER, kind: 'all' });
    assert.deepEqual(tokens.parseRecipient(`u+${unsub}@${DOMAIN}`, DOMAIN), { type: 'unsubscribe', userId: USER, kind: 'all' });
    assert.equal(tokens.parseRecipient(`r+${unsub}@${DOMAIN}`, DOMAIN), null);
    assert.ok(`u+${tokens.unsubscribeToken({ userId: USER, kind: 'watched_accepted' })}`.length <= 64);
    for (const bad of ['', 'someone@reply.example.test', 'r+@reply.example.test', `r+${t}.${u}@${DOMAIN}`, 'no-at-sign']) {
      assert.equal(tokens.parseRecipient(bad, DOMAIN), null, bad);
    }
  });

  it('refuses short key material', () => {
    assert.throws(() => createMailTokens('short'), TypeError);
  });
});
