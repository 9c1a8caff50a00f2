import { parseSearch, tokenize } from '../text-analysis';

/**
 * Highlighted excerpts for search results, built on the server: HTML-escaped text with
 * `<mark>` around every word whose index token is one of the query's positive terms. Words
 * are normalised by the same tokenizer as the text index (lower case, folded diacritics,
 * stop words, Porter stems), so "locked" in the query highlights "lock" and "Locking".
 */

const WORD = /[\p{L}\p{N}]+/gu;
const SNIPPET_CHARS = 240;
const LEAD_CHARS = 70;
/** Long texts (the replies' text) are searched for a first match only this far. */
const SCAN_LIMIT = 20_000;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** The positive terms of a search string as index tokens (empty when it has none). */
export function queryTerms(q: string): Set<string> {
  try {
    return new Set(parseSearch(q).terms);
  } catch {
    return new Set();
  }
}

/** Markdown source to plain-ish text: links keep their label, markup characters go. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, ' ')
    .replace(/[`*_#>|~]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function isMatch(word: string, terms: Set<string>): boolean {
  const t = tokenize(word);
  return t.length > 0 && terms.has(t[0]!);
}

/** Offset of the first matching word, or -1. */
export function firstMatch(text: string, terms: Set<string>): number {
  if (!terms.size) return -1;
  const scan = text.length > SCAN_LIMIT ? text.slice(0, SCAN_LIMIT) : text;
  for (const m of scan.matchAll(WORD)) if (isMatch(m[0], terms)) return m.index!;
  return -1;
}

/** The whole text, escaped, matched words marked. */
export function highlight(text: string, terms: Set<string>): string {
  if (!terms.size) return escapeHtml(text);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(WORD)) {
    if (!isMatch(m[0], terms)) continue;
    out += `${escapeHtml(text.slice(last, m.index))}<mark>${escapeHtml(m[0])}</mark>`;
    last = m.index! + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

/**
 * An excerpt of about SNIPPET_CHARS around the first match (the start of the text when
 * nothing matches), cut at word boundaries, with an ellipsis where text was left out.
 */
export function excerpt(text: string, terms: Set<string>): string {
  const at = firstMatch(text, terms);
  let start = at <= LEAD_CHARS ? 0 : at - LEAD_CHARS;
  if (start > 0) {
    const space = text.indexOf(' ', start);
    start = space >= 0 && space < at ? space + 1 : at;
  }
  let end = Math.min(text.length, start + SNIPPET_CHARS);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > Math.max(start, at)) end = space;
  }
  const body = highlight(text.slice(start, end), terms);
  return `${start > 0 ? '… ' : ''}${body}${end < text.length ? ' …' : ''}`;
}
