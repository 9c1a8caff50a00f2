/**
 * sanitize-html re-escapes text and attribute values with exactly these four entities, so
 * undoing them is exact (for its output only, not for HTML in general).
 */
export function decodeSanitizerEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
