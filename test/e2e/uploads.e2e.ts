import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import type { Browser, Page } from 'playwright-core';
import { startE2EServer, type E2EServer } from './support/server';
import { describeViolations, launchBrowser, newPerson, runAxe, screenshot } from './support/browser';
import { askQuestion, registerThroughUi, signInThroughUi, MEMBER } from './support/story';
import { renderScreenshot, solid } from '../helpers/images';

/**
 * Screenshots in replies with JavaScript on (public/js/uploads.js): a pasted screenshot is
 * uploaded, described and posted; one showing an access code is held by the screenshot guard,
 * an extra area is drawn on it, and it is blurred and posted; dropped and chosen files upload
 * with a progress bar. Without JavaScript, the file input and "Upload and insert" add the
 * reference to the text. Real OCR (one worker).
 */

/**
 * Runs in the page (waitForFunction): whether the image `selector` finds has loaded. A function,
 * not a string: Playwright evaluates a string predicate with eval() each time it polls, which
 * the forum's Content-Security-Policy (script-src 'self') refuses.
 */
const imageLoaded = (selector: string): boolean =>
  ((globalThis as unknown as { document: { querySelector(s: string): { naturalWidth: number } | null } }).document.querySelector(selector)
    ?.naturalWidth ?? 0) > 0;

describe('e2e: screenshots in replies (paste, the screenshot guard, blur)', function () {
  let server: E2EServer;
  let browser: Browser;
  let member: Page;
  let threadUrl = '';

  const version = () =>
    renderScreenshot([
      { text: 'About Microsoft Word', x: 80, y: 140, size: 26 },
      { text: 'Version 2402 (Build 17328.20184 Click-to-Run)', x: 80, y: 220, size: 20 },
    ]);
  const code = (value: string) =>
    renderScreenshot([
      { text: 'Redeem your exam voucher', x: 80, y: 140, size: 26 },
      { text: 'Your access code:', x: 80, y: 220, size: 22 },
      { text: value, x: 330, y: 220, size: 22, font: 'DejaVu Sans Mono' },
    ]);

  /** Pastes a PNG into a textarea the way a browser does: a paste event carrying a File. */
  async function paste(page: Page, selector: string, png: Buffer, name: string): Promise<void> {
    await page.locator(selector).focus();
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(png.toString('base64'))}), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], ${JSON.stringify(name)}, { type: 'image/png' }));
      document.querySelector(${JSON.stringify(selector)}).dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
    })()`);
  }

  /** Drops a file on a textarea the way a browser does: a drop event carrying a File. */
  async function drop(page: Page, selector: string, png: Buffer, name: string): Promise<void> {
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(png.toString('base64'))}), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], ${JSON.stringify(name)}, { type: 'image/png' }));
      const target = document.querySelector(${JSON.stringify(selector)});
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    })()`);
  }

  /** Records every upload progress bar the page shows: its last value when it is taken away. */
  const watchProgress = (page: Page) =>
    page.evaluate(`(() => {
      window.__progress = [];
      new MutationObserver((records) => records.forEach((r) => r.removedNodes.forEach((n) => {
        if (n.nodeName === 'PROGRESS') window.__progress.push({ label: n.getAttribute('aria-label'), value: n.value, max: n.max });
      }))).observe(document.body, { subtree: true, childList: true });
    })()`);
  const progressSeen = (page: Page) => page.evaluate('window.__progress') as Promise<{ label: string; value: number; max: number }[]>;

  const textarea = (page: Page) => page.locator('#reply-body').inputValue();
  const status = (page: Page, url: string) => page.evaluate(`fetch(${JSON.stringify(url)}).then((r) => r.status)`) as Promise<number>;

  before(async () => {
    server = await startE2EServer({ env: { OCR_WORKERS: '1', OCR_PUBLISH_WAIT_MS: '60000' } });
    browser = await launchBrowser();
    member = (await newPerson(browser, server.url)).page;
    await registerThroughUi(member, MEMBER);
    threadUrl = await askQuestion(member, {
      title: 'Word shows an error after the last update',
      body: 'Since the update Word shows an error when I open any document.',
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') this.test?.parent?.tests.forEach((t) => ((t as { pending: boolean }).pending = true));
  });

  it('a pasted screenshot in a reply: uploaded with progress, described, checked, posted and shown', async () => {
    await member.goto(threadUrl);
    // With JavaScript the no-JS controls give way to pasting and dropping.
    assert.equal(await member.getByRole('button', { name: 'Upload and insert' }).isVisible(), false);
    await watchProgress(member);
    await member.locator('#reply-body').fill('Here is my About dialog:');
    await paste(member, '#reply-body', await version(), 'about-word.png');
    const alt = member.getByLabel('Description of this image (for people who cannot see it)');
    await alt.waitFor();
    assert.equal(await alt.inputValue(), 'about-word');
    assert.deepEqual(await progressSeen(member), [{ label: 'Upload progress', value: 100, max: 100 }]);
    const id = await member.locator('.attach-item').getAttribute('data-upload-id');
    assert.match(id ?? '', /^[0-9a-f]{24}$/);
    assert.equal(await textarea(member), `Here is my About dialog:\n\n![about-word](/uploads/${id})`);
    await alt.fill('Word About dialog showing version 2402');
    assert.equal(await textarea(member), `Here is my About dialog:\n\n![Word About dialog showing version 2402](/uploads/${id})`);
    await member.locator('.attach-guard', { hasText: 'No private information found in this image.' }).waitFor({ timeout: 60_000 });
    await Promise.all([member.waitForURL(/#reply-/), member.getByRole('button', { name: 'Post reply' }).click()]);
    const img = member.locator(`.reply a.upload-image[href="/uploads/${id}"] img[alt="Word About dialog showing version 2402"]`);
    await img.waitFor();
    await member.waitForFunction(imageLoaded, 'a.upload-image img');
    const anonymous = (await newPerson(browser, server.url)).page;
    await anonymous.goto(threadUrl);
    assert.equal(await status(anonymous, `/uploads/${id}`), 200);
  });

  it('a held screenshot: the guard boxes the code, the member marks one more area, blurs and posts', async () => {
    await member.goto(threadUrl);
    await member.locator('#reply-body').fill('The voucher page says:');
    await paste(member, '#reply-body', await code('K7QP-2M9X-D4LT'), 'voucher.png');
    await member.locator('.attach-item[data-upload-id]').waitFor();
    const held = await member.locator('.attach-item').getAttribute('data-upload-id');
    // Posted before reading the warning: the server holds it.
    await Promise.all([member.waitForLoadState('load'), member.getByRole('button', { name: 'Post reply' }).click()]);
    const panel = member.getByRole('region', { name: 'Private information found' });
    await panel.waitFor();
    await panel.getByText('Access code in an image').waitFor();
    const area = panel.getByRole('checkbox', { name: 'Area 1: Access code' });
    assert.equal(await area.isChecked(), true);
    const image = panel.locator(`img[src="/uploads/${held}/guard"]`);
    await member.waitForFunction(imageLoaded, '.guard-image img');

    // Draw one more rectangle over the heading (drag on the image).
    await image.scrollIntoViewIfNeeded();
    const box = (await image.boundingBox())!;
    await member.mouse.move(box.x + box.width * 0.05, box.y + box.height * 0.14);
    await member.mouse.down();
    await member.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2, { steps: 5 });
    await member.mouse.up();
    const own = panel.getByRole('checkbox', { name: 'Your area 1' });
    assert.equal(await own.isChecked(), true);
    assert.match((await own.getAttribute('value')) ?? '', new RegExp(`^${held}:\\d+,\\d+,\\d+,\\d+$`));
    await screenshot(member, 'screenshot-guard', { keepScroll: true });
    const violations = (await runAxe(member)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(
      violations.map((v) => v.id),
      [],
      describeViolations('guard panel', violations),
    );

    await Promise.all([member.waitForURL(/#reply-/), panel.getByRole('button', { name: 'Blur these areas and post' }).click()]);
    const posted = member.locator('.reply', { hasText: 'The voucher page says:' }).locator('a.upload-image');
    await posted.waitFor();
    const href = (await posted.getAttribute('href'))!;
    assert.notEqual(href, `/uploads/${held}`);
    assert.equal(await status(member, `/uploads/${held}`), 404, 'the original is gone');
    assert.equal(await status(member, href), 200);
  });

  it('before posting: the warning appears, the blur tool opens with the found areas, and the blurred copy replaces the image', async () => {
    await member.goto(threadUrl);
    await member.locator('#reply-body').fill('Second try:');
    await paste(member, '#reply-body', await code('W4RT-9KQ2-XM7P'), 'voucher-2.png');
    await member.locator('.attach-guard-found', { hasText: 'Access code' }).waitFor({ timeout: 60_000 });
    const before = await member.locator('.attach-item').getAttribute('data-upload-id');
    await member.locator('.blur-tool').getByText('1 area marked.').waitFor();
    await member.getByRole('button', { name: 'Blur the marked areas' }).click();
    await member.locator('.attach-guard', { hasText: 'No private information found in this image.' }).waitFor({ timeout: 60_000 });
    const after = await member.locator('.attach-item').getAttribute('data-upload-id');
    assert.notEqual(after, before);
    assert.equal(await textarea(member), `Second try:\n\n![voucher-2](/uploads/${after})`);
    await Promise.all([member.waitForURL(/#reply-/), member.getByRole('button', { name: 'Post reply' }).click()]);
    await member.locator(`a.upload-image[href="/uploads/${after}"]`).waitFor();
  });

  it('a dropped screenshot and one chosen with the button upload with a progress bar and are inserted at the cursor', async () => {
    await member.goto(threadUrl);
    await watchProgress(member);
    await member.locator('#reply-body').fill('Before and after:');
    await drop(member, '#reply-body', await solid(640, 400, 'png', '#cc3333'), 'before.png');
    await member.locator('.attach-item[data-upload-id]').first().waitFor();
    const chooser = member.getByLabel('Image (PNG, JPEG, WebP or GIF)');
    await chooser.setInputFiles({ name: 'after.png', mimeType: 'image/png', buffer: await solid(640, 400, 'png', '#33cc33') });
    await member.locator('.attach-item[data-upload-id]').nth(1).waitFor();
    const ids = await member.locator('.attach-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-upload-id')));
    assert.equal(ids.length, 2);
    assert.equal(await textarea(member), `Before and after:\n\n![before](/uploads/${ids[0]})\n\n![after](/uploads/${ids[1]})`);
    assert.equal(await chooser.inputValue(), '', 'the chosen file is uploaded already and not sent again with the form');
    const bars = await progressSeen(member);
    assert.equal(bars.length, 2, 'one progress bar per upload');
    for (const bar of bars) assert.deepEqual(bar, { label: 'Upload progress', value: 100, max: 100 });
  });

  it('without JavaScript: a file input and "Upload and insert" add the reference to the text, which is kept, and the reply posts', async () => {
    const { page, context } = await newPerson(browser, server.url, { javaScriptEnabled: false });
    try {
      await signInThroughUi(page, MEMBER);
      await page.goto(threadUrl);
      await page.getByLabel('Reply', { exact: true }).fill('Without scripts, my settings page:');
      await page.getByLabel('Image (PNG, JPEG, WebP or GIF)').setInputFiles({
        name: 'settings-page.png',
        mimeType: 'image/png',
        buffer: await solid(800, 500, 'png', '#3366cc'),
      });
      await page.getByLabel('Describe the image for people who cannot see it (optional)').fill('Settings page');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Upload and insert' }).click()]);
      const body = await page.getByLabel('Reply', { exact: true }).inputValue();
      const m = /^Without scripts, my settings page:\n\n!\[Settings page\]\(\/uploads\/([0-9a-f]{24})\)$/.exec(body);
      assert.ok(m, `the reference is appended to the text: ${JSON.stringify(body)}`);
      const upload = await server.forum.col('uploads').findOne({ _id: new ObjectId(m[1]) });
      assert.deepEqual(
        [upload?.ownerUsername, upload?.scope, upload?.alt, upload?.width],
        [MEMBER.username, 'public', 'Settings page', 800],
      );
      await Promise.all([page.waitForURL(/#reply-/), page.getByRole('button', { name: 'Post reply' }).click()]);
      await page.locator(`.reply a.upload-image[href="/uploads/${m[1]}"] img[alt="Settings page"]`).waitFor();
    } finally {
      await context.close();
    }
  });
});
