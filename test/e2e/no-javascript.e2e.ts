import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startE2EServer, type E2EServer } from './support/server';
import { launchBrowser, newPerson } from './support/browser';
import { askQuestion, signInThroughUi, registerThroughUi, MODERATOR, READER, MEMBER, replyOnThread } from './support/story';

/**
 * The same story with JavaScript turned off in every browser: plain forms, POST and a
 * redirect back. Progressive enhancement means nothing here may depend on a script.
 */
describe('e2e: the support story with JavaScript disabled (plain forms)', function () {
  let server: E2EServer;
  let browser: Browser;
  let member: Page;
  let moderator: Page;
  let reader: Page;
  let threadUrl = '';

  before(async () => {
    server = await startE2EServer();
    await server.createUser({ ...MODERATOR, role: 'moderator' });
    await server.createUser(READER);
    browser = await launchBrowser();
    member = (await newPerson(browser, server.url, { javaScriptEnabled: false })).page;
    moderator = (await newPerson(browser, server.url, { javaScriptEnabled: false })).page;
    reader = (await newPerson(browser, server.url, { javaScriptEnabled: false })).page;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') this.test?.parent?.tests.forEach((t) => ((t as { pending: boolean }).pending = true));
  });

  it('scripts really are off in these browsers', async () => {
    await member.goto('/');
    // A script-dependent check: with JS off, <noscript> content is rendered as elements.
    await member.setContent('<noscript><p id="ns">no script</p></noscript>');
    assert.equal(await member.locator('#ns').count(), 1);
  });

  it('register, ask (with a server-side preview), sign in as a moderator', async () => {
    await registerThroughUi(member, MEMBER);
    await member.goto('/ask');
    await member.getByLabel('Title').fill('Expired access code for my cloud admin certification');
    await member.getByLabel('Details').fill('My access code **expired**. Where do I request a new one?');
    await member
      .getByRole('group', { name: /Applies to/ })
      .getByRole('checkbox')
      .first()
      .check();
    await member.getByRole('button', { name: 'Preview' }).click();
    await member.locator('.preview .post-body strong', { hasText: 'expired' }).waitFor();
    threadUrl = await askQuestion(member, {
      title: 'Expired access code for my cloud admin certification',
      body: 'My access code **expired**. Where do I request a new one?',
    });
    await signInThroughUi(moderator, MODERATOR);
  });

  it('private messages: request the ID, send it as a secure field, reveal it', async () => {
    await moderator.goto(threadUrl);
    await moderator.getByRole('button', { name: 'Request your certification ID privately' }).click();
    await moderator.waitForURL(/\/messages\/[0-9a-f]{24}/);
    const conversationUrl = new URL(moderator.url()).pathname;
    await member.goto(conversationUrl);
    await member.locator('.reply-form input[name="secureValue"]').first().fill('123456789');
    await member.getByLabel('Message', { exact: true }).fill('Here it is.');
    await member.getByRole('button', { name: 'Send', exact: true }).click();
    await member.locator('.message', { hasText: 'Here it is.' }).waitFor();
    await moderator.goto(conversationUrl);
    await moderator.getByRole('button', { name: /^Reveal Certification ID/ }).click();
    assert.equal((await moderator.locator('output.secure-value').innerText()).trim(), '123456789');
  });

  it('reply publicly; the asker accepts it with "Yes"', async () => {
    await moderator.goto(threadUrl);
    await replyOnThread(moderator, 'Thank you. We sent your new access code by private message. Did this solve your problem?');
    await member.goto(threadUrl);
    await member.locator('.solved-prompt').getByRole('button', { name: 'Yes' }).click();
    await member.locator('.accepted-answer').waitFor();
    assert.equal(await member.locator('.question-meta .status').innerText(), 'Answered');
  });

  it('a reader votes helpful and rates satisfaction 5 through the forms', async () => {
    await signInThroughUi(reader, READER);
    await reader.goto(threadUrl);
    const feedback = () => reader.locator('.replies .reply-staff .reply-feedback').first();
    // Before a vote the satisfaction form is hidden (the hidden attribute, no script needed).
    assert.equal(await feedback().locator('.fb-satisfaction').isVisible(), false);
    await feedback().getByRole('button', { name: 'Yes' }).click();
    await reader.waitForLoadState('load');
    await feedback().getByText('1 person found this reply helpful').waitFor();
    assert.equal(await feedback().getByRole('button', { name: 'Yes' }).getAttribute('aria-pressed'), 'true');
    await feedback().getByRole('radio', { name: /^5/ }).check();
    await feedback().getByRole('button', { name: 'Send rating' }).click();
    await reader.waitForLoadState('load');
    assert.ok(await feedback().getByRole('radio', { name: /^5/ }).isChecked());
    await feedback().getByRole('button', { name: 'Remove my rating' }).waitFor();
  });
});
