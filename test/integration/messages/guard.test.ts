import assert from 'node:assert/strict';
import path from 'node:path';
import ejs from 'ejs';
import { guardPublicPost } from '../../../server/privacy';
import { AppError } from '../../../server/kernel/errors';

const caught = (fn: () => void): AppError => {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  assert.fail('expected the guard to refuse the post');
};

describe('messages: public-post guard', () => {
  const cases: [string, string, string][] = [
    ['certification_id', 'My MCID: 123456789, thanks', '123456789'],
    ['access_code', 'The access code: AB12-CD34-EF56 has expired', 'AB12-CD34-EF56'],
    ['email', 'Write to priya.m@example.com please', 'priya.m@example.com'],
    ['phone', 'Call me at (415) 555-2671 today', '(415) 555-2671'],
    ['card_number', 'I paid with 4111 1111 1111 1111 yesterday', '4111 1111 1111 1111'],
    ['product_key', 'Key ABCDE-12345-FGHIJ-67890-KLMNO does not activate', 'ABCDE-12345-FGHIJ-67890-KLMNO'],
  ];
  for (const [kind, text, secret] of cases) {
    it(`stops a post with a ${kind}`, () => {
      const err = caught(() => guardPublicPost(text));
      assert.equal(err.status, 422);
      assert.equal(err.code, 'sensitive_data');
      const matches = err.details!.matches as { field: string; kind: string; label: string; start: number; end: number }[];
      assert.equal(matches.length, 1);
      assert.equal(matches[0]!.kind, kind);
      assert.equal(text.slice(matches[0]!.start, matches[0]!.end), secret);
      assert.equal(typeof matches[0]!.label, 'string');
      assert.ok(!(err.details!.withoutSecrets as string).includes(secret));
      assert.match(err.details!.highlighted as string, /<mark data-kind=/);
    });
  }

  it('lets ordinary support text through', () => {
    for (const text of [
      'Error 0x80070005 when installing KB5034441 on build 22631.2861 (version 16.0.17328).',
      'I followed steps 1-7 on 2023-09-20 and paid $129.99 for the exam.',
      'The page https://mcp.microsoft.com/mcp/home/migrate shows "access code expired". Where is the link?',
      'Order 1234567 was placed from 192.168.1.10.',
    ]) {
      assert.doesNotThrow(() => guardPublicPost(text), text);
    }
    assert.doesNotThrow(() => guardPublicPost({ title: 'Cannot migrate', body: 'Nothing private here.' }));
  });

  it('checks the title too and offers both cleaned texts', () => {
    const err = caught(() => guardPublicPost({ title: 'MCID 123456789 not found', body: 'See title.' }));
    const d = err.details!;
    assert.equal((d.matches as { field: string }[])[0]!.field, 'title');
    assert.equal(d.titleWithoutSecrets, 'MCID [removed] not found');
    assert.equal(d.withoutSecrets, 'See title.');
  });

  it('the guard panel shows the matches and the two choices', async () => {
    const err = caught(() => guardPublicPost('My MCID: 123456789 <b>x</b>'));
    const html = await ejs.renderFile(path.resolve('views/messages/guard-panel.ejs'), {
      errorCode: err.code,
      details: err.details,
      guardBody: 'My MCID: 123456789 <b>x</b>',
      guardThreadId: '0123456789abcdef01234567',
      guardAction: '/threads/0123456789abcdef01234567/replies',
      guardHidden: { products: ['a', 'b'] },
      csrfToken: () => 'tok',
    });
    assert.match(html, /<mark data-kind="certification_id">123456789<\/mark> &lt;b&gt;x&lt;\/b&gt;/);
    assert.match(html, /action="\/threads\/0123456789abcdef01234567\/replies"/);
    assert.match(html, /name="body" value="My MCID: \[removed\] &lt;b&gt;x&lt;\/b&gt;"/);
    assert.match(html, /action="\/messages\/from-post"/);
    assert.match(html, /name="threadId" value="0123456789abcdef01234567"/);
    assert.equal((html.match(/name="products"/g) ?? []).length, 2);
    const none = await ejs.renderFile(path.resolve('views/messages/guard-panel.ejs'), {
      errorCode: 'validation',
      details: {},
      guardBody: '',
      guardAction: '/ask',
      csrfToken: () => 'tok',
    });
    assert.equal(none.trim(), '');
  });
});
