import assert from 'node:assert/strict';
import { CODE_ELEMENTS } from '../../../server/markdown/raw-html';
import { RENDERER_VERSION, renderMarkdown, renderPlainExcerpt } from '../../../server/markdown/render';

/** Every tag in the output, as written (attributes included). */
function tagsOf(html: string): string[] {
  return html.match(/<[^>]*>/g) ?? [];
}

/**
 * Inert means: no script-capable element, no event-handler attribute, no dangerous scheme in
 * any attribute. Text that merely *mentions* "javascript:" is escaped text and harmless, so
 * the scheme check looks inside tags; payloads that carry no such text are checked on the
 * whole output as well (`mentionedInText` marks payloads that show up as escaped text, e.g. code).
 */
function assertInert(html: string, payload: string, mentionedInText = false): void {
  const why = `payload ${JSON.stringify(payload)} -> ${JSON.stringify(html)}`;
  assert.doesNotMatch(html, /<script/i, why);
  assert.doesNotMatch(html, /<(iframe|style|svg|math|xmp|object|embed|noscript|form|input|base|meta|link)\b/i, why);
  for (const tag of tagsOf(html)) {
    assert.doesNotMatch(tag, /\son\w+\s*=/i, why);
    assert.doesNotMatch(tag, /(javascript|vbscript|data)\s*:/i, why);
    assert.doesNotMatch(tag, /\sstyle\s*=/i, why);
  }
  if (!mentionedInText) {
    assert.doesNotMatch(html, / on\w+=/i, why);
    assert.doesNotMatch(html, /javascript:/i, why);
  }
}

const PAYLOADS: { md: string; mentionedInText?: boolean }[] = [
  { md: '<script>alert(1)</script>' },
  { md: '<SCRIPT SRC=https://evil.example/x.js></SCRIPT>' },
  { md: 'text <script>alert(1)</script> more' },
  { md: '<img src=x onerror=alert(1)>' },
  { md: '<img src="https://ok.example/a.png" onerror="alert(1)">' },
  { md: '<IMG SRC="javascript:alert(1)">' },
  { md: '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">' },
  { md: '![pic](data:image/png;base64,iVBORw0KGgo=)' },
  { md: '![pic](javascript:alert(1))' },
  { md: '![x](https://ok.example/a.png"onerror="alert(1))' },
  { md: '<p onclick="alert(1)">click</p>' },
  { md: '<div onmouseover=alert(1)>hover</div>' },
  { md: '<a href="javascript:alert(1)">x</a>' },
  { md: '<a href="JaVaScRiPt:alert(1)">x</a>' },
  { md: '<a href=" javascript:alert(1)">x</a>' },
  { md: '<a href="jav&#x09;ascript:alert(1)">x</a>' },
  { md: '<a href="jav\tascript:alert(1)">x</a>' },
  { md: '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>' },
  { md: '<a href="vbscript:msgbox(1)">x</a>' },
  { md: '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>' },
  { md: '[x](javascript:alert(1))' },
  { md: '[x](JAVASCRIPT:alert(1))' },
  { md: '[x](jav&#x09;ascript:alert(1))' },
  { md: '[x]( javascript:alert(1) )' },
  { md: '[x](vbscript:msgbox(1))' },
  { md: '[x](data:text/html,<script>alert(1)</script>)' },
  { md: '[x][ref]\n\n[ref]: javascript:alert(1)' },
  { md: '<javascript:alert(1)>', mentionedInText: true },
  { md: '<xmp><script>alert(1)</script></xmp>' },
  { md: '<xmp><img src=x onerror=alert(1)></xmp>' },
  { md: '<svg><script>alert(1)</script></svg>' },
  { md: '<svg onload=alert(1)>' },
  { md: '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>' },
  { md: '<iframe src="https://evil.example"></iframe>' },
  { md: '<iframe srcdoc="<script>alert(1)</script>"></iframe>' },
  { md: '<style>body{background:url(javascript:alert(1))}</style>' },
  { md: '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>' },
  { md: '<math href="javascript:alert(1)">x</math>' },
  { md: '<noscript><p title="</noscript><img src=x onerror=alert(1)>">' },
  { md: '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">' },
  { md: '<form action="javascript:alert(1)"><input type=submit></form>' },
  { md: '<details open ontoggle=alert(1)><summary>s</summary>x</details>' },
  { md: '<a href="https://ok.example" onclick="alert(1)" style="color:red">x</a>' },
  { md: '<base href="javascript:/"><a href="x">x</a>' },
  { md: '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">' },
  { md: '`<script>alert(1)</script>`' },
  { md: '```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```', mentionedInText: true },
  { md: '<<script>script>alert(1)<</script>/script>' },
  { md: '<scr<script>ipt>alert(1)</scr</script>ipt>' },
];

describe('markdown/render', () => {
  it('exports a numeric renderer version', () => {
    assert.equal(typeof RENDERER_VERSION, 'number');
    assert.ok(RENDERER_VERSION >= 1);
  });

  describe('XSS payloads render inert', () => {
    for (const { md, mentionedInText } of PAYLOADS) {
      it(JSON.stringify(md).slice(0, 90), () => {
        assertInert(renderMarkdown(md), md, mentionedInText);
      });
    }
  });

  it('keeps code that mentions script as visible, escaped text', () => {
    const html = renderMarkdown('```html\n<script>alert(1)</script>\n```');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('keeps the visible text of a link whose URL was refused', () => {
    assert.match(renderMarkdown('[click me](javascript:alert(1))'), />click me<\/a>/);
  });

  describe('formatting', () => {
    it('renders paragraphs, emphasis and strikethrough', () => {
      const html = renderMarkdown('Hello **bold** and *em* and ~~gone~~.');
      assert.equal(html, '<p>Hello <strong>bold</strong> and <em>em</em> and <del>gone</del>.</p>');
    });

    it('turns single newlines into <br>', () => {
      assert.match(renderMarkdown('line one\nline two'), /line one<br \/>line two/);
    });

    it('renders unordered and ordered lists, keeping the start number', () => {
      const html = renderMarkdown('- a\n- b\n\ntext\n\n3. x\n4. y');
      assert.match(html, /<ul>\s*<li>a<\/li>\s*<li>b<\/li>\s*<\/ul>/);
      assert.match(html, /<ol start="3">\s*<li>x<\/li>\s*<li>y<\/li>\s*<\/ol>/);
    });

    it('renders fenced code with a safe language class', () => {
      const html = renderMarkdown('```ts\nconst a = 1 < 2;\n```');
      assert.equal(html, '<pre><code class="language-ts">const a = 1 &lt; 2;\n</code></pre>');
    });

    it('drops an unsafe language class but keeps the code', () => {
      const html = renderMarkdown('```Bad!Lang\nx\n```');
      assert.doesNotMatch(html, /class=/);
      assert.match(html, /<pre><code>x\n<\/code><\/pre>/);
    });

    it('renders inline code escaped', () => {
      assert.equal(renderMarkdown('use `a<b>`'), '<p>use <code>a&lt;b&gt;</code></p>');
    });

    it('renders GFM tables with alignment', () => {
      const html = renderMarkdown('| a | b |\n|:--|--:|\n| 1 | 2 |');
      assert.match(html, /<table>/);
      assert.match(html, /<th align="left">a<\/th>/);
      assert.match(html, /<td align="right">2<\/td>/);
    });

    it('drops table alignment values that are not left/center/right', () => {
      assert.doesNotMatch(renderMarkdown('<table><tr><td align="javascript:x">x</td></tr></table>'), /align="/);
    });

    it('renders blockquotes and horizontal rules', () => {
      const html = renderMarkdown('> quoted\n\n---');
      assert.match(html, /<blockquote>\s*<p>quoted<\/p>\s*<\/blockquote>/);
      assert.match(html, /<hr \/>/);
    });

    it('shifts headings down two levels (page owns h1/h2)', () => {
      const html = renderMarkdown('# one\n## two\n### three\n#### four\n###### six');
      assert.match(html, /<h3>one<\/h3>/);
      assert.match(html, /<h4>two<\/h4>/);
      assert.match(html, /<h5>three<\/h5>/);
      assert.match(html, /<h6>four<\/h6>/);
      assert.match(html, /<h6>six<\/h6>/);
      assert.doesNotMatch(html, /<h[12]/);
      assert.equal(renderMarkdown('<h1>raw</h1>'), '<h3>raw</h3>');
    });

    it('allows details/summary', () => {
      assert.equal(renderMarkdown('<details><summary>More</summary>hidden</details>'), '<details><summary>More</summary>hidden</details>');
    });

    it('gives every link rel="nofollow ugc noopener" and no target', () => {
      const html = renderMarkdown(
        '[a](https://a.example "T") https://b.example <https://c.example> mail@d.example ' +
          '<a href="https://e.example" target="_blank" rel="opener">e</a> [rel](/t/1)',
      );
      const links = html.match(/<a [^>]*>/g) ?? [];
      assert.equal(links.length, 6);
      for (const a of links) {
        assert.match(a, /rel="nofollow ugc noopener"/);
        assert.doesNotMatch(a, /target=/);
      }
      assert.match(html, /<a href="https:\/\/a.example" title="T" rel="nofollow ugc noopener">a<\/a>/);
      assert.match(html, /href="mailto:mail@d.example"/);
      assert.match(html, /href="\/t\/1"/);
    });

    it('refuses other link schemes and protocol-relative URLs', () => {
      for (const href of ['ftp://x.example/f', 'tel:+15551234567', 'file:///etc/passwd', '//evil.example/x']) {
        assert.doesNotMatch(renderMarkdown(`[x](${href})`), /href=/, href);
      }
    });

    it('shows http(s) images from other sites as links (never loaded), drops other schemes entirely', () => {
      assert.equal(
        renderMarkdown('![alt text](https://img.example/a.png "Title")'),
        '<p><a href="https://img.example/a.png" rel="nofollow ugc noopener" class="external-image" title="Title">External image: alt text (img.example)</a></p>',
      );
      assert.doesNotMatch(renderMarkdown('![x](ftp://img.example/a.png)'), /<img/);
      assert.doesNotMatch(renderMarkdown('![x](//img.example/a.png)'), /<img/);
    });

    it('discards unknown tags but keeps their text', () => {
      assert.equal(renderMarkdown('<div><span>kept</span></div>'), 'kept');
    });
  });

  describe('renderPlainExcerpt', () => {
    it('strips formatting and collapses whitespace', () => {
      const text = renderPlainExcerpt('# Title\n\nSome **bold** and [a link](https://x.example).\n\n- one\n- two');
      assert.equal(text, 'Title Some bold and a link. one two');
    });

    it('returns plain, unescaped text (templates escape it)', () => {
      assert.equal(renderPlainExcerpt('Fish & chips, `a < b`'), 'Fish & chips, a < b');
    });

    it('drops scripts and raw tags entirely', () => {
      assert.equal(renderPlainExcerpt('Hi <script>alert(1)</script><b>there</b>'), 'Hi there');
    });

    it('truncates at a word boundary with an ellipsis', () => {
      const text = renderPlainExcerpt('alpha beta gamma delta epsilon zeta eta theta', 20);
      assert.ok(Array.from(text).length <= 20, text);
      assert.equal(text, 'alpha beta gamma…');
    });

    it('does not cut a surrogate pair', () => {
      const text = renderPlainExcerpt('😀'.repeat(30), 10);
      assert.equal(text, '😀'.repeat(9) + '…');
    });

    it('leaves short text alone and defaults to 200 characters', () => {
      assert.equal(renderPlainExcerpt('short'), 'short');
      assert.ok(Array.from(renderPlainExcerpt('word '.repeat(200))).length <= 200);
    });
  });

  it('renders a large post quickly', () => {
    const post = 'Some **text** with a [link](https://x.example) and `code`.\n\n- item\n- item\n\n'.repeat(500);
    const t0 = performance.now();
    renderMarkdown(post);
    assert.ok(performance.now() - t0 < 2000);
  });
});

describe('markdown/render: a post never loses the member’s text (issue 18 item 1)', () => {
  it('renderer version 3 (stored posts need `npm run forum -- rebake`)', () => {
    assert.equal(RENDERER_VERSION, 3);
  });

  it('"The <title> of my portal page ..." keeps the tag as text and the next paragraph', () => {
    const html = renderMarkdown('The <title> of my portal page shows the old name.\n\nThe favicon is also wrong.');
    assert.equal(html, '<p>The &lt;title&gt; of my portal page shows the old name.</p>\n<p>The favicon is also wrong.</p>');
  });

  // Every tag the HTML parser reads as raw text, or the sanitizer drops with its content.
  const SWALLOWERS = [
    'title',
    'textarea',
    'style',
    'xmp',
    'script',
    'iframe',
    'noscript',
    'plaintext',
    'noembed',
    'noframes',
    'template',
    'select',
    'option',
    'svg',
    'math',
    'object',
    'listing',
  ];
  for (const tag of SWALLOWERS) {
    // Code elements (script, style, svg...) without a partner are dropped alone; others are shown.
    const shown = (t: string) => (CODE_ELEMENTS.has(t) ? '' : `&lt;${t}&gt;`);

    it(`<${tag}> in a sentence, then more text: everything after survives`, () => {
      const html = renderMarkdown(`Type it into the <${tag}> box first.\n\nThen press **Save** and wait.`);
      assert.match(html, new RegExp(`Type it into the ${shown(tag)} box first\\.`), html);
      assert.match(html, /<p>Then press <strong>Save<\/strong> and wait\.<\/p>/, html);
    });

    it(`<${tag}> at the start of a line, then more text and Markdown: everything after survives`, () => {
      const html = renderMarkdown(`<${tag}>\nmy notes here\n\n- first step\n- second step`);
      assert.match(html, new RegExp(shown(tag)), html);
      assert.match(html, /my notes here/, html);
      assert.match(html, /<ul>\s*<li>first step<\/li>\s*<li>second step<\/li>\s*<\/ul>/, html);
    });

    it(`upper-case <${tag.toUpperCase()}> with a stray closing tag keeps the text between`, () => {
      const html = renderMarkdown(`before </${tag}> middle <${tag.toUpperCase()}> after`);
      assert.match(renderPlainExcerpt(`before </${tag}> middle <${tag.toUpperCase()}> after`), /before.*middle.*after/);
      assert.match(html, /before .*middle .*after/, html);
    });
  }

  it('an unclosed comment does not hide the rest of the post', () => {
    assert.equal(renderMarkdown('note <!-- draft\n\nThe rest.'), '<p>note &lt;!-- draft</p>\n<p>The rest.</p>');
    assert.equal(renderMarkdown('<!-- draft\n\nThe rest.'), '<p>&lt;!-- draft</p>\n<p>The rest.</p>');
    assert.equal(renderMarkdown('kept <!-- a closed comment --> too'), '<p>kept  too</p>');
  });

  it('unknown tags are shown as text: placeholders, key names, paths', () => {
    assert.equal(
      renderMarkdown('Open %AppData%/<username>/Settings, press <Enter>, then <Ctrl>+<S>.'),
      '<p>Open %AppData%/&lt;username&gt;/Settings, press &lt;Enter&gt;, then &lt;Ctrl&gt;+&lt;S&gt;.</p>',
    );
  });

  it('a disallowed tag with attributes is dropped alone, the text after it stays', () => {
    assert.equal(renderMarkdown('<input type="checkbox" checked> remember me'), '<p> remember me</p>');
    assert.equal(renderMarkdown('<svg onload=alert(1)> and then text'), '<p> and then text</p>');
  });

  it('pairs of other elements lose their tags but keep their text', () => {
    assert.equal(renderMarkdown('<kbd>Ctrl</kbd> + <u>S</u> and <font color=red>red</font>'), '<p>Ctrl + S and red</p>');
    assert.equal(renderMarkdown('Notes: <textarea>typed text</textarea> after'), '<p>Notes: typed text after</p>');
    assert.equal(renderMarkdown('<textarea>typed text</textarea> after'), 'typed text after'); // an HTML block: no <p>
  });

  it('pairs of code elements go with their content (unchanged policy)', () => {
    assert.equal(renderMarkdown('a <script>alert(1)</script> b'), '<p>a  b</p>');
    assert.equal(renderMarkdown('a <style>p{color:red}</style> b'), '<p>a  b</p>');
    assert.equal(renderMarkdown('<svg>\n<circle r="5"/>\n</svg>\n\nafter'), '<p>after</p>');
  });

  it('code spans and blocks still show tags literally', () => {
    assert.equal(renderMarkdown('use `<title>` here'), '<p>use <code>&lt;title&gt;</code> here</p>');
    assert.match(renderMarkdown('```\n<textarea>\n```\n\nafter'), /<pre><code>&lt;textarea&gt;\n<\/code><\/pre>\s*<p>after<\/p>/);
  });

  it('text after an inline <code> or <pre> is escaped, never read as tags', () => {
    const html = renderMarkdown('x <code>a <title b</code> and more text');
    assert.match(html, /a &lt;title b/);
    assert.match(html, /and more text/);
  });

  it('allowed raw HTML still works', () => {
    assert.equal(renderMarkdown('<details><summary>Log</summary>lines</details>'), '<details><summary>Log</summary>lines</details>');
    assert.equal(renderMarkdown('a <strong>b</strong> <em>c</em>'), '<p>a <strong>b</strong> <em>c</em></p>');
  });
});

describe('markdown/render: nesting and cost are bounded (issue 18 items 2 and 3)', () => {
  const depthOf = (html: string, tag: string) => {
    let depth = 0;
    let max = 0;
    for (const m of html.matchAll(new RegExp(`<(/?)${tag}\\b`, 'g'))) {
      depth += m[1] ? -1 : 1;
      max = Math.max(max, depth);
    }
    return max;
  };

  it("'>'.repeat(2000) renders, flattened past 16 levels, with the rest shown as text", () => {
    const html = renderMarkdown('>'.repeat(2000));
    assert.equal(depthOf(html, 'blockquote'), 16);
    assert.equal((html.match(/&gt;/g) ?? []).length, 2000 - 16);
  });

  it('"> " x 5000 and ">\\t" x 5000 render', () => {
    assert.equal(depthOf(renderMarkdown('> '.repeat(5000) + 'deep'), 'blockquote'), 16);
    assert.match(renderMarkdown('> '.repeat(5000) + 'deep'), /deep/);
    assert.equal(depthOf(renderMarkdown('>\t'.repeat(5000)), 'blockquote'), 16);
  });

  it('deeply nested lists render, flattened past 16 levels, keeping every item', () => {
    const indented = Array.from({ length: 120 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n');
    const html = renderMarkdown(indented);
    assert.ok(depthOf(html, 'ul') <= 16);
    for (let i = 0; i < 120; i++) assert.match(html, new RegExp(`item ${i}\\b`));
    assert.ok(depthOf(renderMarkdown('- '.repeat(5000) + 'x'), 'ul') <= 16);
    assert.ok(depthOf(renderMarkdown('1. '.repeat(5000) + 'x'), 'ol') <= 16);
    assert.ok(depthOf(renderMarkdown('> - '.repeat(3000) + 'x'), 'blockquote') <= 16);
  });

  it('deeply nested emphasis, strikethrough and links render', () => {
    const em = renderMarkdown('*a **a '.repeat(1500) + 'b' + ' a** a*'.repeat(1500));
    assert.ok(depthOf(em, 'strong') + depthOf(em, 'em') <= 32);
    assert.match(em, /b/);
    assert.doesNotThrow(() => renderMarkdown('~~a '.repeat(5000)));
    const links = renderMarkdown('['.repeat(5000) + 'x' + '](u)'.repeat(5000));
    assert.ok(depthOf(links, 'a') <= 1);
    assert.doesNotThrow(() => renderMarkdown('['.repeat(10000) + 'x' + ']'.repeat(10000)));
  });

  it("'a' + 19,990 spaces + 'b' renders as one paragraph", () => {
    assert.equal(renderMarkdown('a' + ' '.repeat(19990) + 'b'), `<p>a${' '.repeat(19990)}b</p>`);
  });

  it('single newlines still become <br>, hard breaks too, with spaces around them removed', () => {
    assert.equal(renderMarkdown('one  \ntwo\nthree \n four\\\nfive'), '<p>one<br />two<br />three<br />four<br />five</p>');
    assert.equal(
      renderMarkdown('*a\nb* [c\nd](https://x.example)'),
      '<p><em>a<br />b</em> <a href="https://x.example" rel="nofollow ugc noopener">c<br />d</a></p>',
    );
  });

  it('a character reference in a long run without spaces is not cut in two', () => {
    const html = renderMarkdown('x'.repeat(1020) + '&amp;' + 'y'.repeat(20));
    assert.match(html, /x&amp;y/);
    assert.doesNotMatch(html, /&amp;amp;/);
  });

  it('e-mail addresses and URLs next to long runs are still linked', () => {
    const html = renderMarkdown(`${'a_b_'.repeat(3000)} mail me@example.com or https://example.com/x`);
    assert.match(html, /href="mailto:me@example.com"/);
    assert.match(html, /href="https:\/\/example.com\/x"/);
  });
});
