/**
 * server/http/page-pieces.ts: a page sent piece by piece must be byte for byte the page that
 * one string would have been, whatever characters its parts hold.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import ejs from 'ejs';
import { PagePieces } from '../../../server/http/page-pieces';

describe('page pieces', () => {
  it('gives the bytes of the whole page, pieces back in their places', () => {
    const pieces = new PagePieces();
    const replies = ['<p>Grüße aus Köln</p>', '<p>7:30 – 17:30 😀</p>', '', '<p>plain</p>'];
    const page = `<main>${replies.map((r) => pieces.hold(r)).join('<hr>')}</main><footer>·</footer>`;
    const whole = `<main>${replies.join('<hr>')}</main><footer>·</footer>`;
    assert.deepEqual(pieces.toBuffer(page), Buffer.from(whole));
  });

  it('sends a page with nothing held as it is', () => {
    assert.deepEqual(new PagePieces().toBuffer('<p>– x</p>'), Buffer.from('<p>– x</p>'));
  });

  it('refuses a page that lost or repeated a marker', () => {
    const pieces = new PagePieces();
    const marker = pieces.hold('<p>a</p>');
    pieces.hold('<p>b</p>');
    assert.throws(() => pieces.toBuffer(`<main>${marker}</main>`), /1 markers for 2 pieces/);
    assert.throws(() => pieces.toBuffer(`${marker}${marker}${marker}`), /3 markers for 2 pieces/);
  });

  it('text a user typed cannot be taken for a marker (a new random marker per page)', () => {
    const a = new PagePieces().hold('x');
    const b = new PagePieces().hold('x');
    assert.notEqual(a, b);
    const pieces = new PagePieces();
    const m = pieces.hold('<p>reply</p>');
    const typed = '\u0000 not a marker \u0000';
    assert.deepEqual(pieces.toBuffer(`${typed}${m}`), Buffer.from(`${typed}<p>reply</p>`));
  });

  it('the thread template holds each reply and gives the same page as without pieces', async () => {
    const views = path.resolve('views');
    const tpl = ejs.compile(
      '<% items.forEach(function (r) { const html = include("/item", { r }); %><%- typeof pieces !== "undefined" ? pieces.hold(html) : html %><% }) %>',
      {
        root: views,
        includer: (original: string) => (original === '/item' ? { template: '<li><%= r %></li>' } : { filename: original }),
      } as ejs.Options,
    );
    const items = ['a', 'ü', '–'];
    const pieces = new PagePieces();
    const held = pieces.toBuffer(tpl({ items, pieces }) as string);
    assert.deepEqual(held, Buffer.from(tpl({ items }) as string));
    assert.equal(held.toString(), '<li>a</li><li>ü</li><li>–</li>');
  });
});
