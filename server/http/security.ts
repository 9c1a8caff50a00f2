import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Security headers. The CSP forbids inline script entirely: pages load only
 * /public/js/*.js. Styles likewise come from /public/css. Images come from the forum
 * only: external images in posts are shown as links (server/markdown/render.ts), so no
 * third party learns who read what, and this also holds for posts cooked before that rule
 * until `rebake` re-renders them.
 */
export function securityHeaders(isProduction: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        ...(isProduction ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: isProduction,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
}

/** For responses that can contain a secret (secure fields): never stored by any cache. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};
