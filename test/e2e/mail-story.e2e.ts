import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtp-sink';
import { linkIn, pathOf, PUBLIC_URL } from '../integration/notifications/mail-world';
import { launchBrowser, newPerson } from './support/browser';
import { startE2EServer, type E2EServer } from './support/server';
import { askQuestion, MEMBER, MODERATOR, registerThroughUi, replyOnThread, signInThroughUi } from './support/story';

/**
 * The support story by e-mail, in a real browser with a real SMTP server (smtp-server on
 * 127.0.0.1 port 0): a member signs up and confirms the address from the verification mail,
 * asks; a moderator answers; the member gets the "Support replied" mail and follows its link
 * to the answer. Links in mail start with PUBLIC_URL; the browser opens their path on the
 * server under test (which listens on a port chosen at start, after PUBLIC_URL is set).
 */
describe('e2e: the asker hears from support by e-mail', function () {
  let server: E2EServer;
  let sink: SmtpSink;
  let browser: Browser;
  let member: Page;
  let moderator: Page;
  let threadPath = '';
  const title = 'Exam voucher was not applied at checkout';
  const answer = 'The voucher applies on the payment page, after you pick an exam date. Please try again there.';

  before(async () => {
    sink = await startSmtpSink();
    server = await startE2EServer({
      env: { SMTP_URL: `smtp://127.0.0.1:${sink.port}`, PUBLIC_URL, MAIL_FROM: '"Support Community" <no-reply@forum.example.test>' },
    });
    await server.createUser({ ...MODERATOR, role: 'moderator' });
    browser = await launchBrowser();
    member = (await newPerson(browser, server.url)).page;
    moderator = (await newPerson(browser, server.url)).page;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await sink?.close();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') this.test?.parent?.tests.forEach((t) => ((t as { pending: boolean }).pending = true));
  });

  /** Runs the outbox job once (as the every-minute job would); returns the mails to `address`. */
  async function mailTo(address: string): Promise<ReceivedMail[]> {
    await server.forum.services.accounts.idle();
    await server.forum.services.notifications.sendMail();
    return sink.received.filter((m) => m.envelope.to.includes(address));
  }

  it('the member signs up and confirms the address from the verification mail', async () => {
    await registerThroughUi(member, MEMBER);
    const [verify] = await mailTo(MEMBER.email);
    assert.ok(verify, 'a verification mail');
    await member.goto(pathOf(linkIn(verify.parsed, '/verify-email/')));
    await Promise.all([member.waitForLoadState('load'), member.getByRole('button', { name: 'Confirm my e-mail address' }).click()]);
    await member.getByRole('status').filter({ hasText: 'Your e-mail address is confirmed' }).waitFor();
    const doc = await server.forum.col('users').findOne({ usernameLower: MEMBER.username });
    assert.equal(doc!.emailVerified, true);
  });

  it('the member asks; a moderator answers in the browser', async () => {
    threadPath = await askQuestion(member, { title, body: 'I entered the voucher code at checkout but paid the full price.' });
    await signInThroughUi(moderator, MODERATOR);
    await moderator.goto(threadPath);
    await replyOnThread(moderator, answer);
  });

  it('the "Support replied" mail arrives and its link opens the answer', async () => {
    const mails = (await mailTo(MEMBER.email)).filter((m) => m.parsed.subject === `[Support Community] ${title}`);
    assert.equal(mails.length, 1, sink.received.map((m) => m.parsed.subject).join('\n'));
    const mail = mails[0]!;
    assert.match(mail.parsed.text ?? '', /Support replied/i);
    const head = String(mail.raw).split('\r\n\r\n')[0]!;
    assert.match(head, /^List-Unsubscribe:\s+<https:\/\/forum\.example\.test\/unsubscribe\//im);
    const threadId = threadPath.split('/')[2]!;
    const link = linkIn(mail.parsed, `/threads/${threadId}#reply-`);
    await member.goto(pathOf(link) + new URL(link).hash);
    assert.ok(new URL(member.url()).pathname.startsWith(`/threads/${threadId}`), member.url());
    assert.match(new URL(member.url()).hash, /^#reply-[0-9a-f]{24}$/);
    await member.getByRole('heading', { level: 1, name: title }).waitFor();
    await member
      .locator('.reply .post-body', { hasText: answer.slice(0, 40) })
      .first()
      .waitFor();
  });
});
