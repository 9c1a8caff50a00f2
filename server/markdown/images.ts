import { LINK_REL } from './sanitize-policy';
import { decodeSanitizerEntities } from './entities';

/**
 * Images in cooked HTML, decided after the sanitizer (server/markdown/render.ts runs this on
 * sanitize-html's output, where every tag is one the policy allowed, every attribute is
 * `name="value"` with `&`, `<`, `>` and `"` escaped, and text never holds a raw `<`: so the
 * tags can be found by pattern, and values are put back exactly as the sanitizer escaped them).
 *
 * - An image from another site (an absolute http/https `src`) is never loaded: it becomes a
 *   link to it, "External image: <alt> (<host>)", so no third party learns who read the post
 *   and when (or, inside a link, that text without a link of its own).
 * - An uploaded image (`/uploads/<id>`) shows its thumbnail (`/uploads/<id>/thumb`, the image
 *   itself when it is small) inside a link to the full image, loaded lazily.
 * - An image without a description (no alt, or a blank one) gets `alt=""` and a visible
 *   prompt after it, so the page passes accessibility checks and the author sees what to fix.
 */
const TAG = /<a\b[^>]*>|<\/a>|<img\b[^>]*>/g;
const ATTRIBUTE = /\s([a-z-]+)="([^"]*)"/g;
const UPLOAD_SRC = /^\/uploads\/([0-9a-f]{24})(?:\/thumb)?$/i;
const EXTERNAL_SRC = /^https?:\/\//i;

export const MISSING_ALT_PROMPT = 'Image without a description: its author can add one by editing the post.';

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(ATTRIBUTE)) out.set(m[1]!.toLowerCase(), m[2]!);
  return out;
}

function hostOf(escapedSrc: string): string {
  try {
    return new URL(decodeSanitizerEntities(escapedSrc)).host;
  } catch {
    return '';
  }
}

function image(attrs: Map<string, string>, inLink: boolean): string {
  const src = attrs.get('src') ?? '';
  const alt = (attrs.get('alt') ?? '').trim();
  const title = attrs.get('title');
  if (EXTERNAL_SRC.test(src)) {
    const host = hostOf(src);
    const text = `External image: ${alt || 'no description'}${host ? ` (${escapeText(host)})` : ''}`;
    if (inLink) return `<span class="external-image">${text}</span>`;
    return `<a href="${src}" rel="${LINK_REL}" class="external-image"${title ? ` title="${title}"` : ''}>${text}</a>`;
  }
  const upload = UPLOAD_SRC.exec(src);
  const shown = upload ? `/uploads/${upload[1]!.toLowerCase()}/thumb` : src;
  let html = `<img src="${shown}" alt="${alt}"${title ? ` title="${title}"` : ''} loading="lazy" />`;
  if (upload && !inLink) html = `<a href="/uploads/${upload[1]!.toLowerCase()}" class="upload-image">${html}</a>`;
  if (!alt) html += ` <span class="img-alt-missing">${MISSING_ALT_PROMPT}</span>`;
  return html;
}

// What decorateImages writes about an image (its text holds no "<": it is escaped).
const DECORATION = /<(a|span)\b[^>]*\bclass="(?:external-image|img-alt-missing)"[^>]*>[^<]*<\/\1>/g;

/**
 * Cooked HTML without the text decorateImages added about images (an external image's link
 * text, the missing-description prompt): for checks of what the member wrote themselves.
 */
export function withoutImageNotes(html: string): string {
  return html.replace(DECORATION, '');
}

/** Applies the rules above to sanitized HTML. Linear in its length. */
export function decorateImages(html: string): string {
  if (!html.includes('<img')) return html;
  let depth = 0;
  return html.replace(TAG, (tag) => {
    if (tag.startsWith('</a')) {
      depth = Math.max(0, depth - 1);
      return tag;
    }
    if (tag.startsWith('<a')) {
      depth++;
      return tag;
    }
    return image(attributes(tag), depth > 0);
  });
}
