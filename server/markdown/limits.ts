import { Tokenizer, type Lexer, type TokenizerObject } from 'marked';

/**
 * Limits that keep marked's cost bounded and its recursion shallow (issue 18 items 2 and 3).
 *
 * marked parses nested structure by recursion: every blockquote and list level re-enters the
 * block lexer, every emphasis, strikethrough and link label re-enters the inline lexer. A
 * body of '>'.repeat(2000) (2,000 characters) overflowed the stack, and 500 nested list items
 * took 2.5 s. Past a depth these tokenizers decline, so the rest is read as the next thing
 * marked tries (a paragraph for a quote or list marker, text for a delimiter): deeper levels
 * are flattened into the innermost allowed one and every character stays visible.
 *
 * - MAX_BLOCK_DEPTH: nested blockquotes and lists together. E-mail quote chains and outlines
 *   in support posts stay well under it.
 * - MAX_INLINE_DEPTH: nested emphasis, strong, strikethrough and link labels.
 *
 * Unclosed raw-HTML blocks: CommonMark lets an HTML block that starts with <script>, <pre>,
 * <style>, <textarea>, "<!--", "<?", "<!X" or CDATA run to its end marker or to the end of the
 * document, so one "<textarea>" turned the rest of the post into raw HTML without Markdown.
 * When the end marker never comes, the html tokenizer declines and the line is a paragraph
 * whose tag is handled like any other (server/markdown/raw-html.ts).
 */
export const MAX_BLOCK_DEPTH = 16;
export const MAX_INLINE_DEPTH = 16;

const base = Tokenizer.prototype;

let blockDepth = 0;
let inlineDepth = 0;

/** Resets the counters and runs; a render that threw half-way cannot leave them raised. */
export function resetLimits(): void {
  blockDepth = 0;
  inlineDepth = 0;
  blockRuns.length = 0;
  inlineRuns.length = 0;
}

function nestedBlock<A extends unknown[], R>(parse: (...args: A) => R | undefined): (...args: A) => R | undefined {
  return function (this: unknown, ...args: A) {
    if (blockDepth >= MAX_BLOCK_DEPTH) return undefined;
    blockDepth++;
    try {
      return parse.apply(this, args);
    } finally {
      blockDepth--;
    }
  };
}

function nestedInline<A extends unknown[], R>(parse: (...args: A) => R | undefined): (...args: A) => R | undefined {
  return function (this: unknown, ...args: A) {
    if (inlineDepth >= MAX_INLINE_DEPTH) return undefined;
    inlineDepth++;
    try {
      return parse.apply(this, args);
    } finally {
      inlineDepth--;
    }
  };
}

/**
 * The text of each block run and inline run the lexer is working on, innermost last. marked
 * hands every tokenizer call a suffix of the current run (it cuts what it has read off the
 * front), so a position in `src` is known in the run, and "is there an end marker further
 * on" is one lastIndexOf per run and marker instead of a scan to the end on every line.
 */
interface Run {
  text: string;
  lower?: string;
  last: Map<string, number>;
}
const blockRuns: Run[] = [];
const inlineRuns: Run[] = [];

/** Makes a lexer report its runs to the limits above. Call on a fresh Lexer before `lex`. */
export function trackRuns(lexer: Lexer): void {
  const block = lexer.blockTokens.bind(lexer) as (src: string, ...rest: unknown[]) => never;
  const inline = lexer.inlineTokens.bind(lexer) as (src: string, ...rest: unknown[]) => never;
  const tracked = (runs: Run[], lex: (src: string, ...rest: unknown[]) => never) =>
    function (src: string, ...rest: unknown[]) {
      runs.push({ text: src, last: new Map() });
      try {
        return lex(src, ...rest);
      } finally {
        runs.pop();
      }
    };
  lexer.blockTokens = tracked(blockRuns, block);
  lexer.inlineTokens = tracked(inlineRuns, inline);
}

/** Whether `marker` occurs in `src` at or after `from`; case-insensitive markers are lower case. */
function occursAfter(runs: Run[], src: string, marker: string, from: number, caseInsensitive = false): boolean {
  const run = runs[runs.length - 1];
  const offset = run ? run.text.length - src.length : -1;
  // Not a suffix of the current run (no tracked lexer): ask the string itself.
  if (!run || offset < 0 || run.text.charCodeAt(offset) !== src.charCodeAt(0)) {
    return (caseInsensitive ? src.toLowerCase() : src).includes(marker, from);
  }
  const key = (caseInsensitive ? 'i:' : 's:') + marker;
  let last = run.last.get(key);
  if (last === undefined) {
    const text = caseInsensitive ? (run.lower ??= run.text.toLowerCase()) : run.text;
    last = text.lastIndexOf(marker);
    run.last.set(key, last);
  }
  return last >= offset + from;
}

const RAW_BLOCK_START = /^ {0,3}(?:<(script|pre|style|textarea)(?=[\s>]|$)|(<!--)|(<\?)|(<!\[CDATA\[)|(<![A-Za-z]))/i;

/**
 * Whether a raw HTML block that needs an end marker (CommonMark HTML block types 1-5) can
 * have one in `src`. Asked before marked's own rule, which scans to the end of the document
 * with a lazy regex on every such line: 4,000 lines of "<!--" took 0.5-2 s.
 */
function endMarkerPossible(src: string): boolean {
  const m = RAW_BLOCK_START.exec(src);
  if (!m) return true;
  const from = m[0].length;
  if (m[1]) return occursAfter(blockRuns, src, `</${m[1].toLowerCase()}>`, from, true);
  if (m[2]) return src.startsWith('>', from) || src.startsWith('->', from) || occursAfter(blockRuns, src, '-->', from);
  if (m[3]) return occursAfter(blockRuns, src, '?>', from);
  if (m[4]) return occursAfter(blockRuns, src, ']]>', from);
  return occursAfter(blockRuns, src, '>', from);
}

/**
 * The same for inline HTML: a comment, processing instruction or CDATA opener with no end
 * marker made marked's tag rule read to the end of the paragraph at every "<!--" ('x' + '<!--'
 * x 5000 took 0.2 s).
 */
function inlineMarkupPossible(src: string): boolean {
  if (src.charCodeAt(0) !== 60 /* < */ || (src[1] !== '!' && src[1] !== '?')) return true;
  if (src.startsWith('<!--')) return src.startsWith('<!-->') || src.startsWith('<!--->') || occursAfter(inlineRuns, src, '-->', 4);
  if (src.startsWith('<?')) return occursAfter(inlineRuns, src, '?>', 2);
  if (src.startsWith('<![CDATA[')) return occursAfter(inlineRuns, src, ']]>', 9);
  return occursAfter(inlineRuns, src, '>', 2);
}

/**
 * marked's GFM text and autolink rules look ahead for an e-mail address ("[class]+@") at every
 * stop character, so a long run of letters, digits and "._+-" without an "@" after it
 * ('a_b_' x 5000) costs time quadratic in the run. Both rules only ever match a bounded prefix
 * of their input: an e-mail address is at most 320 characters (RFC 5321: 64 + 1 + 255), and we
 * autolink URLs of at most URL_WINDOW characters; text is cut at a whitespace character, where
 * no entity, e-mail address or URL can be split. So they are given a window, not the whole
 * rest of the paragraph.
 */
const EMAIL_WINDOW = 320;
const URL_WINDOW = 2048;
const TEXT_WINDOW = 1024;
const URL_START = /^(?:[a-z][a-z0-9+.-]*:|www\.)/i;

function textWindow(src: string): string {
  if (src.length <= TEXT_WINDOW) return src;
  // Look back a little (a constant cost: this runs at every stop character of a long
  // paragraph) for a whitespace character, or else an "&" that may start a character
  // reference ("&amp;"), which must not be cut in two.
  let amp = -1;
  for (let i = TEXT_WINDOW - 1; i > TEXT_WINDOW - 64; i--) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9) return src.slice(0, i);
    if (c === 38 && amp === -1 && i > TEXT_WINDOW - 40) amp = i;
  }
  return src.slice(0, amp === -1 ? TEXT_WINDOW : amp);
}

/** Tokenizer overrides for `new Marked({ tokenizer })` (marked falls back to its own on `false` only). */
export const limitedTokenizer: TokenizerObject = {
  blockquote: nestedBlock(base.blockquote),
  list: nestedBlock(base.list),
  emStrong: nestedInline(base.emStrong),
  del: nestedInline(base.del),
  link: nestedInline(base.link),
  reflink: nestedInline(base.reflink),
  html(src: string) {
    return endMarkerPossible(src) ? base.html.call(this, src) : undefined;
  },
  tag(src: string) {
    return inlineMarkupPossible(src) ? base.tag.call(this, src) : undefined;
  },
  url(src: string) {
    return base.url.call(this, src.slice(0, URL_START.test(src) ? URL_WINDOW : EMAIL_WINDOW));
  },
  inlineText(src: string) {
    return base.inlineText.call(this, textWindow(src));
  },
};
