import { doubleCsrf } from 'csrf-csrf';
import type { Request, RequestHandler } from 'express';
import { CsrfError } from './errors';

/**
 * CSRF protection on every state-changing request (csrf-csrf, signed double submit
 * bound to the session id). Forms send the `_csrf` field, API clients the
 * `X-CSRF-Token` header (token from GET /api/session).
 *
 * Tokens are generated lazily: `res.locals.csrfToken()` is called only by templates
 * that render a form. Generating one marks the session so it is saved (an anonymous
 * visitor's session id must stay stable between the sign-in form and its POST), while
 * anonymous readers of plain pages never create a session at all.
 */
export function csrfProtection(opts: { secret: string; isProduction: boolean }) {
  const { generateCsrfToken, doubleCsrfProtection } = doubleCsrf({
    getSecret: () => opts.secret,
    getSessionIdentifier: (req) => req.session?.id ?? '',
    cookieName: opts.isProduction ? '__Host-forum.csrf' : 'forum.csrf',
    cookieOptions: { sameSite: 'lax', path: '/', secure: opts.isProduction, httpOnly: true },
    getCsrfTokenFromRequest: (req) => {
      const header = req.headers['x-csrf-token'];
      if (typeof header === 'string') return header;
      const field = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof field === 'string' ? field : undefined;
    },
  });

  const provideToken: RequestHandler = (req, res, next) => {
    ensureCookies(req);
    let cached: string | undefined;
    res.locals.csrfToken = () => {
      if (!cached) {
        if (req.session && !(req.session as { csrfBound?: boolean }).csrfBound) {
          (req.session as { csrfBound?: boolean }).csrfBound = true;
        }
        cached = generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false });
      }
      return cached;
    };
    next();
  };

  const verify: RequestHandler = (req, res, next) => {
    ensureCookies(req);
    doubleCsrfProtection(req, res, (err?: unknown) => {
      if (err) return next(new CsrfError());
      next();
    });
  };

  return { provideToken, verify, generateCsrfToken };
}

/**
 * csrf-csrf reads `req.cookies`, which express 5 does not fill (no cookie-parser here):
 * parse the Cookie header once per request. First occurrence of a name wins.
 */
function ensureCookies(req: Request): void {
  const r = req as Request & { cookies?: Record<string, string> };
  if (r.cookies) return;
  const jar: Record<string, string> = Object.create(null);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in jar) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      jar[name] = decodeURIComponent(value);
    } catch {
      jar[name] = value;
    }
  }
  r.cookies = jar;
}
