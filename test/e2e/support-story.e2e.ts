import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startE2EServer, type E2EServer } from './support/server';
import { launchBrowser, newPerson, screenshot } from './support/browser';
import { askQuestion, signInThroughUi, registerThroughUi, MODERATOR, READER, MEMBER, replyOnThread } from './support/story';

const MINUTE = 60_000;

/**
 * The seed thread (shared/seed-thread.txt) in a real browser, three people in three
 * browser contexts: a member asks, a moderator asks privately for the certification ID,
 * the member sends it as a secure field, the moderator reveals it and sends an access code
 * back, answers publicly, the member says "Yes", a reader votes and rates. Then a second
 * question goes silent and the lock sweep closes it. Screenshots of the main pages are
 * saved to docs/screenshots/.
 */
describe('e2e: the support story in a real browser (member, moderator, reader)', function () {
  let server: E2EServer;
  let browser: Browser;
  let member: Page;
  let moderator: Page;
  let reader: Page;
  let threadUrl = '';
  let conversationUrl = '';
  let silentUrl = '';

  before(async () => {
    server = await startE2EServer();
    await server.createUser({ ...MODERATOR, role: 'moderator' });
    await server.createUser(READER);
    browser = await launchBrowser();
    member = (await newPerson(browser, server.url)).page;
    moderator = (await newPerson(browser, server.url)).page;
    reader = (await newPerson(browser, server.url)).page;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  // The steps build on each other: stop at the first failure instead of cascading.
  afterEach(function () {
    if (this.currentTest?.state === 'failed') this.test?.parent?.tests.forEach((t) => ((t as { pending: boolean }).pending = true));
  });

  it('a member registers through the form and asks for a new certification access code', async () => {
    await registerThroughUi(member, MEMBER);
    await expectHeaderUser(member, MEMBER.displayName);
    await member.goto('/ask');
    await member.getByLabel('Title').fill('Expired access code for my cloud admin certification');
    await member.getByLabel('Details').fill('I passed the cloud admin exam last year but never linked the certificate to my profile…');
    await screenshot(member, 'ask');
    threadUrl = await askQuestion(member, {
      title: 'Expired access code for my cloud admin certification',
      body:
        'I passed the cloud admin exam last year but never linked the certificate to my profile. Now the profile transfer page refuses with:\n\n' +
        '> This access code is no longer valid. Please request a new one.\n\nWhere do I ask for a new code? I cannot find a link anywhere on the sign-in page.',
    });
    assert.match(threadUrl, /\/threads\/[0-9a-f]{24}/);
    assert.equal(await member.locator('.question-meta .status').innerText(), 'Awaiting support');
  });

  it('a moderator signs in, finds it in the queue and asks for the certification ID privately', async () => {
    server.clock.advance(30 * MINUTE);
    await moderator.goto('/login');
    await screenshot(moderator, 'sign-in');
    await signInThroughUi(moderator, MODERATOR);
    await moderator.goto('/support/queue');
    const item = moderator.locator('.queue-item', { hasText: 'Expired access code for my cloud admin certification' });
    await item.waitFor();
    await screenshot(moderator, 'queue');
    await item.getByRole('link').click();
    await moderator.waitForURL(/\/threads\//);
    await moderator.getByRole('button', { name: 'Request your certification ID privately' }).click();
    await moderator.waitForURL(/\/messages\/[0-9a-f]{24}/);
    conversationUrl = new URL(moderator.url()).pathname;
    await moderator.getByText('Requested: Certification ID').first().waitFor();
  });

  it('the member sends the certification ID as a secure field in the conversation', async () => {
    server.clock.advance(20 * MINUTE);
    await member.goto('/messages');
    await screenshot(member, 'inbox');
    await member.locator(`a[href="${conversationUrl}"]`).first().click();
    await member.waitForURL(new RegExp(conversationUrl));
    // The requested field is part of the reply form: a password-type input, labelled.
    const field = member.locator('.reply-form input[type="password"][name="secureValue"]').first();
    const id = await field.getAttribute('id');
    assert.ok(id, 'the secure input has an id');
    assert.ok(await member.locator(`label[for="${id}"]`).count(), 'the secure input has a label');
    await field.fill('987654321');
    await member.getByLabel('Message', { exact: true }).fill('Hi, here is my certification ID.');
    await member.getByRole('button', { name: 'Send', exact: true }).click();
    await member.locator('.message', { hasText: 'here is my certification ID' }).waitFor();
    const page = await member.content();
    assert.doesNotMatch(page, /987654321/, 'the value is never shown back in the page');
  });

  it('the moderator reveals it, sends an access code back privately and answers publicly', async () => {
    server.clock.advance(20 * MINUTE);
    await moderator.goto(conversationUrl);
    await moderator.getByRole('button', { name: /^Reveal Certification ID/ }).click();
    await moderator.locator('output.secure-value').waitFor();
    assert.equal((await moderator.locator('output.secure-value').innerText()).trim(), '987654321');

    await moderator
      .getByLabel('Message', { exact: true })
      .fill('Thank you. Here is your new access code; use it with your MCID on the migration page.');
    await moderator.locator('details summary', { hasText: 'Add a secure field' }).click();
    await moderator.getByLabel('Kind').selectOption('access_code');
    await moderator.getByLabel('Label').fill('Access code');
    await moderator.getByLabel('Value').fill('HJKL-MNBV-4321');
    await moderator.getByRole('button', { name: 'Send', exact: true }).click();
    await moderator.locator('.message', { hasText: 'Here is your new access code' }).waitFor();
    assert.match(await moderator.locator('.message', { hasText: 'Here is your new access code' }).innerText(), /••••-••••-4321/);
    await screenshot(moderator, 'conversation');
    await moderator
      .locator('.message')
      .nth(1)
      .evaluate((el) => (el as unknown as { scrollIntoView(o: unknown): void }).scrollIntoView({ block: 'start' }));
    await screenshot(moderator, 'conversation-secure-fields', { keepScroll: true });

    await moderator.goto(threadUrl);
    await replyOnThread(
      moderator,
      'Hi Priya,\n\nthanks, I found your certification with the ID you sent me privately.\n\n' +
        '1. Sign out everywhere, then open the profile transfer page in a new window.\n2. Sign in with the account you want the certificate on.\n3. Enter your certification ID and the new access code from our private message.\n\n' +
        'Did that work? Click "Yes" under this reply so others can find the answer.',
    );
    await moderator.locator('.reply-staff', { hasText: 'I found your certification' }).waitFor();
  });

  it('the member reads the code and marks the reply as the answer with "Did this solve your problem? Yes"', async () => {
    server.clock.advance(45 * MINUTE);
    await member.goto(conversationUrl);
    await member.getByRole('button', { name: /^Reveal Access code/ }).click();
    assert.equal((await member.locator('output.secure-value').innerText()).trim(), 'HJKL-MNBV-4321');

    await member.goto(threadUrl);
    const staffReply = member.locator('.replies .reply-staff').first();
    await staffReply.locator('.solved-prompt', { hasText: 'Did this solve your problem?' }).getByRole('button', { name: 'Yes' }).click();
    await member.locator('.accepted-answer h2', { hasText: 'Answer' }).waitFor();
    assert.equal(await member.locator('.question-meta .status').innerText(), 'Answered');
  });

  it('a reader votes the answer helpful and rates satisfaction 5', async () => {
    await reader.goto('/login');
    await signInThroughUi(reader, READER);
    await reader.goto(threadUrl);
    const feedback = reader.locator('.replies .reply-staff .reply-feedback').first();
    await feedback.getByRole('button', { name: 'Yes' }).click();
    await feedback.getByText('Great! Thanks for your feedback.').waitFor();
    await feedback.getByText('1 person found this reply helpful').waitFor();
    const scale = feedback
      .getByRole('radiogroup', { name: 'How satisfied are you with this reply?' })
      .or(feedback.getByRole('group', { name: 'How satisfied are you with this reply?' }));
    await scale.getByRole('radio', { name: /^5/ }).check();
    await feedback.getByRole('button', { name: 'Send rating' }).click();
    await feedback.getByText('Thanks for your feedback, it helps us improve the site.').waitFor();
    await reader.reload();
    await feedback.getByText('1 person found this reply helpful').waitFor();
    assert.ok(await feedback.getByRole('radio', { name: /^5/ }).isChecked(), 'the rating is remembered');
    await reader
      .locator('.replies .reply-staff .signature')
      .first()
      .evaluate((el) => (el as unknown as { scrollIntoView(o: unknown): void }).scrollIntoView({ block: 'start' }));
    await screenshot(reader, 'reply-feedback', { keepScroll: true });
    await member.reload();
    await screenshot(member, 'thread');
  });

  it('the moderator sees the answer and the rating on the support dashboard', async () => {
    await moderator.goto('/support/dashboard');
    await moderator.getByRole('heading', { name: 'Support dashboard' }).waitFor();
    await screenshot(moderator, 'dashboard');
    const text = await moderator.locator('main').innerText();
    assert.match(text, new RegExp(MODERATOR.displayName));
  });

  it('a second question left unanswered after a moderator reply is locked by the sweep two business days later', async () => {
    server.clock.set('2026-11-17T18:00:00Z'); // Tue 13:00 New York
    await member.goto('/ask');
    silentUrl = await askQuestion(member, {
      title: 'Transcript does not show my Excel exam',
      body: 'I passed the Excel Expert exam last month but it is not on my transcript.',
    });
    server.clock.set('2026-11-17T19:00:00Z'); // Tue 14:00
    await moderator.goto(silentUrl);
    await replyOnThread(moderator, 'Hi! Which e-mail address did you use when you booked the exam? Please tell us by private message.');
    await member.goto(silentUrl);
    await member.getByText(/This thread will close on Thursday, November 19, 2026/).waitFor();

    // Wed 14:00: not yet.
    const early = await server.cli('lock-sweep', ['--now', '2026-11-18T14:00:00-05:00']);
    assert.equal(early.code, 0, early.out.join('\n'));
    assert.match(early.out.join('\n'), /Locked 0 threads/);
    // Thu 14:30: two business days after the reply.
    const sweep = await server.cli('lock-sweep', ['--now', '2026-11-19T14:30:00-05:00']);
    assert.equal(sweep.code, 0, sweep.out.join('\n'));
    assert.match(sweep.out.join('\n'), /Locked 1 thread /);
    assert.match(sweep.out.join('\n'), /Transcript does not show my Excel exam/);
  });

  it('the member sees the notice: a notification and the locked banner', async () => {
    server.clock.set('2026-11-19T19:35:00Z');
    await member.goto('/');
    await member.locator('.nav-bell .badge-count').waitFor();
    await screenshot(member, 'list');
    await member.locator('.nav-bell').click();
    // The sweep sent the close reminder first (it was due), then locked the thread.
    const reminder = member.locator('.notification', { hasText: /Transcript does not show my Excel exam" will close on/ });
    await reminder.waitFor();
    const note = member.locator('.notification', { hasText: /Transcript does not show my Excel exam" was closed and locked/ });
    await note.waitFor();
    await screenshot(member, 'notifications');
    await note.getByRole('link').click();
    await member.waitForURL(/\/threads\//);
    await member.getByRole('heading', { name: 'This thread is locked' }).waitFor();
    assert.match(await member.locator('.lock-notice').innerText(), /two business days/);
    assert.equal(await member.locator('#reply-form').count(), 0, 'no reply form on a locked thread');
    assert.match(await member.locator('.reply-system').innerText(), /closed and locked after two business days/);
    await screenshot(member, 'locked-thread');
    // The answered thread was never touched.
    await member.goto(threadUrl);
    assert.equal(await member.locator('.question-meta .status').innerText(), 'Answered');
  });

  it('search finds the answered thread', async () => {
    const res = await reader.goto('/search?q=access+code');
    assert.equal(res?.status(), 200);
    await reader
      .getByRole('link', { name: /Expired access code for my cloud admin certification/ })
      .first()
      .waitFor();
    await screenshot(reader, 'search');
  });
});

async function expectHeaderUser(page: Page, displayName: string): Promise<void> {
  await page.locator('.site-header .nav-user', { hasText: displayName }).waitFor();
}
