import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startE2EServer, type E2EServer } from './support/server';
import { describeViolations, launchBrowser, newPerson, runAxe, screenshot, type AxeViolation } from './support/browser';
import { askQuestion, signInThroughUi, registerThroughUi, MODERATOR, READER, MEMBER } from './support/story';

/**
 * axe-core on every main page (no serious or critical violations; the rest are printed),
 * labels on every control, the rating widgets as real radio groups, and a keyboard-only
 * walk through part of the story with a visible focus indicator at every stop.
 */
describe('e2e: accessibility (axe-core, labels, keyboard only)', function () {
  let server: E2EServer;
  let browser: Browser;
  let member: Page;
  let moderator: Page;
  let reader: Page;
  let anonymous: Page;
  let threadUrl = '';
  let conversationUrl = '';
  const report: string[] = [];

  before(async () => {
    server = await startE2EServer();
    await server.createUser({ ...MODERATOR, role: 'moderator' });
    await server.createUser(READER);
    browser = await launchBrowser();
    member = (await newPerson(browser, server.url)).page;
    moderator = (await newPerson(browser, server.url)).page;
    reader = (await newPerson(browser, server.url)).page;
    anonymous = (await newPerson(browser, server.url)).page;

    // Enough of the story for every page to have content.
    await registerThroughUi(member, MEMBER);
    threadUrl = await askQuestion(member, {
      title: 'Expired access code for my cloud admin certification',
      body: 'My access code has expired. Where do I request a new one?',
    });
    await signInThroughUi(moderator, MODERATOR);
    await moderator.goto(threadUrl);
    await moderator.getByRole('button', { name: 'Request your certification ID privately' }).click();
    await moderator.waitForURL(/\/messages\/[0-9a-f]{24}/);
    conversationUrl = new URL(moderator.url()).pathname;
    await signInThroughUi(reader, READER);
  });
  after(async () => {
    if (report.length) console.log(`\n    axe findings below "serious" (not failures):\n${report.join('\n')}\n`);
    await browser?.close();
    await server?.close();
  });

  async function audit(page: Page, name: string): Promise<void> {
    const violations = await runAxe(page);
    const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const rest = violations.filter((v) => !blocking.includes(v));
    if (rest.length) report.push(describeViolations(name, rest));
    assert.deepEqual(
      blocking.map((v) => v.id),
      [],
      `serious/critical axe violations on ${name}:\n${describeViolations(name, blocking)}`,
    );
    await assertEveryControlLabelled(page, name);
  }

  it('keyboard only: the moderator tabs to the reply form, types, and posts with Enter', async () => {
    await moderator.goto(threadUrl);
    await tabUntil(moderator, (el) => el.id === 'reply-body');
    await moderator.keyboard.type('Hi! We sent you a new access code by private message. Did this solve your problem?');
    await tabUntil(moderator, (el) => el.tag === 'BUTTON' && el.text === 'Post reply');
    await Promise.all([moderator.waitForURL(/\/threads\//), moderator.keyboard.press('Enter')]);
    await moderator.locator('.reply-staff', { hasText: 'We sent you a new access code' }).waitFor();
  });

  it('keyboard only: the asker reaches "Did this solve your problem? Yes" and presses it', async () => {
    await member.goto(threadUrl);
    await tabUntil(member, (el) => el.tag === 'BUTTON' && el.text === 'Yes' && el.inside === 'solved-prompt');
    await Promise.all([member.waitForLoadState('load'), member.keyboard.press('Enter')]);
    await member.locator('.accepted-answer').waitFor();
  });

  it('keyboard only: a reader votes helpful and picks a rating with the arrow keys', async () => {
    await reader.goto(threadUrl);
    const feedback = reader.locator('.replies .reply-feedback').first();
    await tabUntil(reader, (el) => el.tag === 'BUTTON' && el.text === 'Yes' && el.inside === 'fb-helpful');
    await reader.keyboard.press('Enter');
    await feedback.getByText('Great! Thanks for your feedback.').waitFor();

    // The rating is a real radio group: a fieldset with a legend, five radios of one name.
    const group = feedback.getByRole('group', { name: 'How satisfied are you with this reply?' });
    assert.equal(await group.getByRole('radio').count(), 5);
    assert.deepEqual(
      new Set(await group.getByRole('radio').evaluateAll((els) => els.map((e) => (e as unknown as { name: string }).name))).size,
      1,
    );

    await tabUntil(reader, (el) => el.tag === 'INPUT' && el.type === 'radio');
    await reader.keyboard.press('Space'); // 1
    for (let i = 0; i < 4; i++) await reader.keyboard.press('ArrowRight');
    assert.ok(await group.getByRole('radio', { name: /^5/ }).isChecked(), 'arrow keys move the choice to 5');
    assert.ok(
      await group
        .getByRole('radio', { name: /^5/ })
        .evaluate((e) => e === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement),
    );
    await tabUntil(reader, (el) => el.tag === 'BUTTON' && el.text === 'Send rating');
    await reader.keyboard.press('Enter');
    await feedback.getByText('Thanks for your feedback, it helps us improve the site.').waitFor();
  });

  it('the skip link is the first stop and moves focus to the main content', async () => {
    await anonymous.goto('/');
    await anonymous.keyboard.press('Tab');
    const first = await focused(anonymous);
    assert.equal(first.text, 'Skip to content');
    assert.ok(first.outline, 'the skip link shows a focus indicator');
    await screenshot(anonymous, 'focus-skip-link', { keepFocus: true });
    await anonymous.keyboard.press('Enter');
    assert.equal((await focused(anonymous)).id, 'main');
  });

  const pages: Array<[string, () => Page, () => string]> = [
    ['list', () => anonymous, () => '/'],
    ['thread (signed out)', () => anonymous, () => threadUrl],
    ['thread (asker)', () => member, () => threadUrl],
    ['thread (reader, rated)', () => reader, () => threadUrl],
    ['thread (moderator)', () => moderator, () => threadUrl],
    ['ask', () => member, () => '/ask'],
    ['inbox', () => member, () => '/messages'],
    ['conversation', () => member, () => conversationUrl],
    ['new message', () => moderator, () => '/messages/new'],
    ['notifications', () => member, () => '/notifications'],
    ['dashboard', () => moderator, () => '/support/dashboard'],
    ['queue', () => moderator, () => '/support/queue'],
    ['sign-in', () => anonymous, () => '/login'],
    ['join', () => anonymous, () => '/register'],
    ['profile', () => anonymous, () => `/users/${MEMBER.username}`],
  ];
  for (const [name, who, url] of pages) {
    it(`axe: ${name}`, async () => {
      const page = who();
      const res = await page.goto(url());
      assert.equal(res?.status(), 200);
      await audit(page, name);
    });
  }

  it('axe: search', async () => {
    const res = await anonymous.goto('/search?q=access+code');
    assert.equal(res?.status(), 200);
    await audit(anonymous, 'search');
  });

  it('axe: a form shown again with errors', async () => {
    await anonymous.goto('/login');
    await anonymous.getByLabel('Username').fill('nobody');
    await anonymous.getByLabel('Password').fill('wrong password');
    await anonymous.getByRole('button', { name: 'Sign in' }).click();
    await anonymous.locator('#form-error, .notice-error').first().waitFor();
    await audit(anonymous, 'sign-in with an error');
  });
});

interface Focused {
  tag: string;
  id: string;
  type: string;
  text: string;
  inside: string;
  outline: boolean;
}

/** What has the keyboard focus, and whether it is visibly marked (outline or box-shadow). */
async function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const g = globalThis as unknown as {
      document: {
        activeElement: null | {
          tagName: string;
          id: string;
          type?: string;
          textContent: string | null;
          closest(s: string): { className: string } | null;
        };
      };
      getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string; boxShadow: string };
    };
    const el = g.document.activeElement;
    if (!el) return { tag: '', id: '', type: '', text: '', inside: '', outline: false };
    const s = g.getComputedStyle(el);
    const outline = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || (s.boxShadow !== 'none' && s.boxShadow !== '');
    const form = el.closest('form');
    return {
      tag: el.tagName,
      id: el.id,
      type: el.type ?? '',
      text: (el.textContent ?? '').trim(),
      inside: form ? (form.className.split(' ')[0] ?? '') : '',
      outline,
    };
  });
}

/** Presses Tab until `want` matches the focused element; every stop must show its focus. */
async function tabUntil(page: Page, want: (el: Focused) => boolean, max = 80): Promise<Focused> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = await focused(page);
    if (el.tag && el.tag !== 'BODY') assert.ok(el.outline, `no visible focus indicator on ${el.tag}#${el.id} "${el.text.slice(0, 40)}"`);
    if (want(el)) return el;
  }
  throw new Error(`not reached with ${max} presses of Tab`);
}

/** Every visible form control has an accessible name from a label (or aria-label/labelledby). */
async function assertEveryControlLabelled(page: Page, name: string): Promise<void> {
  const unlabelled = await page.evaluate(() => {
    type El = {
      tagName: string;
      id: string;
      type?: string;
      hidden: boolean;
      offsetParent: unknown;
      labels?: { length: number } | null;
      getAttribute(n: string): string | null;
      closest(s: string): unknown;
      outerHTML: string;
    };
    const g = globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<El> } };
    const out: string[] = [];
    for (const el of Array.from(g.document.querySelectorAll('input, select, textarea'))) {
      if (el.type === 'hidden') continue;
      if (el.offsetParent === null && el.type !== 'radio' && el.type !== 'checkbox') continue; // not rendered
      const named =
        (el.labels && el.labels.length > 0) ||
        el.getAttribute('aria-label') ||
        el.getAttribute('aria-labelledby') ||
        el.getAttribute('title');
      if (!named) out.push(el.outerHTML.slice(0, 160));
    }
    return out;
  });
  assert.deepEqual(unlabelled, [], `controls without a label on ${name}`);
}

export type { AxeViolation };
