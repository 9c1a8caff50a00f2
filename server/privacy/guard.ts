import { findPhoneNumbersInText } from 'libphonenumber-js/max';

/**
 * The public-post guard: before a question or reply is published, find things that belong
 * in a private message instead (certification IDs, access codes, contact details, card
 * numbers, product keys), so the form can be shown again with them highlighted.
 *
 * It protects honest members from a slip, it is not a filter against someone determined to
 * publish a secret (zero-width spaces or spelled-out digits get past it). So it leans towards
 * silence on ordinary support text: version, build, KB and error numbers, dates, prices,
 * IP addresses and URLs must never be flagged; a bare number is only a secret when the
 * words around it say so.
 *
 * What counts (defaults):
 * - certification_id: a certification keyword (MCID, MC ID, certification ID/number,
 *   candidate ID, transcript ID...) followed by 6-12 digits, optionally grouped with single
 *   spaces or dashes ("MCID: 123456789", "certification ID 1234 5678 9"). There is no
 *   keyword-free shape: a bare 9-digit number is as likely an order number.
 * - access_code: an access-code keyword (access/activation/redemption/voucher/verification/
 *   security/recovery code, passcode, OTP, or "code:"/"code =" when not an error/status/zip/
 *   exam/course/promo... code) followed by a 6-20 character token with at least one digit, either plain
 *   ("ABC123XYZ") or dash-grouped ("AB12-CD34-EF56"); hex error codes (0x...) and KB numbers
 *   are never tokens. Without a keyword: three to five dash-separated groups of four
 *   UPPERCASE letters/digits with at least one of each ("ABCD-EFGH-1234").
 *   Also (renderer-independent phrasing found in support threads, issue 18 item 8): a code
 *   named by a determiner ("Here is the code 7KQ2XM9P4RT8", "the code I received is ...",
 *   "my new code: ...") when the value has 8+ characters and a digit and is not an 8-digit hex
 *   Windows error code; API keys, tokens and client secrets named as such (16-200 characters);
 *   and, without a keyword, credential formats their issuers publish (GitHub and Slack tokens,
 *   AWS access key IDs, Stripe secret keys, Google API keys, JSON Web Tokens, PEM private keys,
 *   BitLocker recovery keys).
 * - password: "password"/"passwd"/"passphrase" (and Passwort, Kennwort, contraseña, mot de
 *   passe, senha, wachtwoord, пароль) followed by ":", "=", "-", a quote, or "is"/"was", with
 *   optional "for <account>", "(note)" or "I use" between; "pass"/"pw"/"pwd" only before ":" or
 *   "="; the value must look like a password (looksLikePassword: 6+ characters with a digit,
 *   symbol or inner capital, or 10+ lower-case letters that are not a word like "required";
 *   never a mask or placeholder such as "********", "[removed]", "YOUR_PASSWORD"). PINs: "PIN"
 *   (or "PIN code/number") with ":", "=", "#" or "is", then 4-12 digits.
 * - email: an ordinary address (local@domain.tld).
 * - phone: numbers libphonenumber-js (max metadata, default country US) finds and validates.
 *   A bare run of digits ("2125551234") is only a phone when a phone word (phone, call, tel,
 *   mobile, cell, text, fax, WhatsApp...) comes shortly before it: ticket and order numbers
 *   are often 10 digits too. Formatted numbers ("(415) 555-2671", "+44 20 7946 0958") always
 *   count.
 * - card_number: 13-19 digits that pass the Luhn check, start with 2-6 (the card networks),
 *   written as one run or grouped like a card (4-4-4-4, 4-4-4-4-3, 4-6-5, 4-6-4) with spaces
 *   or dashes.
 * - product_key: five dash-separated groups of five letters/digits; placeholders such as
 *   XXXXX-XXXXX-XXXXX-XXXXX-XXXXX are not flagged. Also a value after "serial number", "S/N",
 *   "license key", "product key", "activation/registration/CD key": upper-case letters and
 *   digits (both), optionally dash-grouped.
 * - card_number is not reported when the words just before name a case, ticket, order,
 *   tracking or reference number (Microsoft case numbers are 16 digits).
 * Order numbers ("order 1234567") are not flagged: they are routinely quoted in public
 * threads and are useless without the account.
 *
 * Custom patterns: a RegExp in GuardPatterns marks the secret with a named group `secret`
 * (so "MCID: 123" becomes "MCID: [removed]", keeping the context); without it the whole
 * match is the secret. Flags are kept; "g" and "d" are added.
 */
export type SensitiveKind = 'certification_id' | 'access_code' | 'password' | 'email' | 'phone' | 'card_number' | 'product_key';

export interface SensitiveMatch {
  kind: SensitiveKind;
  start: number;
  end: number;
  /** Human name for the kind, e.g. "Certification ID". */
  label: string;
}

export interface GuardPatterns {
  certificationId: RegExp[];
  accessCode: RegExp[];
  /** Candidates are kept only when the value looks like a password (looksLikePassword). */
  password?: RegExp[];
  productKey?: RegExp[];
}

export const SENSITIVE_LABELS: Readonly<Record<SensitiveKind, string>> = Object.freeze({
  certification_id: 'Certification ID',
  access_code: 'Access code',
  password: 'Password',
  email: 'E-mail address',
  phone: 'Phone number',
  card_number: 'Card number',
  product_key: 'Product key or serial number',
});

// When two findings overlap the longer one wins; on a tie, the more specific kind.
const PRIORITY: Record<SensitiveKind, number> = {
  product_key: 0,
  card_number: 1,
  certification_id: 2,
  password: 3,
  access_code: 4,
  email: 5,
  phone: 6,
};

/** After a keyword: optional "number"/"#", then any of ":", "=", "#", "(", "-", "is", "was", quotes. */
const CONNECTOR = String.raw`(?:\s+(?:number|no\.?)|\s*#)?(?:\s*(?:[:=#(\-"'“‘]|\b(?:is|was)\b))*\s*`;

const CERT_KEYWORD = String.raw`\b(?:MCID|MC[\s-]ID|MCP[\s-]?ID|certification[\s-]+(?:ID|number|no\.?)|cert(?:ification)?[\s-]*ID|certification\s*#|candidate[\s-]+ID|transcript[\s-]+ID)\b`;

const CERT_VALUE = String.raw`(?<secret>\d(?:[ -]?\d){5,11})(?![\d-]|[.,/:]\d)`;

const ACCESS_KEYWORD = String.raw`\b(?:(?:access|activation|redemption|redeem|voucher|verification|security|recovery|backup|authori[sz]ation|one[\s-]time)[\s-]+(?:code|key|pin)|exam[\s-]+voucher|voucher|pass[\s-]?code|OTP)\b`;

// "code:" on its own, unless the word before says which harmless code it is.
const CODE_COLON = String.raw`(?<!\b(?:error|status|exit|return|stop|bug\s?check|reason|result|response|http|country|area|zip|postal|post|source|qr|bar|colou?r|dial|language|lang|region|event|exception|fault|diagnostic|html|sample|example|product|item|sku|part|tracking|discount|coupon|promo|shortcut|key|program|python|js|css|exam|course|class|module|model|version|build|release|ticket|case|order|reference|booking|invoice|transaction|shipping|airport|currency|vendor|device|firmware|char(?:acter)?)[\s_-]*)\bcode\s*(?:[:=]|\bis\b)\s*["'“‘]?`;

// The token: 6-20 characters with a digit, plain or dash-grouped; never a 0x error or a KB number.
const ACCESS_VALUE = String.raw`(?!0x[0-9a-f]+(?![a-z0-9-])|KB\d+(?![a-z0-9-]))(?<secret>(?=[a-z0-9-]*\d)(?:[a-z0-9]{6,20}|[a-z0-9]{2,8}(?:-[a-z0-9]{2,8}){1,5}))(?![a-z0-9-]|[.,/:@][a-z0-9])`;

// Keyword-free shape, case-sensitive: ABCD-EFGH-1234.
const ACCESS_SHAPE = String.raw`(?<![\w-])(?<secret>(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{4}(?:-[A-Z0-9]{4}){2,4})(?![\w-])`;

// "Here is the code 7KQ2XM9P4RT8", "my new code is ...", "the code I received: ...": a code named
// by a determiner rather than a kind. The value must be long enough not to be a status or
// line number (8+), and a bare 8-digit hex value is a Windows error code (8024402F), not one.
const CODE_PHRASE = String.raw`\b(?:the|my|this|that|your|our|his|her|their|a|new|same|following)\s+(?:(?:new|same|old|correct|right|exact|full|whole|one-time|unique|personal|\d-digit)\s+)?code(?:\s+(?:that\s+|which\s+)?(?:I|we|you|he|she|they)\s+(?:got|received|was\s+(?:given|sent)|were\s+(?:given|sent)|have|used|entered|typed|tried))?`;
const CODE_PHRASE_VALUE = String.raw`(?!0x|[0-9a-f]{8}(?![a-z0-9-])|KB\d)(?<secret>(?=[a-z0-9-]*\d)(?:[a-z0-9]{8,24}|[a-z0-9]{2,8}(?:-[a-z0-9]{2,8}){1,5}))(?![a-z0-9-]|[.,/:@][a-z0-9])`;

// API keys, tokens and client secrets named as such: longer values with "_", "-", "." allowed.
const TOKEN_KEYWORD = String.raw`\b(?:(?:api|secret|private|client|access|auth|bearer|refresh|session|personal[\s_-]+access|app|application)[\s_-]*(?:key|token|secret)|token)\b`;
const TOKEN_VALUE = String.raw`(?<secret>(?=[A-Za-z0-9_\-.~+/=]*\d)(?=[A-Za-z0-9_\-.~+/=]*[A-Za-z])[A-Za-z0-9_\-.~+/=]{16,200})(?![A-Za-z0-9_\-~+/=])`;

// Credential formats their issuers publish, recognisable without a keyword.
const KNOWN_TOKENS = [
  String.raw`\bgh[pousr]_[A-Za-z0-9]{36,255}\b`, // GitHub tokens
  String.raw`\bgithub_pat_[A-Za-z0-9_]{22,255}\b`,
  String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, // AWS access key IDs
  String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,250}`, // Slack tokens
  String.raw`\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,250}\b`, // Stripe secret keys
  String.raw`\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])`, // Google API keys
  String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`, // JSON Web Tokens
  String.raw`-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]{0,8000}?(?:-----END (?:[A-Z]+ )*PRIVATE KEY-----|$)`,
  String.raw`(?<![\d-])\d{6}(?:-\d{6}){7}(?![\d-])`, // BitLocker recovery keys: 8 groups of 6 digits
];

// Passwords: the word in English and the languages support threads mix in, then a connector.
// "pass", "pw" and "pwd" count only before ":" or "=" ("user: admin pass: ..."), PINs only
// as digits. looksLikePassword() then decides whether the value is a secret or prose.
const PASSWORD_KEYWORD = String.raw`\b(?:pass(?:word|wd|phrase)|passwort|kennwort|contrase[nñ]a|mot\s+de\s+passe|senha|wachtwoord|пароль)`;
const PASSWORD_ABOUT = String.raw`(?:\s+(?:for|to|of|on)\s+(?:the\s+|my\s+)?[\w.@+-]{1,64})?(?:\s*\([^)\n]{0,30}\))?(?:\s+(?:that\s+|which\s+)?(?:I|we)\s+(?:use|used|set|chose|picked|typed|entered|tried|have))?`;
const PASSWORD_VALUE = String.raw`["'“‘]?(?<secret>[^\s"'“”‘’<>\x60]{4,128})`;
const PASSWORD_SEPARATOR = String.raw`(?:\s*[:=]|\s+(?:is|was|would\s+be|will\s+be|should\s+be|has\s+been)\b\s*:?|\s+-\s|\s+(?=["'“‘]))\s*`;
const SHORT_PASSWORD = String.raw`\b(?:pass|pw|pwd)\s*[:=]\s*`;
const PIN = String.raw`\b(?:PIN|pin)(?:\s+(?:code|number|no\.?))?(?:\s*[:=#]|\s+(?:is|was)\b\s*:?|(?<=code|number)\s)\s*(?<secret>\d{4,12})(?![\d-])`;

// Serial numbers and license keys named as such.
const SERIAL_KEYWORD = String.raw`\b(?:(?:product|license|licence|serial|activation|registration|cd|software)[\s-]+(?:key|number|no\.?)|serial|S/N|SN)\b`;
const SERIAL_VALUE = String.raw`(?<secret>(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{2,12}(?:-[A-Z0-9]{2,12}){0,7})(?![A-Za-z0-9-]|[.,/:@][A-Za-z0-9])`;

export const DEFAULT_GUARD_PATTERNS: GuardPatterns = Object.freeze({
  certificationId: [new RegExp(CERT_KEYWORD + CONNECTOR + CERT_VALUE, 'gi')],
  accessCode: [
    new RegExp(ACCESS_KEYWORD + CONNECTOR + ACCESS_VALUE, 'gi'),
    new RegExp(CODE_COLON + ACCESS_VALUE, 'gi'),
    new RegExp(ACCESS_SHAPE, 'g'),
    new RegExp(CODE_PHRASE + CONNECTOR + CODE_PHRASE_VALUE, 'gi'),
    new RegExp(TOKEN_KEYWORD + CONNECTOR + TOKEN_VALUE, 'gi'),
    ...KNOWN_TOKENS.map((source) => new RegExp(source, 'g')),
  ],
  password: [
    new RegExp(PASSWORD_KEYWORD + PASSWORD_ABOUT + PASSWORD_SEPARATOR + PASSWORD_VALUE, 'gi'),
    new RegExp(SHORT_PASSWORD + PASSWORD_VALUE, 'gi'),
    new RegExp(PIN, 'g'),
  ],
  productKey: [new RegExp(SERIAL_KEYWORD + CONNECTOR + SERIAL_VALUE, 'gi')],
}) as GuardPatterns;

// Values that stand for a password without being one: masks, placeholders, template variables.
const PLACEHOLDER =
  /^(?:[*•·x#?_.\-]+|\[.*\]|\(.*\)|\{.*\}|<.*>|\$\{?\w+\}?|%\w+%|(?:your|my|the|new|old|user|account)?[_-]?(?:password|passwort|pass|pwd|secret|pin)(?:[_-]?here)?|example\w*|redacted|removed|hidden|none|null|undefined|n\/a)$/i;
// Sentence punctuation after a value ("password: hunter2hunter2.") is not part of it.
const TRAILING_PUNCTUATION = /[.,;:)\]}]+$/;
// YOUR_PASSWORD, DB_PASS: an environment variable's name in a config example.
const ENV_VARIABLE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
// Words that follow "password:" in prose ("Password: required") rather than a password.
const NOT_A_PASSWORD = new Set(
  'required optional mandatory incorrect invalid expired changed correct wrong unknown blank empty hidden removed redacted protected encrypted forgotten reset different strong weak missing disabled enabled locked unlocked accepted rejected sensitive temporary unavailable'.split(
    ' ',
  ),
);

/**
 * Whether a value found after a password keyword is a password rather than the next word of
 * a sentence: at least 6 characters with a digit, a symbol or inner capitals ("hunter2hunter2",
 * "Summer2024!", "p@ssw0rd", "Welcome1"), or 10+ letters that are not an ordinary word
 * ("correcthorsebatterystaple"). After "is"/"was" a digit or symbol is required ("my password is
 * expired" is prose). Masks and placeholders ("********", "[removed]", "YOUR_PASSWORD") never are.
 */
export function looksLikePassword(value: string, afterIs = false): boolean {
  if (PLACEHOLDER.test(value)) return false;
  const v = value.replace(TRAILING_PUNCTUATION, '');
  if (v.length < 4 || PLACEHOLDER.test(v) || ENV_VARIABLE.test(v)) return false;
  const digit = /\d/.test(v);
  const symbol = /[^\p{L}\p{N}]/u.test(v);
  if (/^\d+$/.test(v)) return v.length >= 6;
  if (v.length >= 6 && (digit || symbol)) return true;
  if (afterIs) return false;
  const innerCapital = /\p{Ll}.*\p{Lu}|\p{Lu}{2}.*\p{Ll}/u.test(v);
  if (v.length >= 6 && innerCapital) return true;
  return v.length >= 10 && /^\p{Ll}+$/u.test(v) && !NOT_A_PASSWORD.has(v.toLowerCase());
}

const EMAIL = /(?<![\w.%+-])[a-z0-9][a-z0-9._%+-]{0,63}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?![\w-]|\.[a-z0-9])/gi;

const PRODUCT_KEY = /(?<![\w-])[a-z0-9]{5}(?:-[a-z0-9]{5}){4}(?![\w-])/gi;

// Maximal runs of digit groups joined by single spaces or dashes; cards are searched inside.
const DIGIT_RUN = /(?<![\w.,/:+$€£-])\d+(?:[ -]\d+)*/g;

// Case, ticket and order numbers are often 16 digits and pass the Luhn check one time in ten.
const NOT_A_CARD_BEFORE =
  /\b(?:case|ticket|order|tracking|reference|ref|confirmation|invoice|transaction|incident|request|booking|SR|REQ|INC)(?:\s*(?:number|no\.?|id|#))?\s*[:#=-]?\s*$/i;

const PHONE_WORDS = /\b(?:phone|tel|telephone|mobile|cell|cellphone|call|ring|text|sms|whats\s?app|fax|contact)\b[^\n\d]{0,20}$/i;

export function findSensitive(text: string, patterns: GuardPatterns = DEFAULT_GUARD_PATTERNS): SensitiveMatch[] {
  if (!text) return [];
  const found: SensitiveMatch[] = [];
  const add = (kind: SensitiveKind, start: number, end: number) => {
    if (end > start) found.push({ kind, start, end, label: SENSITIVE_LABELS[kind] });
  };

  for (const re of patterns.certificationId) for (const [s, e] of patternSpans(text, re)) add('certification_id', s, e);
  for (const re of patterns.accessCode) for (const [s, e] of patternSpans(text, re)) add('access_code', s, e);
  for (const re of patterns.password ?? []) {
    for (const [s, e, match] of patternSpans(text, re)) {
      const value = text.slice(s, e);
      const pin = /^pin\b/i.test(match) && /^\d+$/.test(value);
      const afterIs = /\s(?:is|was|be|been)\s*:?\s*["'“‘]?$/i.test(match.slice(0, match.length - value.length));
      if (pin || looksLikePassword(value, afterIs)) add('password', s, s + value.replace(TRAILING_PUNCTUATION, '').length);
    }
  }
  for (const re of patterns.productKey ?? []) for (const [s, e] of patternSpans(text, re)) add('product_key', s, e);

  for (const m of text.matchAll(EMAIL)) add('email', m.index, m.index + m[0].length);

  for (const m of text.matchAll(PRODUCT_KEY)) {
    if (!/^[x*#-]+$/i.test(m[0])) add('product_key', m.index, m.index + m[0].length);
  }

  for (const m of text.matchAll(DIGIT_RUN)) {
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 2);
    if (/^(?:\w|[.,]\d)/.test(after)) continue; // part of a version, decimal or identifier
    if (NOT_A_CARD_BEFORE.test(text.slice(Math.max(0, m.index - 40), m.index))) continue;
    for (const [s, e] of cardSpans(m[0])) add('card_number', m.index + s, m.index + e);
  }

  for (const [start, end] of phoneSpans(text)) {
    const formatted = /[\s().+-]/.test(text.slice(start, end));
    if (!formatted && !PHONE_WORDS.test(text.slice(Math.max(0, start - 40), start))) continue;
    add('phone', start, end);
  }

  return resolveOverlaps(found);
}

// Digit runs that could hold a phone number. libphonenumber-js costs up to a millisecond
// per ambiguous run, so it only sees runs of plausible length: with default country US a
// number needs 10-11 digits (up to 18 with the 011 prefix), or a "+" and 7-17 digits. Runs
// of "digit soup" longer than that are tables or dumps, not a phone number.
const PHONE_CANDIDATE = /[+(]?\d(?:[\d(). \t\u00a0/-]*\d)?/g;
const MAX_PHONE_CANDIDATES = 1000;

function phoneSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  let checked = 0;
  for (const c of text.matchAll(PHONE_CANDIDATE)) {
    const digits = c[0].replace(/\D/g, '').length;
    const plausible = c[0].startsWith('+') ? digits >= 7 && digits <= 17 : digits >= 10 && digits <= 18;
    if (!plausible) continue;
    if (++checked > MAX_PHONE_CANDIDATES) break;
    // A little context on each side: the finder rejects numbers glued to letters.
    const from = Math.max(0, c.index - 2);
    const window = text.slice(from, Math.min(text.length, c.index + c[0].length + 2));
    for (const p of findPhoneNumbersInText(window, { defaultCountry: 'US' })) {
      if (p.number.isValid()) spans.push([from + p.startsAt, from + p.endsAt]);
    }
  }
  return spans;
}

const compiled = new WeakMap<RegExp, RegExp>();

/** Spans of the `secret` group (or of the whole match) for every match of a pattern, with the match up to the span's end. */
function patternSpans(text: string, pattern: RegExp): [number, number, string][] {
  let re = compiled.get(pattern);
  if (!re) {
    const flags = new Set([...pattern.flags, 'g', 'd']);
    flags.delete('y');
    re = new RegExp(pattern.source, [...flags].join(''));
    compiled.set(pattern, re);
  }
  re.lastIndex = 0;
  const spans: [number, number, string][] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const span = m.indices?.groups?.secret ?? m.indices?.[0];
    if (span) spans.push([span[0], span[1], text.slice(m.index, span[1])]);
    if (m[0].length === 0) re.lastIndex += 1;
  }
  return spans;
}

const CARD_SHAPES = ['4,4,4,4', '4,4,4,4,3', '4,6,5', '4,6,4'];

/** Card numbers inside one run of digit groups, as offsets into the run. */
function cardSpans(run: string): [number, number][] {
  const groups: { start: number; end: number; sep: string }[] = [];
  for (const g of run.matchAll(/\d+/g)) {
    groups.push({ start: g.index, end: g.index + g[0].length, sep: run[g.index - 1] ?? '' });
  }
  const spans: [number, number][] = [];
  let i = 0;
  while (i < groups.length) {
    let matchedTo = -1;
    // Longest window first, so "4111 1111 1111 1111 123" keeps its 19-digit reading if valid.
    for (let j = Math.min(groups.length - 1, i + 4); j >= i; j--) {
      const window = groups.slice(i, j + 1);
      const digits = run.slice(window[0]!.start, window[window.length - 1]!.end).replace(/\D/g, '');
      if (digits.length < 13 || digits.length > 19) continue;
      const shape = window.map((g) => g.end - g.start).join(',');
      const oneSeparator = new Set(window.slice(1).map((g) => g.sep)).size <= 1;
      if (window.length > 1 && (!CARD_SHAPES.includes(shape) || !oneSeparator)) continue;
      if (!/^[2-6]/.test(digits) || !luhnValid(digits)) continue;
      spans.push([window[0]!.start, window[window.length - 1]!.end]);
      matchedTo = j;
      break;
    }
    i = matchedTo >= 0 ? matchedTo + 1 : i + 1;
  }
  return spans;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function resolveOverlaps(found: SensitiveMatch[]): SensitiveMatch[] {
  const ranked = [...found].sort((a, b) => b.end - b.start - (a.end - a.start) || PRIORITY[a.kind] - PRIORITY[b.kind] || a.start - b.start);
  const kept: SensitiveMatch[] = [];
  for (const m of ranked) {
    if (kept.every((k) => m.end <= k.start || m.start >= k.end)) kept.push(m);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** Usable matches only: in range, in order, not overlapping (callers may pass anything). */
function orderedMatches(text: string, matches: SensitiveMatch[]): SensitiveMatch[] {
  const sorted = matches
    .filter((m) => Number.isInteger(m.start) && Number.isInteger(m.end) && m.start >= 0 && m.end <= text.length && m.start < m.end)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const out: SensitiveMatch[] = [];
  for (const m of sorted) if (!out.length || m.start >= out[out.length - 1]!.end) out.push(m);
  return out;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const KINDS = new Set<string>(Object.keys(SENSITIVE_LABELS));

/**
 * The text as HTML (everything escaped) with each match wrapped in
 * <mark data-kind="...">, for showing the member what to move to a private message.
 */
export function highlightSensitive(text: string, matches: SensitiveMatch[]): string {
  let html = '';
  let pos = 0;
  for (const m of orderedMatches(text, matches)) {
    const kind = KINDS.has(m.kind) ? m.kind : 'unknown';
    html += escapeHtml(text.slice(pos, m.start));
    html += `<mark data-kind="${kind}">${escapeHtml(text.slice(m.start, m.end))}</mark>`;
    pos = m.end;
  }
  return html + escapeHtml(text.slice(pos));
}

/** The text with each match replaced by "[removed]". */
export function removeSensitive(text: string, matches: SensitiveMatch[]): string {
  let out = '';
  let pos = 0;
  for (const m of orderedMatches(text, matches)) {
    out += `${text.slice(pos, m.start)}[removed]`;
    pos = m.end;
  }
  return out + text.slice(pos);
}
