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
    fs.writeFileSync(path.join(dir, 'parts', 'item.ejs'), `<li><%= r %><%- include('/parts/note', { n: r.length }) %></li>`);
    fs.writeFileSync(path.join(dir, 'parts', 'note.ejs'), `[<%= n %> <%= typeof settings %> <%= typeof r %>]`);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renders with the data given, and its includes see only that data', () => {
    const partial = partialRenderer(dir, () => true);
    assert.equal(partial('/parts/item', { r: 'a<b' }), '<li>a&lt;b[3 undefined string]</li>');
  });

  it('keeps compiled views only when the cache is on', () => {
    let cache = false;
    const partial = partialRenderer(dir, () => cache);
    assert.equal(partial('/parts/item', { r: 'x' }), '<li>x[1 undefined string]</li>');
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
