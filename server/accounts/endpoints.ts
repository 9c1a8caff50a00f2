import type { Request } from 'express';
import { z } from 'zod';
import { NOTIFICATION_KINDS } from '../../models/notification';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { MAIL_PATHS } from '../mail';
import type { Actor } from '../kernel/actor';
import { AppError } from '../kernel/errors';
import { parseInput } from '../kernel/validate';
import type { Accounts } from './index';
import type { LinkOutcome } from './service';

/** Account tokens are 32 random bytes in base64url (server/mail/account-tokens.ts); a longer path segment is not one. */
const tokenParam = z.string().min(1).max(64);

/** A form value to echo back: strings only. */
const typed = (v: unknown, max = 300): string => (typeof v === 'string' ? v.slice(0, max) : '');

/** IANA zones for the account page's list (Node's Intl data). */
const TIME_ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');

const OUTCOME_TEXT: Record<LinkOutcome, string> = {
  verified: 'Your e-mail address is confirmed. You will now get the e-mail you chose on your account page.',
  already: 'Your e-mail address was already confirmed.',
  taken: 'This address is already confirmed for another account. Sign in to that account, or reset its password.',
  stale: 'Your account uses another address now. Use the newest link we sent, or ask for a new one on your account page.',
  invalid: 'This link is not valid. Ask for a new one on your account page.',
  expired: 'This link has expired. Ask for a new one on your account page.',
  used: 'This link was already used.',
};

class LinkError extends AppError {
  constructor(readonly outcome: LinkOutcome) {
    super(outcome === 'taken' ? 409 : 400, `link_${outcome}`, OUTCOME_TEXT[outcome]);
  }
}

/** Notification preferences from the page form: `pref_<kind>` selects. */
function preferencesFromForm(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kind of NOTIFICATION_KINDS) if (body[`pref_${kind}`] !== undefined) out[kind] = body[`pref_${kind}`];
  return out;
}

/**
 * Account routes: the account page and its JSON twin (GET/PATCH /api/account), password
 * change, resending the verification link, following a verification link (a GET shows a
 * button; the POST uses the link up, so mail scanners that open links do not spend it),
 * asking for a password reset (202 whatever the address) and setting a new password.
 */
export function accountEndpoints(accounts: Accounts): AnyEndpoint[] {
  const accountLocals = async (actor: Actor | null, extra: Record<string, unknown> = {}) => ({
    title: 'Your account',
    ...(await accounts.page(actor)),
    zones: TIME_ZONES,
    saved: null,
    ...extra,
  });
  const accountForm = (section: string) => async (req: Request) => ({
    view: 'accounts/account',
    locals: await accountLocals(req.user ?? null, { section, typedEmail: typed(req.body?.email, 320) }),
  });
  const pageUpdate = (section: 'profile' | 'email' | 'notifications') =>
    endpoint({
      page: `POST /account/${section}`,
      access: 'user',
      limit: section === 'email' ? 'login' : undefined,
      input: (req) => {
        const b = (req.body ?? {}) as Record<string, unknown>;
        if (section === 'profile') return { displayName: b.displayName, timeZone: b.timeZone };
        if (section === 'email') return { email: b.email, currentPassword: b.currentPassword };
        return { notifications: preferencesFromForm(b) };
      },
      run: ({ actor, input }) => accounts.update(actor, input),
      html: (res, r) => res.redirect(303, `/account?saved=${section}${r.verificationSentTo ? '&sent=1' : ''}#${section}`),
      form: accountForm(section),
    });

  return [
    endpoint({
      page: 'GET /account',
      api: 'GET /api/account',
      access: 'user',
      noStore: true,
      run: ({ actor, req }) =>
        accountLocals(actor, { saved: typeof req.query.saved === 'string' ? req.query.saved : null, sent: req.query.sent === '1' }),
      html: (res, locals) => res.render('accounts/account', locals),
      json: (locals) => accountJson(locals),
    }),
    endpoint({
      api: 'PATCH /api/account',
      access: 'user',
      limit: (req) => (req.body?.email !== undefined ? 'login' : undefined),
      noStore: true,
      input: (req) => req.body as unknown,
      run: ({ actor, input }) => accounts.update(actor, input),
      json: (r) => ({ ...accountJson(r), verificationSentTo: r.verificationSentTo }),
    }),
    pageUpdate('profile'),
    pageUpdate('email'),
    pageUpdate('notifications'),
    endpoint({
      page: 'POST /account/password',
      api: 'POST /api/account/password',
      access: 'user',
      limit: 'login',
      input: (req) => ({ currentPassword: req.body?.currentPassword, newPassword: req.body?.newPassword }),
      run: ({ actor, input, req }) => accounts.changePassword(actor, input, req.sessionID),
      html: (res) => res.redirect(303, '/account?saved=password#password'),
      form: accountForm('password'),
    }),
    endpoint({
      page: 'POST /account/verification',
      api: 'POST /api/account/verification',
      access: 'user',
      limit: 'register',
      run: ({ actor }) => accounts.requestVerification(actor),
      html: (res) => res.redirect(303, '/account?sent=1#email'),
      status: 202,
      form: accountForm('email'),
    }),
    endpoint({
      page: `GET ${MAIL_PATHS.verifyEmail}`,
      access: 'public',
      noStore: true,
      input: (req) => parseInput(tokenParam, req.params.token),
      run: ({ input }) => input,
      html: (res, token) => res.render('accounts/verify', { title: 'Confirm your e-mail address', token, outcome: null }),
    }),
    endpoint({
      page: `POST ${MAIL_PATHS.verifyEmail}`,
      api: 'POST /api/verify-email/:token',
      access: 'public',
      noStore: true,
      input: (req) => parseInput(tokenParam, req.params.token),
      run: async ({ input }) => {
        const outcome = await accounts.verifyEmail(input);
        if (outcome !== 'verified' && outcome !== 'already') throw new LinkError(outcome);
        return outcome;
      },
      html: (res, outcome) =>
        res.render('accounts/verify', { title: 'E-mail address confirmed', token: null, outcome: OUTCOME_TEXT[outcome] }),
      json: (outcome) => ({ result: outcome }),
      form: () => ({ view: 'accounts/verify', locals: { title: 'Confirm your e-mail address', token: null, outcome: null } }),
    }),
    endpoint({
      page: 'GET /password-reset',
      access: 'public',
      run: () => undefined,
      html: (res) => res.render('accounts/reset-request', { title: 'Reset your password', email: '', sent: false }),
    }),
    endpoint({
      page: 'POST /password-reset',
      api: 'POST /api/password-reset',
      access: 'public',
      limit: 'register',
      noStore: true,
      input: (req) => ({ email: req.body?.email }),
      run: ({ input }) => accounts.requestPasswordReset(input),
      html: (res, _r, { req }) =>
        res.status(202).render('accounts/reset-request', { title: 'Check your e-mail', email: typed(req.body?.email, 320), sent: true }),
      json: () => ({
        message: 'If an account uses this address, we sent it a link to reset the password. The link works once, for one hour.',
      }),
      status: 202,
      form: (req) => ({
        view: 'accounts/reset-request',
        locals: { title: 'Reset your password', email: typed(req.body?.email, 320), sent: false },
      }),
    }),
    endpoint({
      page: `GET ${MAIL_PATHS.passwordReset}`,
      access: 'public',
      noStore: true,
      input: (req) => parseInput(tokenParam, req.params.token),
      run: ({ input }) => input,
      html: (res, token) => res.render('accounts/reset', { title: 'Choose a new password', token, done: false }),
    }),
    endpoint({
      page: `POST ${MAIL_PATHS.passwordReset}`,
      api: 'POST /api/password-reset/:token',
      access: 'public',
      limit: 'login',
      noStore: true,
      input: (req) => ({ token: parseInput(tokenParam, req.params.token), body: { password: req.body?.password } }),
      run: ({ input }) => accounts.resetPassword(input.token, input.body),
      html: (res) => res.render('accounts/reset', { title: 'Password changed', token: null, done: true }),
      json: () => ({ message: 'Your password was changed. Every session of the account was signed out: sign in with the new password.' }),
      form: (req, err) => ({
        view: 'accounts/reset',
        // A used or expired link cannot be tried again: no form then.
        locals: { title: 'Choose a new password', token: err?.code.startsWith('link_') ? null : String(req.params.token), done: false },
      }),
    }),
  ];
}

function accountJson(p: Awaited<ReturnType<Accounts['page']>>) {
  const a = p.account;
  return {
    account: {
      id: a.id,
      username: a.username,
      displayName: a.displayName,
      email: a.email,
      emailVerified: a.emailVerified,
      pendingEmail: a.pendingEmail,
      timeZone: a.timeZone,
      notifications: Object.fromEntries(p.preferences.map((r) => [r.kind, r.delivery])),
    },
  };
}
