import assert from 'node:assert/strict';
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

    it('keeps http(s) images with alt and title, drops others entirely', () => {
      assert.equal(
        renderMarkdown('![alt text](https://img.example/a.png "Title")'),
        '<p><img src="https://img.example/a.png" alt="alt text" title="Title" /></p>',
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
