import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/**
 * Markdown -> "cooked" HTML, run once at write time and stored with the post.
 *
 * Two stages, on purpose: marked only formats, sanitize-html alone decides what may reach a
 * browser. Raw HTML in a post is handed to the sanitizer like everything else, so the few
 * tags on the allow-list (e.g. <details>/<summary>) work and everything else is dropped.
 *
 * Policy (bump RENDERER_VERSION when any of it changes, so stored posts can be re-cooked):
 * - Headings are shifted down two levels (# -> h3, ## -> h4, ### -> h5, deeper -> h6): the
 *   page owns h1 (thread title) and h2 (sections), and a post keeps its own hierarchy.
 * - Links: http, https, mailto and relative URLs only. Every link gets
 *   rel="nofollow ugc noopener" and no target: opening a new window is the reader's choice.
 * - Images: http/https (or relative) src only, never data:. An image without a src is dropped.
 * - Code blocks keep class="language-xxx" when xxx is a short, plain identifier.
 * - Single newlines become <br> (breaks: true): members paste plain text from e-mails and
 *   error dialogs, and expect their line breaks to survive.
 */
export const RENDERER_VERSION = 1;

const LINK_REL = 'nofollow ugc noopener';

// A dedicated instance, so extensions registered elsewhere on the global `marked` can never
// change what gets stored.
const markdown = new Marked({
  gfm: true,
  breaks: true,
  async: false,
});

const HEADING_SHIFT: Record<string, string> = { h1: 'h3', h2: 'h4', h3: 'h5', h4: 'h6', h5: 'h6' };

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'h3',
    'h4',
    'h5',
    'h6',
    'strong',
    'em',
    'del',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'details',
    'summary',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    ol: ['start'],
    th: [{ name: 'align', multiple: false, values: ['left', 'center', 'right'] }],
    td: [{ name: 'align', multiple: false, values: ['left', 'center', 'right'] }],
    details: ['open'],
    code: ['class'],
  },
  allowedClasses: { code: [/^language-[a-z0-9][a-z0-9_+-]{0,30}$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Disallowed tags whose content must go too (not just the tag): raw-text and foreign
  // content where the "text" is code or markup.
  nonTextTags: [
    'script',
    'style',
    'textarea',
    'option',
    'xmp',
    'noscript',
    'noembed',
    'noframes',
    'iframe',
    'plaintext',
    'template',
    'title',
    'svg',
    'math',
    'object',
    'select',
  ],
  transformTags: {
    // Markdown and raw-HTML headings both arrive here as h1-h6: one place shifts them.
    ...Object.fromEntries(Object.entries(HEADING_SHIFT).map(([from, to]) => [from, sanitizeHtml.simpleTransform(to, {})])),
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: LINK_REL } }),
  },
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
};

const TEXT_ONLY_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [],
  allowedAttributes: {},
  disallowedTagsMode: 'discard',
  nonTextTags: SANITIZE_OPTIONS.nonTextTags,
};

function toHtml(source: string): string {
  return markdown.parse(source, { async: false });
}

/** Markdown source -> sanitized HTML, safe to emit unescaped in a page. */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(toHtml(source), SANITIZE_OPTIONS).trim();
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

// sanitize-html re-escapes text with exactly these four entities, so undoing them is exact.
function decodeSanitizerEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function truncate(text: string, maxChars: number): string {
  const chars = Array.from(text); // code points, so an emoji is never cut in half
  if (chars.length <= maxChars) return text;
  let cut = chars.slice(0, maxChars - 1).join('');
  const lastSpace = cut.lastIndexOf(' ');
  if (lastSpace > cut.length * 0.6) cut = cut.slice(0, lastSpace);
  return `${cut.replace(/[\s.,;:!?-]+$/, '')}…`;
}
