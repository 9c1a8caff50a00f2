import assert from 'node:assert/strict';
import path from 'node:path';
import { ask, oid, reply, startFeedbackWorld, type FeedbackWorld, type Person } from './helpers';
import { feedbackReturnUrl, parseFeedbackFlash } from '../../../server/feedback/present';
import { partialRenderer } from '../../../server/http/view-options';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
/** The widget as views/threads/_reply.ejs renders it: partial() (server/http/view-options.ts). */
const partial = partialRenderer(path.resolve('views'), () => false);

describe('feedback: without JavaScript (forms) and the widget', function () {
  this.timeout(60_000);
  let w: FeedbackWorld;
  let asker: Person;
  let mod: Person;
  let reader: Person;
  let thread: { id: string; url: string };
  let replyId: string;

  before(async () => {
    w = await startFeedbackWorld();
    asker = await w.person('member', 'asker');
    mod = await w.person('moderator', 'dana');
    reader = await w.person('member', 'reader');
    thread = await ask(asker, [w.products[0]!.id]);
    replyId = (await reply(mod, thread.id)).id;
  });
  after(() => w?.close());

  it('a page carries one copy of the rating forms for the script, not one per reply', async () => {
    const before = await reader.agent.get(thread.url).expect(200);
    assert.doesNotMatch(widgetOf(before.text, replyId), /data-fb-form="rate"|How satisfied/);
    const templates = before.text.match(/<template id="fb-rate-template">[\s\S]*?<\/template>/g) ?? [];
    assert.equal(templates.length, 1);
    assert.match(templates[0]!, /action="\/replies\/__REPLY__\/satisfaction" data-fb-form="rate"/);
    assert.match(templates[0]!, new RegExp(`name="_csrf" value="${reader.csrf}"`));
    assert.match(templates[0]!, /data-fb-form="unrate" hidden/);
    const anonymous = await w.app.agent().get(thread.url).expect(200);
    assert.doesNotMatch(anonymous.text, /fb-rate-template|__REPLY__/);
  });

  it('votes with a plain form and goes back to the reply with the thank-you message', async () => {
    const res = await reader.agent
      .post(`/replies/${replyId}/helpful`)
      .type('form')
      .send(form({ _csrf: reader.csrf, helpful: 'yes', return: `${thread.url}?page=1` }))
      .expect(303);
    assert.equal(res.headers.location, `${thread.url}?page=1&fb=${replyId}:yes#reply-${replyId}`);
    const vote = await w.app.col('votes').findOne({ replyId: oid(replyId), userId: oid(reader.user.id) });
    assert.equal(vote!.helpful, true);
    assert.equal((await w.app.col('replies').findOne({ _id: oid(replyId) }))!.helpfulCount, 1);

    const page = await reader.agent.get(res.headers.location!.replace(/#.*$/, '')).expect(200);
    const box = widgetOf(page.text, replyId);
    assert.match(box, /<p class="fb-status" role="status" aria-live="polite" data-fb-status>Great! Thanks for your feedback.<\/p>/);
    assert.match(box, /1 person found this reply helpful/);
    assert.match(box, /value="yes" aria-pressed="true"/);
    assert.match(box, /<legend>How satisfied are you with this reply\?<\/legend>/);
    assert.doesNotMatch(box, /data-fb-form="rate" hidden/);
  });

  it('says sorry for a "No", takes a rating with a comment, and withdraws both', async () => {
    let res = await reader.agent
      .post(`/replies/${replyId}/helpful`)
      .type('form')
      .send(form({ _csrf: reader.csrf, helpful: 'no', return: thread.url }))
      .expect(303);
    assert.equal(res.headers.location, `${thread.url}?fb=${replyId}:no#reply-${replyId}`);
    let page = await reader.agent.get(`${thread.url}?fb=${replyId}:no`).expect(200);
    assert.match(widgetOf(page.text, replyId), /data-fb-status>Sorry this didn&#39;t help.<\/p>/);

    res = await reader.agent
      .post(`/replies/${replyId}/satisfaction`)
      .type('form')
      .send(form({ _csrf: reader.csrf, score: '4', comment: 'Steps worked.', return: thread.url }))
      .expect(303);
    assert.equal(res.headers.location, `${thread.url}?fb=${replyId}:rated#reply-${replyId}`);
    const vote = await w.app.col('votes').findOne({ replyId: oid(replyId), userId: oid(reader.user.id) });
    assert.equal(vote!.score, 4);
    assert.equal(vote!.comment, 'Steps worked.');
    page = await reader.agent.get(`${thread.url}?fb=${replyId}:rated`).expect(200);
    const box = widgetOf(page.text, replyId);
    assert.match(box, /Thanks for your feedback, it helps us improve the site./);
    assert.match(box, /id="fb-s-[0-9a-f]+-4" name="score" value="4" checked/);
    assert.match(box, /<label for="fb-s-[0-9a-f]+-1">1 – Very dissatisfied<\/label>/);
    assert.match(box, /<label for="fb-s-[0-9a-f]+-5">5 – Very satisfied<\/label>/);
    assert.match(box, />Steps worked.<\/textarea>/);

    await reader.agent
      .post(`/replies/${replyId}/satisfaction/withdraw`)
      .type('form')
      .send(form({ _csrf: reader.csrf, return: thread.url }))
      .expect(303);
    res = await reader.agent
      .post(`/replies/${replyId}/helpful/withdraw`)
      .type('form')
      .send(form({ _csrf: reader.csrf, return: thread.url }))
      .expect(303);
    assert.equal(res.headers.location, `${thread.url}?fb=${replyId}:unvoted#reply-${replyId}`);
    assert.equal(await w.app.col('votes').countDocuments({ replyId: oid(replyId) }), 0);
    const r = await w.app.col('replies').findOne({ _id: oid(replyId) });
    assert.deepEqual([r!.helpfulCount, r!.notHelpfulCount, r!.satisfactionSum, r!.satisfactionCount], [0, 0, 0, 0]);
  });

  it("never redirects anywhere but the reply's own thread", async () => {
    for (const target of ['//evil.test/x', 'https://evil.test/', '/threads/0123456789abcdef01234567', '/\\evil.test', '/logout']) {
      const res = await reader.agent
        .post(`/replies/${replyId}/helpful`)
        .type('form')
        .send(form({ _csrf: reader.csrf, helpful: 'yes', return: target }))
        .expect(303);
      assert.equal(res.headers.location, `/threads/${thread.id}?fb=${replyId}:yes#reply-${replyId}`, target);
    }
    assert.equal(
      feedbackReturnUrl(`/threads/${thread.id}/slug?page=2&fb=${replyId}:no#reply-x`, thread.id, replyId, 'rated'),
      `/threads/${thread.id}/slug?page=2&fb=${replyId}:rated#reply-${replyId}`,
    );
    assert.equal(parseFeedbackFlash(`${replyId}:yes`)!.message, 'Great! Thanks for your feedback.');
    assert.equal(parseFeedbackFlash(`${replyId}:<script>`), null);
    assert.equal(parseFeedbackFlash(['a', 'b']), null);
  });

  it('checks forms like the API: CSRF (403), bad values (400), own reply (403), anonymous (sign in)', async () => {
    await reader.agent
      .post(`/replies/${replyId}/helpful`)
      .type('form')
      .send(form({ helpful: 'yes' }))
      .expect(403);
    await reader.agent
      .post(`/replies/${replyId}/helpful`)
      .type('form')
      .send(form({ _csrf: reader.csrf, helpful: 'maybe' }))
      .expect(400);
    await reader.agent
      .post(`/replies/${replyId}/satisfaction`)
      .type('form')
      .send(form({ _csrf: reader.csrf, score: '6' }))
      .expect(400);
    await mod.agent
      .post(`/replies/${replyId}/helpful`)
      .type('form')
      .send(form({ _csrf: mod.csrf, helpful: 'yes' }))
      .expect(403);
    await w.app
      .agent()
      .post(`/replies/${replyId}/helpful`)
      .type('form')
      .send(form({ helpful: 'yes' }))
      .expect(401);
  });

  it('rate-limits votes per reader', async () => {
    const spammer = await w.person('member', 'spammer');
    let last = 0;
    for (let i = 0; i < 61; i++) {
      const res = await spammer.agent
        .post(`/api/replies/${replyId}/helpful`)
        .set('X-CSRF-Token', spammer.csrf)
        .send({ helpful: i % 2 === 0 });
      last = res.status;
      if (res.status === 429) break;
    }
    assert.equal(last, 429);
  });

  describe('the widget partial', () => {
    const base = {
      id: '0123456789abcdef01234567',
      threadId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
      system: false,
      helpfulCount: 0,
      author: { id: 'author1' },
    };
    const render = async (locals: Record<string, unknown>) =>
      partial('/feedback/reply-feedback', {
        reply: base,
        currentUser: null,
        yourVote: null,
        yourScore: null,
        csrfToken: () => 'tok',
        currentPath: '/threads/aaaaaaaaaaaaaaaaaaaaaaaa',
        ...locals,
      });

    it('shows anonymous readers the count and a sign-in link, no forms', async () => {
      const html = await render({ reply: { ...base, helpfulCount: 3 } });
      assert.match(html, /3 people found this reply helpful/);
      assert.match(html, /<a href="\/login\?next=%2Fthreads%2Faaaaaaaaaaaaaaaaaaaaaaaa%23reply-0123456789abcdef01234567">Sign in<\/a>/);
      assert.doesNotMatch(html, /<form/);
    });

    it('shows the author of the reply only the count', async () => {
      const html = await render({ currentUser: { id: 'author1' }, reply: { ...base, helpfulCount: 1 } });
      assert.match(html, /1 person found this reply helpful/);
      assert.doesNotMatch(html, /<form|Sign in/);
    });

    it('renders nothing for notes from the forum', async () => {
      assert.equal((await render({ reply: { ...base, system: true } })).trim(), '');
    });

    it('leaves the satisfaction question out until the reader has voted', async () => {
      let html = await render({ currentUser: { id: 'me' } });
      assert.doesNotMatch(html, /data-fb-form="rate"|How satisfied|type="radio"/);
      assert.match(html, /value="yes" aria-pressed="false"/);
      assert.match(html, /name="_csrf" value="tok"/);
      html = await render({ currentUser: { id: 'me' }, yourVote: false, yourScore: 2 });
      assert.doesNotMatch(html, /data-fb-form="rate" hidden/);
      assert.match(html, /value="no" aria-pressed="true"/);
      assert.match(html, /<fieldset class="fb-scale">\s*<legend>How satisfied are you with this reply\?<\/legend>/);
      assert.equal((html.match(/type="radio"/g) ?? []).length, 5);
      assert.match(html, /value="2" checked/);
    });
  });
});

/** The feedback block of one reply in a page. */
function widgetOf(html: string, replyId: string): string {
  const start = html.indexOf(`<div class="reply-feedback" data-feedback data-reply-id="${replyId}"`);
  assert.ok(start >= 0, 'the reply has a feedback widget');
  const end = html.indexOf('</article>', start);
  return html.slice(start, end);
}
