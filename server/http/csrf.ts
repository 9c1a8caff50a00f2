import { randomBytes } from 'node:crypto';
import { doubleCsrf } from 'csrf-csrf';
import type { Request, RequestHandler } from 'express';
import { CsrfError } from '../kernel/errors';

/**
 * CSRF protection on every state-changing request (csrf-csrf: the signed double-submit cookie
 * pattern of OWASP's CSRF cheat sheet). Forms send the `_csrf` field, API clients the
 * `X-CSRF-Token` header (token from GET /api/session).
 *
 * The token's HMAC is bound to who the visitor is:
 * - signed in: the session id (it changes at sign-in, so the sign-in answer carries a new token);
 * - anonymous (the sign-in and join forms): a random id in its own cookie (`forum.anon`,
 *   `__Host-forum.anon` in production), made the first time a form is rendered. No session is
 *   stored for it: a stored session exists only once it carries something (a sign-in), so a
 *   client fetching the sign-in page or GET /api/session in a loop stores nothing.
 *
 * Tokens are generated lazily: `res.locals.csrfToken()` is called only by templates that render
 * a form, and by GET /api/session.
 */
export function csrfProtection(opts: { secret: string; isProduction: boolean }) {
  const anonCookie = opts.isProduction ? '__Host-forum.anon' : 'forum.anon';
  const cookieOptions = { sameSite: 'lax', path: '/', secure: opts.isProduction, httpOnly: true } as const;
  const anonId = (req: Request): string => {
    const id = (req.cookies as Record<string, unknown> | undefined)?.[anonCookie];
    return typeof id === 'string' && /^[\w-]{32}$/.test(id) ? id : '';
  };
  const identity = (req: Request): string => (req.user && req.session ? `s:${req.session.id}` : `a:${anonId(req)}`);

  const { generateCsrfToken, doubleCsrfProtection } = doubleCsrf({
    getSecret: () => opts.secret,
    getSessionIdentifier: identity,
    cookieName: opts.isProduction ? '__Host-forum.csrf' : 'forum.csrf',
    cookieOptions,
    getCsrfTokenFromRequest: (req) => {
      const header = req.headers['x-csrf-token'];
      if (typeof header === 'string') return header;
      const field = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof field === 'string' ? field : undefined;
    },
  });

  const provideToken: RequestHandler = (req, res, next) => {
    let cached: string | undefined;
    let cachedFor: string | undefined;
    res.locals.csrfToken = () => {
      if (!req.user && !anonId(req)) {
        const id = randomBytes(24).toString('base64url');
        res.cookie(anonCookie, id, cookieOptions);
        req.cookies = { ...(req.cookies as Record<string, string>), [anonCookie]: id };
      }
      // Signing in during the request changes who the token is for.
      const who = identity(req);
      if (!cached || cachedFor !== who) {
        // Reuses the token in the cookie while it is valid for this visitor, else makes a new one.
        cached = generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false });
        cachedFor = who;
      }
      return cached;
    };
    next();
  };

  const verify: RequestHandler = (req, res, next) => {
    // A visitor that was never given a form has nothing a token could be bound to.
    if (!req.user && !anonId(req)) return next(new CsrfError());
    doubleCsrfProtection(req, res, (err?: unknown) => {
      if (err) return next(new CsrfError());
      next();
    });
  };

  return { provideToken, verify, generateCsrfToken };
}
