/** Only same-site relative paths: never `//evil.com`, `/\evil.com` or absolute URLs. */
export function safeRedirectPath(target: unknown, fallback = '/'): string {
  if (typeof target !== 'string') return fallback;
  if (!target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return fallback;
  if (/[\r\n\t]/.test(target) || target.length > 2000) return fallback;
  return target;
}
