import assert from 'node:assert/strict';
import { ValidationError } from '../../../server/kernel/errors';
import { renderMarkdown } from '../../../server/markdown/render';
import { hasVisibleContent, hasVisibleText, noVisibleTextMessage, requireVisibleText } from '../../../server/markdown/visible';

describe('markdown/visible: bodies that render to nothing (issue 18 item 4)', () => {
  const EMPTY = [
    '<b></b><i></i><p></p>',
    '<script>',
    '<script>alert(1)</script>',
    '<style>body{}</style>',
    '   \n\t  \n',
    '\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b',
    '\u200b \u200c \u200d \u2060 \ufeff \u00ad',
    '\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u3164', // Hangul filler
    '\u2800\u2800\u2800\u2800\u2800\u2800\u2800\u2800\u2800\u2800', // braille blank
    '&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;',
    '<p>&#8203;&#8203;</p><div></div>',
    '---\n\n***\n\n___',
    '![](https://img.example/screenshot.png)',
    '<details><summary></summary></details>',
    '<!-- only a comment -->',
    '\u202e\u202e\u202e\u202e\u202e\u202e\u202e\u202e\u202e\u202e',
    '\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301', // combining marks alone
    '- \n- \n- ',
    '#\n##\n###',
  ];
  for (const body of EMPTY) {
    it(`no visible text: ${JSON.stringify(body).slice(0, 60)}`, () => {
      const html = renderMarkdown(body);
      assert.equal(hasVisibleText(html), false, html);
      assert.throws(
        () => requireVisibleText(html),
        (err: unknown) =>
          err instanceof ValidationError &&
          err.status === 400 &&
          err.message === 'Body: write your question in words; it contains no visible text.' &&
          err.fields.body === err.message,
      );
    });
  }

  const VISIBLE = [
    'Why?',
    '?',
    '42',
    '`x`',
    '<b>bold</b>',
    '&lt;script&gt;',
    'The <title> tag',
    '漢字',
    'مرحبا',
    '😀',
    '- a',
    '> quoted',
    '[link](https://x.example)',
    '```\ncode\n```',
    '\u200bword\u200b',
  ];
  for (const body of VISIBLE) {
    it(`visible: ${JSON.stringify(body)}`, () => {
      const html = renderMarkdown(body);
      assert.equal(hasVisibleText(html), true, html);
      assert.doesNotThrow(() => requireVisibleText(html));
    });
  }

  it('names the field and the kind of post it is told', () => {
    assert.throws(
      () => requireVisibleText('', { field: 'signature', label: 'Signature', what: 'signature' }),
      (err: unknown) =>
        err instanceof ValidationError && err.fields.signature === 'Signature: write your signature in words; it contains no visible text.',
    );
    assert.equal(noVisibleTextMessage({ label: 'Body', what: 'reply' }), 'Body: write your reply in words; it contains no visible text.');
  });

  it('an uploaded image is enough where the field says so (replies, private messages), never for a question', () => {
    const field = { field: 'body', label: 'Reply', what: 'reply', imageIsEnough: true };
    const uploaded = renderMarkdown('![screenshot](/uploads/0123456789abcdef01234567)');
    assert.equal(hasVisibleText(uploaded), false, uploaded);
    assert.equal(hasVisibleContent(uploaded, field), true, uploaded);
    assert.doesNotThrow(() => requireVisibleText(uploaded, field));
    assert.throws(() => requireVisibleText(uploaded), ValidationError);
    // An image from elsewhere is only a link the renderer writes, and an empty body stays empty.
    for (const body of ['![](https://img.example/screenshot.png)', '![x](/elsewhere.png)', '<b></b>']) {
      assert.equal(hasVisibleContent(renderMarkdown(body), field), false, body);
    }
  });
});
