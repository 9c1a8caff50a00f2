import mongoose from 'mongoose';
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

export const collection = (name: string) => mongoose.connection.db!.collection(name);

/** The CSRF token of a rendered form. */
export function formToken(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF field in the page');
  return m[1]!;
}
