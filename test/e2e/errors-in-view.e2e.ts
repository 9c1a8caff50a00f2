import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startE2EServer, type E2EServer } from './support/server';
import { launchBrowser } from './support/browser';
import { signInThroughUi, MEMBER } from './support/story';

const PHONE = { width: 390, height: 844 };
// One long unbroken token after the code: what used to push the <pre> past the screen.
const REFUSED = `It still fails. Here is the code 7KQ2XM9P4RT8 and the log line ${'x'.repeat(160)}`;

/**
 * Issue 18 item 10: a reply refused by the public-post guard on a long thread. The page must
 * land on the error (focused and in view), not on the thread's top, and the highlighted copy
 * must wrap at a phone's width. With scripts off too: `autofocus` on the error does it.
 */
for (const javaScriptEnabled of [true, false]) {
  describe(`e2e: a refused reply shows its error in view at 390 px (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, function () {
    let server: E2EServer;
    let browser: Browser;
    let page: Page;
    let threadUrl = '';

    before(async () => {
      server = await startE2EServer();
      await server.createUser(MEMBER);
      const asker = await server.forum.person('member', { name: 'asker' });
      const helper = await server.forum.person('member', { name: 'helper' });
      const thread = await asker.ask({ title: 'Sync stops after the update', body: 'The sync stops after about a minute.' });
      for (let i = 0; i < 12; i++) {
        await server.forum.services.threads.createReply(helper.actor, thread.id, {
          body: Array.from({ length: 6 }, (_, p) => `Reply ${i}, paragraph ${p}: steps I tried that did not help.`).join('\n\n'),
        });
      }
      threadUrl = thread.url;
      browser = await launchBrowser();
      const context = await browser.newContext({ baseURL: server.url, viewport: PHONE, javaScriptEnabled, locale: 'en-US' });
      context.setDefaultTimeout(15_000);
      page = await context.newPage();
      await signInThroughUi(page, MEMBER);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it('focuses the error, scrolls it into view, and wraps the flagged text', async () => {
      await page.goto(threadUrl);
      await page.getByLabel('Reply', { exact: true }).fill(REFUSED);
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Post reply' }).click()]);
      const error = page.locator('#form-error');
      await error.waitFor();
      assert.match(await error.innerText(), /\S/);
      assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'form-error');
      const box = await error.boundingBox();
      assert.ok(box, 'the error is rendered');
      assert.ok(box.y >= 0 && box.y < PHONE.height, `the error is in view (top at ${box.y}px)`);
      assert.ok(await page.evaluate('window.scrollY > 1000'), 'the page is scrolled past the long thread');

      const pre = page.locator('.guard-preview pre');
      await pre.waitFor();
      const widths = await pre.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
      assert.ok(widths.scroll <= widths.client, `the flagged text wraps (${widths.scroll} > ${widths.client})`);
      assert.ok(await page.evaluate('document.documentElement.scrollWidth <= 390'), 'nothing is wider than the screen');
      // What the member typed is still there.
      assert.equal(await page.getByLabel('Reply', { exact: true }).inputValue(), REFUSED);
    });
  });
}
