import assert from 'node:assert/strict';
import { stripReply } from '../../../server/mail/inbound/strip';
import { REPLY_MARKER } from '../../../server/mail/render';

describe('stripReply (reply by e-mail)', () => {
  const cases: [string, string, string][] = [
    [
      'Gmail quote header over two lines',
      'It works now, thanks!\n\nOn Tue, Dec 1, 2026 at 4:00 PM Support Community <\nr+abc@reply.example.test> wrote:\n> Try restarting.\n> -- \n',
      'It works now, thanks!',
    ],
    ['Apple Mail', 'Yes.\n\nSent from my iPhone\n\n> On Dec 1, 2026, at 16:00, Support wrote:\n> hi', 'Yes.'],
    [
      'Outlook original message',
      'Still broken.\r\n\r\n-----Original Message-----\r\nFrom: Support Community\r\nSent: Tuesday\r\nTo: me\r\nSubject: x\r\n\r\nold text',
      'Still broken.',
    ],
    [
      'Outlook From/Sent block after an underscore rule',
      'Done\n\n________________________________\nFrom: Support Community <no-reply@example.test>\nSent: Tuesday, December 1, 2026 4:00 PM\nSubject: x\n\nold',
      'Done',
    ],
    ['Outlook From/Sent block without a rule', 'Done\n\nFrom: Support <a@b.test>\nSent: Tuesday\nTo: x\n\nold', 'Done'],
    ['signature delimiter "-- "', 'Thanks\n\n-- \nJane Doe\nACME Corp', 'Thanks'],
    ['our reply marker, unquoted', `Here is more detail.\n\n${REPLY_MARKER}\nHi Jane,`, 'Here is more detail.'],
    ["interleaved quotes keep the person's lines", '> Which version?\n3.2.1\n> Which OS?\nLinux', '3.2.1\nLinux'],
    ['forwarded message', 'FYI\n\n---------- Forwarded message ---------\nFrom: x', 'FYI'],
    ['French client', 'Merci\n\nLe mar. 1 déc. 2026 à 16:00, Support <x@y.test> a écrit :\n> bonjour', 'Merci'],
    ['only quotes', '> quoted only\n> more', ''],
    ['plain text kept as is', 'Line one\n\n\n\nLine two  ', 'Line one\n\nLine two'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(stripReply(input), expected));
  }
});
