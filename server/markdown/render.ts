import { Lexer, Marked, Renderer, type Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { ValidationError } from '../kernel/errors';
import { limitedTokenizer, resetLimits, trackRuns } from './limits';
import { neutralizeRawHtml } from './raw-html';
import { decodeSanitizerEntities } from './entities';
import { decorateImages } from './images';
import { ALLOWED_ELEMENTS, SANITIZE_OPTIONS, TEXT_ONLY_OPTIONS } from './sanitize-policy';

/**
 * Markdown -> "cooked" HTML, run once at write time and stored with the post.
 *
 * Three stages, on purpose: marked only formats; the member's raw HTML is decided before the
 * sanitizer sees it (server/markdown/raw-html.ts), so no tag can swallow the text after it;
 * sanitize-html alone decides what may reach a browser (server/markdown/sanitize-policy.ts).
 *
 * Policy (bump RENDERER_VERSION when any of it changes, so stored posts can be re-cooked with
 * `npm run forum -- rebake`):
 * - Headings are shifted down two levels (# -> h3, ## -> h4, ### -> h5, deeper -> h6): the
 *   page owns h1 (thread title) and h2 (sections), and a post keeps its own hierarchy.
 * - Links: http, https, mailto and relative URLs only. Every link gets
 *   rel="nofollow ugc noopener" and no target: opening a new window is the reader's choice.
 * - Images: http/https (or relative) src only, never data:. An image without a src is dropped.
 *   Then (server/markdown/images.ts): an image from another site is shown as a link to it,
 *   never loaded (no third party learns who read the post); an uploaded image shows its
 *   thumbnail linked to the full image; an image without a description gets alt="" and a
 *   visible prompt to add one.
 * - Code blocks keep class="language-xxx" when xxx is a short, plain identifier.
 * - Single newlines become <br>: members paste plain text from e-mails and error dialogs, and
 *   expect their line breaks to survive. (Done in the text renderer rather than with marked's
 *   `breaks` option, whose text rule is quadratic in a run of spaces: 'a' + 19,990 spaces + 'b'
 *   took 0.25-0.9 s.)
 * - Raw HTML: allowed elements stay markup; other tags are shown as text or dropped alone,
 *   code elements (<script>...</script>) go with their content (raw-html.ts has the rules).
 * - Nesting deeper than 16 quote/list levels or 16 emphasis/link levels is flattened into the
 *   16th, never a stack overflow (server/markdown/limits.ts).
 *
 * Version history: 1 = first release; 2 = raw-HTML rules (text after an unknown or raw-text
 * tag is no longer lost), depth limits, linear line breaks; 3 = images: external ones as links,
 * uploads as linked thumbnails, a prompt for a missing description.
 */
export const RENDERER_VERSION = 3;

/** Thrown when marked fails on an input despite the limits; callers get a 400, never a 500. */
export class MarkdownRenderError extends ValidationError {
  constructor(field = 'body', label = 'Body') {
    const message = `${label}: this text could not be formatted. Simplify deeply nested quotes, lists or emphasis and try again.`;
    super(message, { [field]: message });
  }
}

const renderer = {
  // Soft line breaks (a newline inside a paragraph) become <br>; spaces around them go.
  text(this: Renderer, token: Tokens.Text | Tokens.Escape) {
    if ('tokens' in token && token.tokens) return false;
    const html = Renderer.prototype.text.call(this, token);
    return 'escaped' in token && token.escaped ? html : softBreaks(html);
  },
};

// Linear on purpose: a regex such as /[ \t]*\n/ rescans a long run of spaces at every position.
function softBreaks(html: string): string {
  if (!html.includes('\n')) return html;
  const lines = html.split('\n');
  return lines.map((line, i) => (i === 0 ? line.trimEnd() : i === lines.length - 1 ? line.trimStart() : line.trim())).join('<br>');
}

// A dedicated instance, so extensions registered elsewhere on the global `marked` can never
// change what gets stored.
const markdown = new Marked({ gfm: true, breaks: false, async: false, tokenizer: limitedTokenizer, renderer });

function toHtml(source: string): string {
  resetLimits();
  let tokens;
  try {
    const lexer = new Lexer(markdown.defaults);
    trackRuns(lexer);
    tokens = lexer.lex(source);
  } catch (err) {
    // Only a RangeError (stack) or marked's own "infinite loop" guard can land here.
    if (err instanceof RangeError || (err instanceof Error && /Infinite loop/.test(err.message))) throw new MarkdownRenderError();
    throw err;
  }
  neutralizeRawHtml(tokens, ALLOWED_ELEMENTS);
  return markdown.parser(tokens);
}

/**
 * Markdown source -> sanitized HTML, safe to emit unescaped in a page. Synchronous and pure;
 * on request paths prefer the time-budgeted renderer (server/markdown/bounded-renderer.ts).
 * Throws MarkdownRenderError (a 400 ValidationError on field "body") if marked fails anyway.
 */
export function renderMarkdown(source: string): string {
  return decorateImages(sanitizeHtml(toHtml(source), SANITIZE_OPTIONS).trim());
}

/**
 * Plain text for previews, search snippets and notifications. The result is NOT HTML:
 * templates must escape it like any other text. Whitespace is collapsed and the text is cut
 * at a word boundary, with an ellipsis, when longer than maxChars.
 */
export function renderPlainExcerpt(source: string, maxChars = 200): string {
  const html = toHtml(source).replace(/<\/(p|li|h\d|pre|blockquote|tr|td|th|summary)>|<br\s*\/?>/gi, '$& ');
  const text = decodeSanitizerEntities(sanitizeHtml(html, TEXT_ONLY_OPTIONS)).replace(/\s+/g, ' ').trim();
  return truncate(text, Math.max(1, Math.floor(maxChars)));
}

/**
 * Whether HTML made by renderMarkdown (sanitized, so its tags are the policy's and well formed)
 * links anywhere: a link, an autolinked URL or an image. New accounts' posts with links are held
 * for review (docs/moderation.md).
 */
export function containsLink(renderedHtml: string): boolean {
  return /<a\s[^>]*\bhref=|<img\s/i.test(renderedHtml);
}

function truncate(text: string, maxChars: number): string {
  const chars = Array.from(text); // code points, so an emoji is never cut in half
  if (chars.length <= maxChars) return text;
  let cut = chars.slice(0, maxChars - 1).join('');
  const lastSpace = cut.lastIndexOf(' ');
  if (lastSpace > cut.length * 0.6) cut = cut.slice(0, lastSpace);
  return `${cut.replace(/[\s.,;:!?-]+$/, '')}…`;
}
