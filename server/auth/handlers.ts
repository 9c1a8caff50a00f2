import passport from 'passport';
import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../context';
import { UnauthorizedError } from '../kernel/errors';
import { safeRedirectPath } from '../http/negotiate';
import { parseInput } from '../kernel/validate';
import type { Actor } from '../kernel/actor';
import { actorOf } from '../http/guards';
import { localStrategy } from './passport';
import { INCORRECT_LOGIN, createAuthService, loginSchema, registerSchema, signatureSchema } from './service';

/** A form value to echo back into the page: strings only, never an object a client sent. */
const typed = (v: unknown, max = 300): string => (typeof v === 'string' ? v.slice(0, max) : '');

const publicUser = (a: Actor) => ({ id: a.id, username: a.username, displayName: a.displayName, role: a.role });

/**
 * Request handlers for accounts: each validates, makes one service call and answers with
 * a page or JSON. Sign-in goes through passport (strategy -> AuthService.signIn).
 */
export function authHandlers(ctx: AppContext) {
  const auth = createAuthService(ctx);
  const strategy = localStrategy(auth);
  const sessionCookie = ctx.config.isProduction ? '__Host-forum.sid' : 'forum.sid'; // as named in app.ts
  const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: ctx.config.SUPPORT_TIMEZONE });

  /** Runs the local strategy; resolves with the actor or rejects with the error to show. */
  const checkCredentials = (req: Request, res: Response) =>
    new Promise<Actor>((resolve, reject) => {
      // passport uses a strategy object as given and sets its per-request success/fail
      // callbacks on it, so each request gets its own instance (as passport does for names).
      const perRequest = Object.create(strategy) as typeof strategy;
      const authenticate = passport.authenticate(
        perRequest,
        { session: false },
        (err: unknown, user: Actor | false, info?: { message?: string }) => {
          if (err) return reject(err);
          if (!user) return reject(new UnauthorizedError(info?.message ?? INCORRECT_LOGIN));
          resolve(user);
        },
      ) as RequestHandler;
      authenticate(req, res, reject);
    });

  /** passport 0.7 regenerates the session inside req.login, so the pre-login id is dropped. */
  const startSession = (req: Request, actor: Actor) =>
    new Promise<void>((resolve, reject) => req.login(actor, (err) => (err ? reject(err) : resolve())));

  /** Deletes the session from the store and the cookie from the browser. */
  const endSession = async (req: Request, res: Response) => {
    if (req.session) await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    req.user = undefined;
    res.clearCookie(sessionCookie, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.isProduction });
  };

  const loginForm = (req: Request, username = '') => ({
    title: 'Sign in',
    username,
    next: safeRedirectPath(req.method === 'GET' ? req.query.next : req.body?.next, ''),
  });

  const registerForm = (req: Request) => ({
    title: 'Join the community',
    values: { username: typed(req.body?.username), email: typed(req.body?.email), displayName: typed(req.body?.displayName) },
    next: safeRedirectPath(req.method === 'GET' ? req.query.next : req.body?.next, ''),
  });

  return {
    loginPage: ((req, res) => {
      const form = loginForm(req);
      if (req.user) return res.redirect(form.next || '/');
      res.render('auth/login', form);
    }) satisfies RequestHandler,

    login: (async (req, res) => {
      const form = loginForm(req, typed(req.body?.username));
      req.formView = { view: 'auth/login', locals: form };
      parseInput(loginSchema, req.body);
      await startSession(req, await checkCredentials(req, res));
      res.redirect(303, form.next || '/');
    }) satisfies RequestHandler,

    registerPage: ((req, res) => {
      if (req.user) return res.redirect('/');
      res.render('auth/register', registerForm(req));
    }) satisfies RequestHandler,

    register: (async (req, res) => {
      const form = registerForm(req);
      req.formView = { view: 'auth/register', locals: form };
      const user = await auth.register(parseInput(registerSchema, req.body));
      await startSession(req, user);
      res.redirect(303, form.next || `/users/${encodeURIComponent(user.username)}`);
    }) satisfies RequestHandler,

    logout: (async (req, res) => {
      await endSession(req, res);
      res.redirect(303, '/');
    }) satisfies RequestHandler,

    profilePage: (async (req, res) => {
      const profile = await auth.profile(String(req.params.username));
      res.render('auth/profile', { title: profile.displayName, profile, joined: dateFormat.format(profile.joinedAt) });
    }) satisfies RequestHandler,

    signaturePage: (async (req, res) => {
      const settings = await auth.signatureSettings(actorOf(req));
      res.render('auth/signature', { title: 'Your signature', settings, value: settings.signature, saved: req.query.saved === '1' });
    }) satisfies RequestHandler,

    saveSignature: (async (req, res) => {
      const actor = actorOf(req);
      const value = typed(req.body?.signature, 10_000);
      req.formView = {
        view: 'auth/signature',
        locals: { title: 'Your signature', settings: await auth.signatureSettings(actor), value, saved: false },
      };
      await auth.updateSignature(actor, parseInput(signatureSchema, req.body));
      res.redirect(303, '/settings/signature?saved=1');
    }) satisfies RequestHandler,

    // JSON API: the same service calls as the pages.
    apiSession: ((req, res) => {
      res.json({ user: req.user ? publicUser(req.user) : null, csrfToken: res.locals.csrfToken() });
    }) satisfies RequestHandler,

    apiLogin: (async (req, res) => {
      parseInput(loginSchema, req.body);
      const actor = await checkCredentials(req, res);
      await startSession(req, actor);
      // The CSRF token is bound to the session id, which just changed: hand out the new one.
      res.json({ user: publicUser(actor), csrfToken: res.locals.csrfToken() });
    }) satisfies RequestHandler,

    apiLogout: (async (req, res) => {
      await endSession(req, res);
      res.status(204).end();
    }) satisfies RequestHandler,

    apiRegister: (async (req, res) => {
      const user = await auth.register(parseInput(registerSchema, req.body));
      await startSession(req, user);
      res.status(201).json({ user, csrfToken: res.locals.csrfToken() });
    }) satisfies RequestHandler,

    apiProfile: (async (req, res) => {
      const profile = await auth.profile(String(req.params.username));
      res.json({ user: { ...publicUser(profile), joinedAt: profile.joinedAt.toISOString() } });
    }) satisfies RequestHandler,

    apiSignature: (async (req, res) => {
      res.json(await auth.signatureSettings(actorOf(req)));
    }) satisfies RequestHandler,

    apiSaveSignature: (async (req, res) => {
      res.json(await auth.updateSignature(actorOf(req), parseInput(signatureSchema, req.body)));
    }) satisfies RequestHandler,
  };
}
