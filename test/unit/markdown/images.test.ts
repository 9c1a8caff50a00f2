import assert from 'node:assert/strict';
import { renderMarkdown } from '../../../server/markdown/render';
import { MISSING_ALT_PROMPT } from '../../../server/markdown/images';
import { hasVisibleText } from '../../../server/markdown/visible';

const ID = '0123456789abcdef01234567';
const PROMPT = `<span class="img-alt-missing">${MISSING_ALT_PROMPT}</span>`;

describe('markdown/images: uploads, external images and missing descriptions (renderer 3)', () => {
  it('an uploaded image shows its thumbnail inside a link to the full image', () => {
    assert.equal(
      renderMarkdown(`![Error dialog](/uploads/${ID})`),
      `<p><a href="/uploads/${ID}" class="upload-image"><img src="/uploads/${ID}/thumb" alt="Error dialog" loading="lazy" /></a></p>`,
    );
  });

  it('inside a link, an uploaded image is not wrapped again (no nested links)', () => {
    assert.equal(
      renderMarkdown(`[![Step 1](/uploads/${ID})](https://learn.example/step1)`),
      `<p><a href="https://learn.example/step1" rel="nofollow ugc noopener"><img src="/uploads/${ID}/thumb" alt="Step 1" loading="lazy" /></a></p>`,
    );
  });

  it('an image without a description, Markdown or raw HTML, gets alt="" and a visible prompt', () => {
    for (const md of [`![](/uploads/${ID})`, `<img src="/uploads/${ID}">`, `![   ](/uploads/${ID})`]) {
      const html = renderMarkdown(md);
      assert.ok(html.includes(`alt="" loading="lazy" /></a> ${PROMPT}`), html);
    }
    assert.ok(renderMarkdown('<img src="/public/logo.png">').includes(`<img src="/public/logo.png" alt="" loading="lazy" /> ${PROMPT}`));
  });

  it('an image from another site is a link to it, never an <img>; inside a link, plain text', () => {
    const html = renderMarkdown('![a "quoted" <b>alt</b>](https://cdn.example/p.png?a=1&b=2 "T")');
    assert.doesNotMatch(html, /<img/);
    assert.equal(
      html,
      '<p><a href="https://cdn.example/p.png?a=1&amp;b=2" rel="nofollow ugc noopener" class="external-image" title="T">External image: a &quot;quoted&quot; alt (cdn.example)</a></p>',
    );
    assert.equal(
      renderMarkdown('[![x](http://cdn.example/p.png)](https://docs.example)'),
      '<p><a href="https://docs.example" rel="nofollow ugc noopener"><span class="external-image">External image: x (cdn.example)</span></a></p>',
    );
    assert.doesNotMatch(renderMarkdown('<img src="https://t.example/pixel.gif" width=1 height=1>'), /<img/);
  });

  it('attribute values stay escaped: no way out of the attribute through alt or title', () => {
    const html = renderMarkdown(`<img src="/uploads/${ID}" alt='x" onerror="alert(1)' title="a&quot;>">`);
    assert.doesNotMatch(html, /onerror="/);
    assert.ok(html.includes('alt="x&quot; onerror=&quot;alert(1)"'), html);
  });

  it('the words written about images are not the member’s text (an image alone is not a question)', () => {
    assert.equal(hasVisibleText(renderMarkdown(`![](/uploads/${ID})`)), false);
    assert.equal(hasVisibleText(renderMarkdown('![x](https://cdn.example/p.png)')), false);
    assert.equal(hasVisibleText(renderMarkdown(`Look: ![](/uploads/${ID})`)), true);
  });
});
