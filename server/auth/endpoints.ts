import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config';
import type { Actor } from '../kernel/actor';
import { UnauthorizedError } from '../kernel/errors';
import { parseInput } from '../kernel/validate';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { safeRedirectPath } from '../http/redirect';
import type { Auth } from './index';
import { INCORRECT_LOGIN, loginSchema, registerSchema, signatureSchema } from './service';

/** A form value to echo back into the page: strings only, never an object a client sent. */
const typed = (v: unknown, max = 300): string => (typeof v === 'string' ? v.slice(0, max) : '');

/** A member's public activity for their profile; provided by the composition root (the threads domain), which auth cannot import. */
export interface ProfileActivity {
  questions: Array<{ id: string; title: string; url: string; status: string; replyCount: number; createdAt: Date }>;
  questionCount: number;
  replies: Array<{ id: string; threadId: string; threadTitle: string; url: string; createdAt: Date; accepted: boolean }>;
  replyCount: number;
}

export interface ProfileExtras {
  activity(userId: string): Promise<ProfileActivity>;
}

const NO_ACTIVITY: ProfileActivity = { questions: [], questionCount: 0, replies: [], replyCount: 0 };

const publicUser = (a: Actor) => ({ id: a.id, username: a.username, displayName: a.displayName, role: a.role });

/** Account routes. Sign-in goes through this app's passport instance (strategy -> AuthService.signIn). */
export function authEndpoints(auth: Auth, config: Config, extras?: ProfileExtras): AnyEndpoint[] {
  const sessionCookie = config.isProduction ? '__Host-forum.sid' : 'forum.sid'; // as named in server/app.ts

  /** Runs the local strategy; resolves with the actor or rejects with the error to show. */
  const checkCredentials = (req: Request, res: Response) =>
    new Promise<Actor>((resolve, reject) => {
      // passport uses a strategy object as given and sets its per-request success/fail
      // callbacks on it, so each request gets its own instance (as passport does for names).
      const perRequest = Object.create(auth.strategy) as typeof auth.strategy;
      const authenticate = auth.passport.authenticate(
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
    res.clearCookie(sessionCookie, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.isProduction });
  };

  const nextOf = (req: Request) => safeRedirectPath(req.method === 'GET' ? req.query.next : req.body?.next, '');
  const loginForm = (req: Request, username = '') => ({ title: 'Sign in', username, next: nextOf(req) });
  const registerForm = (req: Request) => ({
    title: 'Join the community',
    values: { username: typed(req.body?.username), email: typed(req.body?.email), displayName: typed(req.body?.displayName) },
    next: nextOf(req),
  });
  const signatureLocals = async (actor: Actor | null, value?: string, saved = false) => {
    const settings = await auth.signatureSettings(actor);
    return { title: 'Your signature', settings, value: value ?? settings.signature, saved };
  };

  return [
    endpoint({
      page: 'GET /login',
      access: 'public',
      run: () => undefined,
      html: (res, _r, { req, actor }) => {
        const form = loginForm(req);
        if (actor) return res.redirect(form.next || '/');
        res.render('auth/login', form);
      },
    }),
    endpoint({
      page: 'POST /login',
      api: 'POST /api/session',
      access: 'public',
      limit: 'login',
      input: (req) => parseInput(loginSchema, req.body),
      run: async ({ req, res }) => {
        const actor = await checkCredentials(req, res);
        await startSession(req, actor);
        return actor;
      },
      html: (res, _actor, { req }) => res.redirect(303, nextOf(req) || '/'),
      // The CSRF token is bound to the session id, which just changed: hand out the new one.
      json: (actor, { res }) => ({ user: publicUser(actor), csrfToken: res.locals.csrfToken() }),
      form: (req) => ({ view: 'auth/login', locals: loginForm(req, typed(req.body?.username)) }),
    }),
    endpoint({
      page: 'GET /register',
      access: 'public',
      run: () => undefined,
      html: (res, _r, { req, actor }) => (actor ? res.redirect('/') : res.render('auth/register', registerForm(req))),
    }),
    endpoint({
      page: 'POST /register',
      api: 'POST /api/users',
      access: 'public',
      limit: 'register',
      input: (req) => parseInput(registerSchema, req.body),
      run: async ({ req, input }) => {
        const user = await auth.register(input);
        await startSession(req, user);
        return user;
      },
      html: (res, user, { req }) => res.redirect(303, nextOf(req) || `/users/${encodeURIComponent(user.username)}`),
      json: (user, { res }) => ({ user, csrfToken: res.locals.csrfToken() }),
      status: 201,
      form: (req) => ({ view: 'auth/register', locals: registerForm(req) }),
    }),
    endpoint({
      page: 'POST /logout',
      api: 'DELETE /api/session',
      access: 'public',
      run: ({ req, res }) => endSession(req, res),
      html: (res) => res.redirect(303, '/'),
      json: () => undefined,
    }),
    endpoint({
      api: 'GET /api/session',
      access: 'public',
      run: ({ actor }) => actor,
      json: (actor, { res }) => ({ user: actor ? publicUser(actor) : null, csrfToken: res.locals.csrfToken() }),
    }),
    endpoint({
      page: 'GET /users/:username',
      api: 'GET /api/users/:username',
      access: 'public',
      run: async ({ req }) => {
        const profile = await auth.profile(String(req.params.username));
        return { profile, activity: extras ? await extras.activity(profile.id) : NO_ACTIVITY };
      },
      html: (res, { profile, activity }) => res.render('auth/profile', { title: profile.displayName, profile, activity }),
      json: ({ profile, activity }) => ({
        user: { ...publicUser(profile), joinedAt: profile.joinedAt.toISOString() },
        activity: {
          questionCount: activity.questionCount,
          questions: activity.questions.map((q) => ({
            id: q.id,
            title: q.title,
            url: q.url,
            status: q.status,
            replyCount: q.replyCount,
            createdAt: q.createdAt,
          })),
          replyCount: activity.replyCount,
          replies: activity.replies,
        },
      }),
    }),
    endpoint({
      page: 'GET /settings/signature',
      api: 'GET /api/settings/signature',
      access: 'staff',
      run: ({ actor, req }) => signatureLocals(actor, undefined, req.query.saved === '1'),
      html: (res, locals) => res.render('auth/signature', locals),
      json: (locals) => locals.settings,
    }),
    endpoint({
      page: 'POST /settings/signature',
      api: 'PUT /api/settings/signature',
      access: 'staff',
      input: (req) => parseInput(signatureSchema, req.body),
      run: ({ actor, input }) => auth.updateSignature(actor, input),
      html: (res) => res.redirect(303, '/settings/signature?saved=1'),
      form: async (req) => ({
        view: 'auth/signature',
        locals: await signatureLocals(req.user ?? null, typed(req.body?.signature, 10_000)),
      }),
    }),
  ];
}
