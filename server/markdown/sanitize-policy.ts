import sanitizeHtml from 'sanitize-html';

/**
 * What may reach a browser from a post: sanitize-html's options, the only authority on tags,
 * attributes and URL schemes (server/markdown/render.ts documents the policy; bump its
 * RENDERER_VERSION when anything here changes).
 */
export const LINK_REL = 'nofollow ugc noopener';

const HEADING_SHIFT: Record<string, string> = { h1: 'h3', h2: 'h4', h3: 'h5', h4: 'h6', h5: 'h6' };

export const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
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
  // content where the "text" is code or markup. Since renderer version 2 the member's raw
  // HTML never reaches the sanitizer with these tags (server/markdown/raw-html.ts decides
  // first); the list stays as a second line of defence.
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

/** For plain text: every tag goes, and so does the content of code-like elements. */
export const TEXT_ONLY_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [],
  allowedAttributes: {},
  disallowedTagsMode: 'discard',
  nonTextTags: SANITIZE_OPTIONS.nonTextTags,
};

/** Lower-case names of the elements a post may contain as markup (h1/h2 are shifted, not dropped). */
export const ALLOWED_ELEMENTS: ReadonlySet<string> = new Set([
  ...(SANITIZE_OPTIONS.allowedTags as string[]),
  ...Object.keys(HEADING_SHIFT),
]);
