import { Router } from 'express';
import type { AppContext } from '../context';
import { requireStaff, requireUser } from '../http/guards';
import { authHandlers } from './handlers';

/** Accounts: sign-in/out, registration, profiles, staff signatures. One line per route. */
export function authRoutes(ctx: AppContext): Router {
  const h = authHandlers(ctx);
  const { csrf, limit } = ctx;
  const r = Router();
  r.get('/login', h.loginPage);
  r.post('/login', limit('login'), csrf, h.login);
  r.get('/register', h.registerPage);
  r.post('/register', limit('register'), csrf, h.register);
  r.post('/logout', csrf, h.logout);
  r.get('/users/:username', h.profilePage);
  r.get('/settings/signature', requireUser, requireStaff, h.signaturePage);
  r.post('/settings/signature', csrf, requireUser, requireStaff, h.saveSignature);

  r.get('/api/session', h.apiSession);
  r.post('/api/session', limit('login'), csrf, h.apiLogin);
  r.delete('/api/session', csrf, h.apiLogout);
  r.post('/api/users', limit('register'), csrf, h.apiRegister);
  r.get('/api/users/:username', h.apiProfile);
  r.get('/api/settings/signature', requireUser, requireStaff, h.apiSignature);
  r.put('/api/settings/signature', csrf, requireUser, requireStaff, h.apiSaveSignature);
  return r;
}
