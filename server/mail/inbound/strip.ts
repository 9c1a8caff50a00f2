/**
 * Reduces the text of a reply e-mail to what the person wrote: everything from the first
 * quote header on is dropped (our reply marker, "On … wrote:", Outlook's
 * "-----Original Message-----" and "From:/Sent:" blocks, forwarded-message separators), lines
 * quoted with ">" are dropped, and so is a signature (the "-- " delimiter of RFC 3676 §4.3,
 * "Sent from my iPhone" and the like). Pure; the rules come from the shapes the common mail
 * clients produce (docs/email.md, "Reply by e-mail").
 */

/** Our own marker line (server/mail/render.ts REPLY_MARKER), quoted or not. */
const MARKER = /reply above this line/i;
const ORIGINAL_MESSAGE = /^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine)\s*-{2,}$/i;
const FORWARDED = /^(-{3,}\s*forwarded message\s*-{3,}|begin forwarded message:)/i;
const UNDERSCORE_RULE = /^_{20,}$/;
/** "On <date>, <name> wrote:" (English), "Le … a écrit :" (French), "Am … schrieb …:" (German), over up to 3 lines. */
const ON_WROTE = [/^on\s.{0,400}\swrote:$/i, /^le\s.{0,400}\sa écrit\s?:$/i, /^am\s.{0,400}\sschrieb.{0,200}:$/i];
const HEADER_FROM = /^\*?(from|von|de|van)\s?:\*?\s/i;
const HEADER_NEXT = /^\*?(sent|date|to|subject|cc|gesendet|datum|an|betreff|envoyé|à|objet|verzonden|aan|onderwerp)\s?:\*?/i;
const MOBILE_SIGNATURE =
  /^(sent from my \w+|sent from (mail|outlook|yahoo mail) for \w+|get outlook for \w+|sent from (outlook|proton mail|gmail)|sent via \w+|envoyé de mon \w+|von meinem \w+ gesendet)/i;

function startsOnWrote(lines: string[], i: number): boolean {
  let joined = '';
  for (let k = 0; k < 3 && i + k < lines.length; k++) {
    joined = `${joined} ${lines[i + k].trim()}`.trim();
    if (ON_WROTE.some((re) => re.test(joined))) return true;
  }
  return false;
}

function startsHeaderBlock(lines: string[], i: number): boolean {
  if (!HEADER_FROM.test(lines[i].trim())) return false;
  for (let k = 1; k <= 4 && i + k < lines.length; k++) {
    if (HEADER_NEXT.test(lines[i + k].trim())) return true;
  }
  return false;
}

/** The new text of a reply, trimmed; '' when nothing of its own remains. */
export function stripReply(text: string): string {
  const lines = String(text ?? '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const t = line.trim();
    if (line === '-- ' || t === '--') break;
    if (MARKER.test(t) || ORIGINAL_MESSAGE.test(t) || FORWARDED.test(t) || UNDERSCORE_RULE.test(t)) break;
    if (MOBILE_SIGNATURE.test(t)) break;
    if (startsOnWrote(lines, i) || startsHeaderBlock(lines, i)) break;
    if (t.startsWith('>')) continue;
    out.push(line.replace(/\s+$/, ''));
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
