import type { Token, Tokens } from 'marked';

/**
 * The member's raw HTML inside Markdown, decided before the sanitizer sees it, so that no tag
 * can swallow the text after it (issue 18 item 1: "The <title> of my portal page ..." used to
 * lose everything after "The", because the HTML parser treats <title>, <textarea>, <style>,
 * <xmp>, <script> as raw text up to a closing tag that never comes and the sanitizer then drops
 * the element with its "content").
 *
 * Input: marked's token tree, changed in place. Only `html` tokens (raw HTML the member typed)
 * and raw-text `text` tokens (text marked leaves unescaped after an inline <pre>, <code>, <kbd>
 * or <script>) are touched; everything marked generates itself is already safe markup.
 *
 * Rules, for each tag in the member's HTML (tag grammar: CommonMark 0.31 "Raw HTML"):
 * - Elements on the allow-list (server/markdown/sanitize-policy.ts) stay markup; the sanitizer
 *   still decides their attributes and URLs.
 * - Any other element is never markup. Written as a pair (an opening tag and its closing tag
 *   among the same siblings: one paragraph, list item, quote or the top level), both tags are
 *   dropped and the text between them is kept ("<div><span>kept</span></div>" -> "kept",
 *   "<b></b>" -> nothing), except for the code elements below.
 * - Code elements (CODE_ELEMENTS: script, style, svg, math, ...) written as a pair are dropped
 *   with everything between them: their content is code or foreign markup, not prose.
 * - A tag without a partner (an opening tag that is never closed, a stray closing tag, a void
 *   or self-closing element) is shown as text when it has no attributes ("The <title> of my
 *   page", "C:\Users\<username>", "press <Enter>") and dropped alone when it has attributes
 *   (pasted markup such as <input type=checkbox>) or is a code element (a lone <script> or
 *   <svg onload=...>: a body of only "<script>" shows nothing, as before).
 * - Comments are dropped; processing instructions, declarations and CDATA are shown as text;
 *   a "<" that starts none of these is text.
 * Everything shown as text has its "<" escaped, so the sanitizer's parser only ever meets the
 * allowed tags.
 */
export const CODE_ELEMENTS: ReadonlySet<string> = new Set([
  'script',
  'style',
  'svg',
  'math',
  'template',
  'object',
  'applet',
  'iframe',
  'noscript',
  'noembed',
  'noframes',
  'frameset',
]);

// Elements that never have content, so never a closing partner (HTML "void elements").
const VOID_ELEMENTS: ReadonlySet<string> = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

interface TagPiece {
  kind: 'tag';
  raw: string;
  /** Lower case. */
  name: string;
  closing: boolean;
  selfClosing: boolean;
  hasAttributes: boolean;
}

type Piece = { kind: 'text'; text: string } | { kind: 'comment' } | { kind: 'markup'; raw: string } | TagPiece;

const TAG_NAME = '[A-Za-z][A-Za-z0-9-]*';
const ATTRIBUTE = String.raw`\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>\x60]+|'[^']*'|"[^"]*"))?`;
const OPEN_TAG = new RegExp(`<(${TAG_NAME})((?:${ATTRIBUTE})*)\\s*(/?)>`, 'y');
const CLOSE_TAG = new RegExp(`</(${TAG_NAME})\\s*>`, 'y');

/**
 * indexOf for the terminators of comments, processing instructions, declarations and CDATA,
 * remembering the last answer: a document with thousands of unterminated "<!--" is searched
 * once, not once per "<!--".
 */
class TerminatorFinder {
  private readonly found = new Map<string, { from: number; at: number }>();
  constructor(private readonly text: string) {}

  find(terminator: string, from: number): number {
    const last = this.found.get(terminator);
    if (last && last.from <= from && (last.at === -1 || last.at >= from)) return last.at;
    const at = this.text.indexOf(terminator, from);
    this.found.set(terminator, { from, at });
    return at;
  }
}

function markupAt(html: string, i: number, finder: TerminatorFinder): { piece: Piece; end: number } | null {
  if (html.startsWith('<!--', i)) {
    if (html.startsWith('<!-->', i)) return { piece: { kind: 'comment' }, end: i + 5 };
    if (html.startsWith('<!--->', i)) return { piece: { kind: 'comment' }, end: i + 6 };
    const close = finder.find('-->', i + 4);
    return close === -1 ? null : { piece: { kind: 'comment' }, end: close + 3 };
  }
  const terminated = (terminator: string, from: number) => {
    const close = finder.find(terminator, from);
    return close === -1
      ? null
      : { piece: { kind: 'markup', raw: html.slice(i, close + terminator.length) } as Piece, end: close + terminator.length };
  };
  if (html.startsWith('<?', i)) return terminated('?>', i + 2);
  if (html.startsWith('<![CDATA[', i)) return terminated(']]>', i + 9);
  if (html.startsWith('<!', i) && /[A-Za-z]/.test(html[i + 2] ?? '')) return terminated('>', i + 2);
  const re = html[i + 1] === '/' ? CLOSE_TAG : OPEN_TAG;
  re.lastIndex = i;
  const m = re.exec(html);
  if (!m) return null;
  const closing = re === CLOSE_TAG;
  const piece: TagPiece = {
    kind: 'tag',
    raw: m[0],
    name: m[1]!.toLowerCase(),
    closing,
    selfClosing: !closing && m[3] === '/',
    hasAttributes: !closing && m[2]!.trim().length > 0,
  };
  return { piece, end: i + m[0].length };
}

/** Splits raw HTML into text, tags, comments and other markup. Linear in the length. */
function scan(html: string): Piece[] {
  const pieces: Piece[] = [];
  const finder = new TerminatorFinder(html);
  let textStart = 0;
  let i = html.indexOf('<');
  while (i !== -1) {
    const found = markupAt(html, i, finder);
    if (!found) {
      i = html.indexOf('<', i + 1);
      continue;
    }
    if (i > textStart) pieces.push({ kind: 'text', text: html.slice(textStart, i) });
    pieces.push(found.piece);
    textStart = found.end;
    i = html.indexOf('<', found.end);
  }
  if (textStart < html.length) pieces.push({ kind: 'text', text: html.slice(textStart) });
  return pieces;
}

const asText = (s: string) => s.replace(/</g, '&lt;');

interface Position {
  token: number;
  piece: number;
}
const before = (a: Position, b: Position) => a.token < b.token || (a.token === b.token && a.piece < b.piece);

/** Applies the rules to one run of sibling tokens, after its children. */
function decideSiblings(tokens: Token[], allowed: ReadonlySet<string>, block: boolean): void {
  const scanned = new Map<number, Piece[]>();
  tokens.forEach((token, t) => {
    if (token.type === 'html') scanned.set(t, scan((token as Tokens.HTML).text));
  });
  if (scanned.size === 0) return;

  // Disallowed tags in document order, paired by name (innermost first).
  const events: { at: Position; tag: TagPiece }[] = [];
  for (const [t, pieces] of scanned) {
    pieces.forEach((piece, p) => {
      if (piece.kind === 'tag' && !allowed.has(piece.name)) events.push({ at: { token: t, piece: p }, tag: piece });
    });
  }
  const partner = new Map<TagPiece, Position>();
  const open = new Map<string, { at: Position; tag: TagPiece }[]>();
  for (const ev of events) {
    const { name, closing, selfClosing } = ev.tag;
    if (selfClosing || VOID_ELEMENTS.has(name)) continue;
    const stack = open.get(name) ?? [];
    if (!closing) {
      stack.push(ev);
      open.set(name, stack);
    } else {
      const opener = stack.pop();
      if (opener) {
        partner.set(opener.tag, ev.at);
        partner.set(ev.tag, opener.at);
      }
    }
  }

  // Code elements written as a pair are dropped with their content: [from, to] inclusive.
  const dropped: { from: Position; to: Position }[] = [];
  for (const ev of events) {
    const to = partner.get(ev.tag);
    if (ev.tag.closing || !to || !CODE_ELEMENTS.has(ev.tag.name)) continue;
    const last = dropped[dropped.length - 1];
    if (last && !before(last.to, ev.at)) continue; // inside a range already
    dropped.push({ from: ev.at, to });
  }
  // Asked in document order, so one pass over the sorted, disjoint ranges.
  let next = 0;
  const inDropped = (at: Position) => {
    while (next < dropped.length && before(dropped[next]!.to, at)) next++;
    return next < dropped.length && !before(at, dropped[next]!.from);
  };

  const out = (piece: Piece, at: Position): string => {
    if (inDropped(at)) return '';
    switch (piece.kind) {
      case 'text':
        return asText(piece.text);
      case 'comment':
        return '';
      case 'markup':
        return asText(piece.raw);
      case 'tag':
        if (allowed.has(piece.name)) return piece.raw;
        if (partner.has(piece)) return '';
        return piece.hasAttributes || CODE_ELEMENTS.has(piece.name) ? '' : asText(piece.raw);
    }
  };

  tokens.forEach((token, t) => {
    const pieces = scanned.get(t);
    if (pieces) {
      (token as Tokens.HTML).text = pieces.map((piece, p) => out(piece, { token: t, piece: p })).join('');
    } else if (inDropped({ token: t, piece: 0 })) {
      tokens[t] = { type: 'html', raw: token.raw, text: '', block, pre: false } satisfies Tokens.HTML;
    }
  });
}

function childRuns(token: Token): { run: Token[]; block: boolean }[] {
  switch (token.type) {
    case 'list':
      return (token as Tokens.List).items.map((item) => ({ run: item.tokens, block: true }));
    case 'table': {
      const table = token as Tokens.Table;
      const cells = [...table.header, ...table.rows.flat()];
      return cells.map((cell) => ({ run: cell.tokens, block: false }));
    }
    case 'blockquote':
      return [{ run: (token as Tokens.Blockquote).tokens, block: true }];
    default:
      return 'tokens' in token && Array.isArray(token.tokens) ? [{ run: token.tokens, block: false }] : [];
  }
}

/**
 * Applies the raw-HTML rules to a token tree from marked's lexer, in place. `allowed` holds
 * the lower-case names of the elements that may stay markup.
 */
export function neutralizeRawHtml(tokens: Token[], allowed: ReadonlySet<string>, block = true): void {
  for (const token of tokens) {
    if (token.type === 'text' && (token as Tokens.Text).escaped && !('tokens' in token && token.tokens)) {
      (token as Tokens.Text).text = asText((token as Tokens.Text).text);
    }
    for (const { run, block: childBlock } of childRuns(token)) neutralizeRawHtml(run, allowed, childBlock);
  }
  decideSiblings(tokens, allowed, block);
}
