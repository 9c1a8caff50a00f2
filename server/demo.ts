import { randomBytes } from 'node:crypto';
import type { Clock } from './kernel/clock';
import type { Actor } from './kernel/actor';
import { supportPolicyText } from './calendar';
import type { Services } from './compose';

/**
 * Demo content for a brand-new forum, so the first page a person sees looks like a support
 * community rather than an empty table. Runs only when the database has no users AND no
 * threads (main.ts calls it when DEMO_CONTENT is on; tests never do).
 *
 * The demo accounts get long random passwords that are never printed: nobody can sign in
 * as them. Create a real administrator with `npm run forum -- create-admin`.
 */
export async function seedDemoContent(forum: Services): Promise<boolean> {
  const { clock } = forum;
  const { User, Thread } = forum.models;
  const [users, threadCount] = await Promise.all([User.estimatedDocumentCount(), Thread.estimatedDocumentCount()]);
  if (users > 0 || threadCount > 0) return false;

  await forum.threads.products.ensureDefaults();
  const products = await forum.threads.products.list();
  const product = (name: string) => {
    const p = products.find((x) => x.name === name) ?? products[0];
    if (!p) throw new Error('no products to attach demo questions to');
    return p.id;
  };

  const { auth } = forum;
  const policy = supportPolicyText(forum.rules.current());
  const account = async (username: string, displayName: string, role: 'member' | 'moderator' = 'member'): Promise<Actor> => {
    const u = await auth.register(
      {
        username,
        displayName,
        email: `${username.replace(/[^a-z0-9]/gi, '')}@demo.invalid`,
        password: randomBytes(24).toString('base64url'),
      },
      { trusted: true },
    );
    const final = role === 'member' ? u : await auth.setRole(u.username, role);
    return { id: final.id, username: final.username, displayName: final.displayName, role: final.role };
  };

  const marisol = await account('marisol_k', 'Marisol K.');
  const tobias = await account('tobias.w', 'Tobias W.');
  const priya = await account('priya_n', 'Priya N.');
  const sam = await account('sam.ortega', 'Sam Ortega', 'moderator');
  await auth.updateSignature(sam, {
    signature: ['Sam Ortega', 'Community Support', policy.hours, policy.response].join('\n'),
  });

  // Post in the past, in order, so the list shows a plausible mix of ages.
  const start = clock.now().getTime();
  let t = start - 4 * 24 * 3600_000;
  const at: Clock = { now: () => new Date(t) };
  const later = (minutes: number) => {
    t = Math.min(t + minutes * 60_000, start);
  };

  // 1. Answered: an expired certification access code, solved with a private code.
  const cert = await forum.threads.createThread(
    marisol,
    {
      title: 'Access code expired before I could claim my certification',
      body: [
        'I passed my certification exam a while ago but never got round to claiming the certificate. Now that I try to move it to my profile, the page says:',
        '',
        '> This access code has expired. Access codes are only valid for a limited time. You can request a new one from the sign-in page.',
        '',
        'I have looked all over the sign-in page and cannot find any way to request a new code. What should I do?',
      ].join('\n'),
      products: [product('Certification')],
    },
    at,
  );
  later(95);
  await forum.threads.createReply(
    sam,
    cert.id,
    {
      body: [
        'Hi Marisol, thanks for posting.',
        '',
        'I can help you get a fresh access code. To find your record I need your certification ID and the email address you used for the exam. **Please do not post them here**: send them to me by private message (select my name, then *Send a private message*).',
        '',
        policy.lock,
      ].join('\n'),
    },
    at,
  );
  later(40);
  await forum.threads.createReply(marisol, cert.id, { body: 'Thanks Sam, I have just sent you the details by private message.' }, at);
  later(180);
  const steps = await forum.threads.createReply(
    sam,
    cert.id,
    {
      body: [
        'Thank you, Marisol, I received your message and have sent you a new access code privately.',
        '',
        'To link the certification to your account:',
        '',
        '1. Open a private browsing window (Ctrl + Shift + N in most browsers) so no other account is signed in.',
        '2. Go to the certification profile page and sign in with the personal account you want to keep the certificate on.',
        '3. If an error page appears, choose **Home** and open the profile page again.',
        '4. Choose **Claim a certification** and enter your certification ID and the new access code from my private message.',
        '',
        'Then sign in to your learning dashboard and open *Certifications* to check that your transcript is there.',
        '',
        'If this solved it, please choose **Yes** under "Did this solve your problem?".',
      ].join('\n'),
    },
    at,
  );
  later(60);
  await forum.threads.createReply(
    marisol,
    cert.id,
    { body: 'That worked, the certificate is on my transcript now. Thank you so much!' },
    at,
  );
  await forum.threads.acceptAnswer(marisol, cert.id, steps.reply.id, at);

  // 2. Awaiting the asker: staff asked for a detail and is waiting.
  later(24 * 60);
  const outlook = await forum.threads.createThread(
    tobias,
    {
      title: 'Outlook keeps asking for my password after the latest update',
      body: [
        "Since yesterday's update, Outlook on my laptop asks for my password every few minutes. I type it, it works for a while, then the prompt comes back.",
        '',
        'Webmail works fine with the same password. I am on Windows 11.',
      ].join('\n'),
      products: [product('Outlook'), product('Windows')],
    },
    at,
  );
  later(120);
  await forum.threads.createReply(
    sam,
    outlook.id,
    {
      body: [
        'Hi Tobias, sorry about the constant prompts.',
        '',
        'This usually means a saved sign-in is stale. Could you try this and tell us what happens?',
        '',
        '1. Close Outlook.',
        '2. Open **Credential Manager** from the Start menu and choose *Windows Credentials*.',
        '3. Remove the entries that mention Outlook or your email address.',
        '4. Start Outlook and sign in once more.',
        '',
        'If the prompt still comes back, please tell us which version of Outlook you see under *File > Office Account*.',
      ].join('\n'),
    },
    at,
  );

  // 3. Open: a fresh question nobody has answered yet.
  later(18 * 60);
  await forum.threads.createThread(
    priya,
    {
      title: 'Meeting recordings no longer show up in the chat',
      body: 'Until last week, recordings of our team meetings appeared in the meeting chat when the call ended. Now nothing shows up, although the recording banner appears during the call. Has something changed, or is there a setting I missed?',
      products: [product('Teams')],
    },
    at,
  );

  // 4. Open, with a reply from another member (which does not change the state).
  later(90);
  const billing = await forum.threads.createThread(
    marisol,
    {
      title: 'Invoice shows the wrong country for my billing address',
      body: 'My latest invoice lists my old country, although I updated my billing address two months ago. How do I get a corrected invoice?',
      products: [product('Account and billing')],
    },
    at,
  );
  later(30);
  await forum.threads.createReply(
    priya,
    billing.id,
    { body: 'I had the same problem. Updating the address only changes future invoices; I had to ask support to reissue the old one.' },
    at,
  );

  // A little history for the counters, as a long-running forum would have.
  await forum.threads.addViews({ [cert.id]: 42, [outlook.id]: 17, [billing.id]: 9 });
  return true;
}
