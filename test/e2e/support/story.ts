import type { Page } from 'playwright-core';

/** The cast of the support story. Passwords are long enough for the registration rules. */
export const MEMBER = { username: 'priya', email: 'priya@example.test', displayName: 'Priya', password: 'correct horse battery staple' };
export const MODERATOR = { username: 'jsalcedo', displayName: 'Dana Whitfield', password: 'moderator passphrase 42' };
export const READER = { username: 'reader1', displayName: 'Helpful Reader', password: 'reader passphrase 42' };

/** Registration through the form, as a person would do it. */
export async function registerThroughUi(
  page: Page,
  who: { username: string; email: string; displayName: string; password: string },
): Promise<void> {
  await page.goto('/register');
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Email address').fill(who.email);
  await page.getByLabel(/Display name/).fill(who.displayName);
  await page.getByLabel('Password').fill(who.password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/register')),
    page.getByRole('button', { name: 'Create account' }).click(),
  ]);
}

/** Sign-in through the form on the current page (or /login). */
export async function signInThroughUi(page: Page, who: { username: string; password: string }): Promise<void> {
  if (!new URL(page.url()).pathname.startsWith('/login')) await page.goto('/login');
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** Fills the ask form (the current page must be /ask) and posts; resolves with the thread's path. */
export async function askQuestion(page: Page, q: { title: string; body: string }): Promise<string> {
  if (!new URL(page.url()).pathname.startsWith('/ask')) await page.goto('/ask');
  await page.getByLabel('Title').fill(q.title);
  await page.getByLabel('Details').fill(q.body);
  const picker = page.getByRole('group', { name: /Applies to/ });
  await picker.getByRole('checkbox').first().check();
  await Promise.all([page.waitForURL(/\/threads\/[0-9a-f]{24}/), page.getByRole('button', { name: 'Post question' }).click()]);
  await page.getByRole('heading', { level: 1, name: q.title }).waitFor();
  return new URL(page.url()).pathname;
}

/** Posts a public reply through the thread page's form (the current page must be the thread). */
export async function replyOnThread(page: Page, body: string): Promise<void> {
  await page.getByLabel('Reply', { exact: true }).fill(body);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Post reply' }).click()]);
  await page
    .locator('.reply .post-body', { hasText: body.split('\n')[0]!.slice(0, 40) })
    .first()
    .waitFor();
}
