import type { Response } from 'supertest';

/** The express-session id inside a response's forum.sid cookie (undefined when not set). */
export function sessionIdFrom(res: Response): string | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  const cookie = raw?.find((c) => c.startsWith('forum.sid='));
  if (!cookie) return undefined;
  const value = decodeURIComponent(cookie.slice('forum.sid='.length).split(';')[0]!);
  if (!value.startsWith('s:')) return undefined;
  return value.slice(2, value.lastIndexOf('.'));
}

/** The raw forum.sid cookie pair ("forum.sid=...") from a response, to replay later. */
export function sessionCookieFrom(res: Response): string | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  return raw?.find((c) => c.startsWith('forum.sid='))?.split(';')[0];
}

export { formToken } from '../../helpers/kit';
