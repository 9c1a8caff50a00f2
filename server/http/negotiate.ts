import type { Request } from 'express';

/** JSON for /api/* and for clients that ask for it; HTML for everything else. */
export function wantsJson(req: Request): boolean {
  if (req.originalUrl.startsWith('/api/')) return true;
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Only same-site relative paths: never `//evil.com`, `/\evil.com` or absolute URLs. */
export function safeRedirectPath(target: unknown, fallback = '/'): string {
  if (typeof target !== 'string') return fallback;
  if (!target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return fallback;
  if (/[\r\n\t]/.test(target) || target.length > 2000) return fallback;
  return target;
}
