import { doubleCsrf } from 'csrf-csrf';
import type { RequestHandler } from 'express';
import { CsrfError } from '../kernel/errors';

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
    doubleCsrfProtection(req, res, (err?: unknown) => {
      if (err) return next(new CsrfError());
      next();
    });
  };

  return { provideToken, verify, generateCsrfToken };
}
