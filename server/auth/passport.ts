import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { AppError } from '../kernel/errors';
import type { Actor } from '../kernel/actor';
import type { Cache } from '../kernel/cache';
import type { AuthService } from './service';

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

/**
 * This app's own passport instance (never the process-wide `passport` default): the local
 * strategy, and the session (de)serializers. The session holds the user id; each request's
 * actor comes from `actors` (a short cache, invalidated by 'viewer.changed', so a role change
 * made in this process applies at once; one made elsewhere within the cache's TTL).
 */
export function createPassport(auth: AuthService, actors: Cache<{ actor: Actor | null }>) {
  const passport = new Passport();
  const strategy = localStrategy(auth);
  passport.use('local', strategy);
  passport.serializeUser((user, done) => done(null, (user as Actor).id));
  passport.deserializeUser((id: unknown, done) => {
    const load =
      typeof id === 'string' ? actors.getOrLoad(id, async () => ({ actor: await auth.findActor(id) })) : Promise.resolve({ actor: null });
    load.then(
      ({ actor }) => done(null, actor ?? false),
      (err: unknown) => done(err),
    );
  });
  return { passport, strategy };
}
