import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { AppError } from '../kernel/errors';
import type { AppContext } from '../context';
import type { Actor } from '../kernel/actor';
import { createAuthService, findActor, type AuthService } from './service';
import { viewerCached } from '../http/viewer-cache';

/**
 * The username/password strategy. It only adapts passport to the service: throttling,
 * timing-safe checks and messages all live in AuthService.signIn.
 * A wrong password is `fail` (so passport reports "no user"); a throttled or broken
 * attempt is an error that reaches the error handler as is (429, 500).
 */
export function localStrategy(auth: AuthService): LocalStrategy {
  return new LocalStrategy({ passReqToCallback: true, session: false }, (req, username, password, done) => {
    auth.signIn({ username, password, ip: req.ip ?? '' }).then(
      (actor) => done(null, actor),
      (err: unknown) => {
        if (err instanceof AppError && err.status === 401) return done(null, false, { message: err.message });
        done(err);
      },
    );
  });
}

let serializersInstalled = false;

/**
 * Configures the process-wide passport instance. app.ts calls it once per app, then
 * `app.use(passport.session())`. Serializers do not depend on the app, so they are
 * installed once (passport keeps a list, and several test apps share one process).
 */
export function setupPassport(ctx: AppContext): void {
  passport.use('local', localStrategy(createAuthService(ctx)));
  if (serializersInstalled) return;
  serializersInstalled = true;
  passport.serializeUser((user, done) => done(null, (user as Actor).id));
  passport.deserializeUser((id: unknown, done) => {
    // cached for a few seconds per user (viewer-cache.ts: what invalidates, what may be stale)
    (typeof id === 'string' ? viewerCached('actor', id, () => findActor(id)) : findActor(id)).then(
      (actor) => done(null, actor ?? false),
      (err: unknown) => done(err),
    );
  });
}
