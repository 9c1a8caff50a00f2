import assert from 'node:assert/strict';
import { createMailLinks, createMailRenderer, MAIL_KINDS, formatWhen, type MailInput, type Recipient } from '../../../server/mail';

const links = createMailLinks('https://forum.example.test/');
const renderer = createMailRenderer({ forumName: 'Support Community', links, timeZone: 'America/New_York' });
const recipient: Recipient = { userId: '65f0c0ffee0000000000abcd', email: 'ann@example.test', displayName: 'Ann <b>' };
const thread = { id: '65f0c0ffee00000000001234', title: 'Printer <script>alert(1)</script> & "jams"' };
const reply = { id: '65f0c0ffee00000000005678', authorName: 'Sam (Support)', text: 'Open the tray.\n\n<img src=x onerror=alert(1)>' };

/** One valid input per kind. */
function inputs(): MailInput[] {
  return [
    { kind: 'support_reply', thread, reply },
    { kind: 'watched_reply', thread, reply },
    { kind: 'reply_accepted', thread, reply: { id: reply.id } },
    { kind: 'watched_accepted', thread, reply },
    { kind: 'private_message', conversationId: '65f0c0ffee0000000000beef', from: 'Support' },
    { kind: 'close_reminder', thread, closesAt: new Date('2026-12-01T21:00:00Z') },
    { kind: 'thread_locked', thread, by: 'no_response', businessDays: 2 },
    {
      kind: 'digest',
      items: [
        { kind: 'watched_reply', thread, count: 3, at: new Date('2026-11-30T15:00:00Z') },
        {
          kind: 'private_message',
          thread: null,
          count: 1,
          at: new Date('2026-11-30T16:00:00Z'),
          conversationId: '65f0c0ffee0000000000beef',
        },
      ],
    },
    { kind: 'notice', pref: 'thread_unlocked', thread, notice: 'Your question "Printer jams" was reopened by support.' },
    { kind: 'verify_email', token: 'tok-verify', expiresAt: new Date('2026-12-02T15:00:00Z') },
    { kind: 'password_reset', token: 'tok-reset', expiresAt: new Date('2026-12-01T16:00:00Z') },
  ];
}

function render(input: MailInput, replyMarker = false) {
  const p = renderer.present(input, recipient);
  return renderer.render(p, { unsubscribeUrl: p.unsubscribeKind ? 'https://forum.example.test/unsubscribe/t' : null, replyMarker });
}

describe('mail templates', () => {
  it('has a text and an HTML body for every kind, with the layout (forum name, reason, links)', () => {
    assert.equal(inputs().length, MAIL_KINDS.length);
    for (const input of inputs()) {
      const m = render(input);
      assert.ok(m.subject.startsWith('[Support Community] '), m.subject);
      assert.ok(m.text.includes(m.reason) && m.html.includes(m.reason.replace(/'/g, '&#39;')), `${input.kind}: reason`);
      assert.ok(m.text.includes('Notification settings: https://forum.example.test/account#notifications'), input.kind);
      const account = input.kind === 'verify_email' || input.kind === 'password_reset';
      assert.equal(m.text.includes('Unsubscribe from these e-mails'), !account, `${input.kind}: unsubscribe link`);
      assert.equal(m.secret, account);
      assert.ok(!/\n{3,}/.test(m.text), `${input.kind}: no runs of blank lines`);
    }
  });

  it('escapes everything people typed in HTML and keeps it readable in text', () => {
    const m = render({ kind: 'support_reply', thread, reply });
    assert.ok(!m.html.includes('<script>') && !m.html.includes('<img src=x') && !m.html.includes('Ann <b>'));
    assert.ok(m.html.includes('Printer &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;jams&#34;'));
    assert.ok(m.html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(m.text.includes('Printer <script>alert(1)</script> & "jams"'));
    assert.ok(m.text.includes('Hi Ann <b>,'));
    assert.ok(
      m.text.includes('View the reply: https://forum.example.test/threads/65f0c0ffee00000000001234#reply-65f0c0ffee00000000005678'),
    );
  });

  it('the close reminder says when, in the support time zone, and links to the thread', () => {
    const m = render({ kind: 'close_reminder', thread, closesAt: new Date('2026-12-01T21:00:00Z') });
    assert.ok(m.text.includes('This thread will close on Tuesday, December 1 at 4:00 PM EST unless you reply.'), m.text);
    assert.ok(m.html.includes('This thread will close on Tuesday, December 1 at 4:00 PM EST'));
    assert.ok(m.text.includes('https://forum.example.test/threads/65f0c0ffee00000000001234'));
    assert.equal(formatWhen(new Date('2026-07-07T19:00:00Z'), 'America/New_York'), 'Tuesday, July 7 at 3:00 PM EDT');
  });

  it('never shows a private message body or a secure-field value, whatever the input carries', () => {
    const canaries = ['PM-BODY-CANARY-7f3a', 'SECURE-FIELD-CANARY-91c2', 'ACCESS-CODE-CANARY-55aa'];
    const [body, secure, code] = canaries;
    for (const input of inputs()) {
      // The caller passes richer objects than the kind allows (as a careless caller would).
      const loaded = {
        ...input,
        body,
        text: body,
        message: { body, fields: [{ label: 'Access code', value: code }] },
        fields: [{ value: secure }],
        ...('thread' in input && input.thread ? { thread: { ...input.thread, body, secureFields: [{ value: secure }] } } : {}),
        ...('reply' in input ? { reply: { ...input.reply, fields: [{ value: secure }], secure } } : {}),
      } as unknown as MailInput;
      const m = render(loaded, true);
      for (const c of canaries) {
        for (const [part, value] of Object.entries({ subject: m.subject, text: m.text, html: m.html })) {
          assert.ok(!value.includes(c), `${input.kind} ${part} leaks ${c}`);
        }
      }
    }
    const pm = render({ kind: 'private_message', conversationId: '65f0c0ffee0000000000beef', from: 'Support' });
    assert.ok(pm.text.includes('You have a new private message from Support.'));
  });

  it('puts the reply marker first when reply by e-mail is on', () => {
    const m = render({ kind: 'watched_reply', thread, reply }, true);
    assert.match(m.text, /^## Reply above this line/);
    assert.ok(m.html.includes('Reply above this line'));
  });

  it('refuses unknown kinds and missing fields before anything is queued', () => {
    assert.throws(() => renderer.present({ kind: 'nope' } as unknown as MailInput, recipient), /unknown mail kind/);
    assert.throws(() => renderer.present({ kind: 'close_reminder', thread } as unknown as MailInput, recipient), /closesAt/);
    assert.throws(() => renderer.present({ kind: 'digest', items: [] }, recipient), /at least one item/);
  });
});
