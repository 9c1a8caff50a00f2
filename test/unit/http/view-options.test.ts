/** server/http/view-options.ts partialRenderer: a view rendered with exactly the locals given. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { partialRenderer } from '../../../server/http/view-options';

describe('partial views', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'views-'));
    fs.mkdirSync(path.join(dir, 'parts'));
    fs.writeFileSync(path.join(dir, 'parts', 'item.ejs'), `<li><%= r %><%- partial('/parts/note', { n: r.length }) %></li>`);
    fs.writeFileSync(path.join(dir, 'parts', 'note.ejs'), `[<%= n %> <%= typeof settings %> <%= typeof r %> <%= locals.n %>]`);
    fs.writeFileSync(path.join(dir, 'parts', 'includes.ejs'), `<%- include('/parts/note', { n: 1 }) %>`);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renders with the data given, each key a variable, and the partials inside see only their own data', () => {
    const partial = partialRenderer(dir, () => true);
    assert.equal(partial('/parts/item', { r: 'a<b' }), '<li>a&lt;b[3 undefined undefined 3]</li>');
  });

  it('compiles once per view and set of keys: the same view with other keys sees those', () => {
    const partial = partialRenderer(dir, () => true);
    assert.equal(partial('/parts/note', { n: 2 }), '[2 undefined undefined 2]');
    fs.writeFileSync(path.join(dir, 'parts', 'note.ejs'), `(<%= n %> <%= typeof r %>)`);
    assert.equal(partial('/parts/note', { n: 5 }), '[5 undefined undefined 5]', 'the same keys: the function compiled first');
    assert.equal(partial('/parts/note', { n: 2, r: 'x' }), '(2 string)', 'other keys: compiled for them');
    assert.equal(partial('/parts/note', { r: 'x', n: 2 }), '(2 string)', 'keys in another order: compiled again, same result');
  });

  it("refuses include() inside a partial, data keys that are not identifiers, and ejs's own names", () => {
    const partial = partialRenderer(dir, () => true);
    assert.throws(() => partial('/parts/includes', {}), /include\('\/parts\/note'\) in a view rendered by partial\(\); use partial\(\)/);
    assert.throws(() => partial('/parts/note', { n: 1, 'not-a-name': 2 }), /not a valid JS identifier/);
    assert.throws(() => partial('/parts/note', { n: 1, escapeFn: String }), /data key 'escapeFn' is a name ejs uses itself/);
  });

  it('keeps compiled views only when the cache is on', () => {
    let cache = false;
    const partial = partialRenderer(dir, () => cache);
    assert.equal(partial('/parts/item', { r: 'x' }), '<li>x[1 undefined undefined 1]</li>');
    fs.writeFileSync(path.join(dir, 'parts', 'item.ejs'), `<p><%= r %></p>`);
    assert.equal(partial('/parts/item', { r: 'x' }), '<p>x</p>', 'an edited view is read again');
    cache = true;
    partial('/parts/item', { r: 'x' });
    fs.writeFileSync(path.join(dir, 'parts', 'item.ejs'), `<div><%= r %></div>`);
    assert.equal(partial('/parts/item', { r: 'x' }), '<p>x</p>', 'kept while the cache is on');
  });

  it('throws on a missing view or a local the view needs and was not given', () => {
    const partial = partialRenderer(dir, () => false);
    assert.throws(() => partial('/parts/none', {}), /ENOENT/);
    assert.throws(() => partial('/parts/item', {}), /r is not defined/);
  });
});
