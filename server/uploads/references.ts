/**
 * Where a post or message shows uploaded files: every `/uploads/<id>` path in its Markdown
 * (image syntax, link syntax or raw HTML alike), so what the guard checks, the per-post quota
 * counts and a conversation attaches is exactly what the rendered page would request.
 */
const REFERENCE = /\/uploads\/([0-9a-f]{24})(?![0-9a-z])/gi;

/** The URL of an upload (its Markdown target). */
export const uploadUrl = (id: string): string => `/uploads/${id}`;

/** Distinct upload ids referenced in `text`, lower case, in order of first appearance. */
export function referencedUploadIds(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(REFERENCE)) seen.add(m[1]!.toLowerCase());
  return [...seen];
}

/** `text` with every reference to an upload in `replaced` pointing at its replacement instead. */
export function replaceUploadReferences(text: string, replaced: ReadonlyMap<string, string>): string {
  if (replaced.size === 0) return text;
  return text.replace(REFERENCE, (whole, id: string) => {
    const to = replaced.get(id.toLowerCase());
    return to ? uploadUrl(to) : whole;
  });
}

/**
 * A description suggested from a file name: "Screenshot 2026-11-17 at 10.02.11.png" ->
 * "Screenshot 2026-11-17 at 10.02.11"; separators become spaces; nothing that could break
 * the Markdown `![...]` brackets. The member is asked to improve it.
 */
export function altFromFileName(name: string): string {
  const base = name
    .replace(/^.*[\\/]/, '')
    .replace(/\.[a-z0-9]{1,5}$/i, '')
    .replace(/[_]+/g, ' ')
    .replace(/[[\]\\<>`*\n\r\t]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return base.slice(0, 120) || 'Image';
}

/** A file name safe for Content-Disposition and the page: no path, no control or quote characters. */
export function cleanFileName(name: string, extension?: string): string {
  let base = name
    .replace(/^.*[\\/]/, '')
    .replace(/[\u0000-\u001f\u007f"\\<>|:*?]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 150);
  if (extension) base = `${base.replace(/\.[a-z0-9]{1,5}$/i, '') || 'file'}.${extension}`;
  return base || 'file';
}

/** Markdown that shows an upload: `![alt](url)` for images, `[name](url)` for attachments. */
export function uploadMarkdown(u: { id: string; kind: 'image' | 'attachment'; alt: string; name: string }): string {
  const label = (u.kind === 'image' ? u.alt : u.name).replace(/[[\]\\\n\r]/g, ' ').trim();
  return u.kind === 'image' ? `![${label}](${uploadUrl(u.id)})` : `[${label || 'file'}](${uploadUrl(u.id)})`;
}
