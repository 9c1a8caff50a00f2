import assert from 'node:assert/strict';
import { ask, oid, reply, startFeedbackWorld, type FeedbackWorld, type Person } from './helpers';
import { csvCell, csvLine } from '../../../server/feedback/csv';

/**
 * The support dashboard over a small, hand-computed dataset (times in UTC; the desk is open
 * 07:30-17:30 America/New_York, Mon-Fri, closed Thanksgiving Thu 2026-11-26).
 *
 *  T0 [P0] asked Mon 08-03 by asker1; modA replied in August (its first response, outside the
 *     period); modB replies Wed 11-18 -> a staff reply in the period, NOT a first response.
 *  T1 [P0] asked Mon 11-16 14:00 (09:00 EST); modA 16:00 (120 min), modB Tue 11-17. Accepted: modA.
 *  T2 [P0,P1] asked Fri 11-20 21:00 (16:00 EST); modB Mon 11-23 13:30 (08:30 EST): 90 + 60 = 150. Accepted: modB.
 *  T3 [P1] asked Wed 11-25 15:00 (10:00 EST); modA Fri 11-27 13:30 (08:30): 450 + 60 = 510. Accepted: modA.
 *  T4 [P2] asked Thu 11-19 15:00 (10:00 EST); modA 16:00 (60). Then closed for no response.
 *  T5 [P2] asked by modA Wed 11-18 15:00; modA's own reply 15:30 (not a response); modB 17:00 (120).
 *
 *  First responses: modA [120, 510, 60] -> median 120; modB [150, 120] -> 135;
 *  all [60, 120, 120, 150, 510] -> 120; P0 [120, 150] -> 135; P1 [150, 510] -> 330; P2 [60, 120] -> 90.
 */
describe('feedback: the support dashboard', function () {
  this.timeout(120_000);
  let w: FeedbackWorld;
  let modA: Person, modB: Person, asker1: Person, asker2: Person, member: Person;
  let r1: Person, r2: Person, r3: Person;
  let P0: string, P1: string, P2: string;
  let t3: string, t3a: string;

  const at = (iso: string) => w.app.clock.set(iso);
  const vote = (p: Person, id: string, helpful: boolean) =>
    p.agent.post(`/api/replies/${id}/helpful`).set('X-CSRF-Token', p.csrf).send({ helpful }).expect(200);
  const rate = (p: Person, id: string, score: number) =>
    p.agent.post(`/api/replies/${id}/satisfaction`).set('X-CSRF-Token', p.csrf).send({ score }).expect(200);
  const accept = (p: Person, threadId: string, replyId: string) =>
    p.agent.post(`/api/threads/${threadId}/accept`).set('X-CSRF-Token', p.csrf).send({ replyId }).expect(200);

  before(async () => {
    w = await startFeedbackWorld('2026-08-03T14:00:00Z');
    modA = await w.person('moderator', 'dana');
    modB = await w.person('admin', 'ana');
    asker1 = await w.person('member', 'priya');
    asker2 = await w.person('member', 'bea');
    r1 = await w.person('member', 'rone');
    r2 = await w.person('member', 'rtwo');
    r3 = await w.person('member', 'rthree');
    member = r3;
    [P0, P1, P2] = w.products.map((p) => p.id) as [string, string, string];

    at('2026-08-03T14:00:00Z');
    const t0 = (await ask(asker1, [P0], 'An old question from the summer')).id;
    at('2026-08-03T15:00:00Z');
    const t0a = (await reply(modA, t0)).id;

    at('2026-11-16T14:00:00Z');
    const t1 = (await ask(asker1, [P0], 'Expired access code for my cloud admin certification')).id;
    at('2026-11-16T16:00:00Z');
    const t1a = (await reply(modA, t1)).id;
    at('2026-11-16T17:00:00Z');
    const t1m = (await reply(member, t1, 'Same here, my code expired as well last week.')).id;
    at('2026-11-17T15:00:00Z');
    const t1b = (await reply(modB, t1)).id;
    await accept(asker1, t1, t1a);

    at('2026-11-18T15:00:00Z');
    const t5 = (await ask(modA, [P2], 'Internal: checking the migration page')).id;
    at('2026-11-18T15:30:00Z');
    await reply(modA, t5, 'Adding the screenshots to my own question here.');
    at('2026-11-18T17:00:00Z');
    await reply(modB, t5);
    at('2026-11-18T18:00:00Z');
    await reply(modB, t0, 'Following up on this old thread.');

    at('2026-11-19T15:00:00Z');
    const t4 = (await ask(asker2, [P2], 'Windows activation question without answer')).id;
    at('2026-11-19T16:00:00Z');
    await reply(modA, t4);
    // The lifecycle's no-response lock, as the sweep would leave it.
    await w.app
      .col('threads')
      .updateOne({ _id: oid(t4) }, { $set: { status: 'locked', lockReason: 'no_response', lockedAt: new Date('2026-11-23T16:00:00Z') } });

    at('2026-11-20T21:00:00Z');
    const t2 = (await ask(asker2, [P0, P1], 'Office and certification profile question')).id;
    at('2026-11-23T13:30:00Z');
    const t2b = (await reply(modB, t2)).id;
    await accept(asker2, t2, t2b);

    at('2026-11-25T15:00:00Z');
    t3 = (await ask(asker1, [P1], 'Office installer keeps failing')).id;
    at('2026-11-27T13:30:00Z');
    t3a = (await reply(modA, t3)).id;
    await accept(asker1, t3, t3a);

    at('2026-12-01T12:00:00Z');
    await vote(r1, t1a, true);
    await vote(r2, t1a, true);
    await vote(r3, t1a, false);
    await rate(r1, t1a, 5);
    await rate(r2, t1a, 4);
    await vote(r1, t1b, false);
    await rate(r2, t1b, 2);
    await vote(r1, t2b, true);
    await vote(r2, t2b, true);
    await rate(r3, t2b, 3);
    await vote(r1, t3a, true);
    await rate(r1, t3a, 5);
    await rate(r2, t3a, 1);
    await rate(r2, t3a, 4);
    await rate(r3, t3a, 3);
    await r3.agent.delete(`/api/replies/${t3a}/satisfaction`).set('X-CSRF-Token', r3.csrf).expect(200);
    await vote(r1, t1m, true); // a member's reply: not in the dashboard
    await vote(r1, t0a, true); // a staff reply from August: outside the period
  });
  after(() => w?.close());

  const period = 'from=2026-11-16&to=2026-11-30';

  it('refuses members (403) and anonymous readers', async () => {
    let res = await r1.agent.get('/api/reports/support').expect(403);
    assert.equal(res.body.error.code, 'forbidden');
    await r1.agent.get('/support/dashboard').expect(403);
    await r1.agent.get('/support/dashboard.csv').expect(403);
    await w.app.agent().get('/api/reports/support').expect(401);
    res = await w.app.agent().get('/support/dashboard').expect(302);
    assert.match(res.headers.location!, /^\/login\?next=/);
  });

  it('computes the numbers per moderator, per product and in total', async () => {
    const res = await modA.agent.get(`/api/reports/support?${period}`).expect(200);
    const r = res.body;
    assert.equal(r.from, '2026-11-16');
    assert.equal(r.to, '2026-11-30');
    assert.equal(r.product, null);
    assert.deepEqual(r.totals, {
      staffReplies: 8,
      helpfulYes: 5,
      helpfulNo: 2,
      helpfulRate: 0.7143,
      satisfactionCount: 6,
      satisfactionSum: 23,
      satisfactionAverage: 3.83,
      satisfactionDistribution: [0, 1, 1, 2, 2],
      acceptedAnswers: 3,
      firstResponses: 5,
      medianFirstResponseMinutes: 120,
      closedNoResponse: 1,
    });
    const byName = Object.fromEntries(r.moderators.map((m: { displayName: string }) => [m.displayName, m]));
    assert.deepEqual(Object.keys(byName).sort(), ['Ana', 'Dana']);
    assert.deepEqual(
      { ...byName.Dana, id: undefined, username: undefined },
      {
        id: undefined,
        username: undefined,
        displayName: 'Dana',
        role: 'moderator',
        staffReplies: 4,
        helpfulYes: 3,
        helpfulNo: 1,
        helpfulRate: 0.75,
        satisfactionCount: 4,
        satisfactionSum: 18,
        satisfactionAverage: 4.5,
        satisfactionDistribution: [0, 0, 0, 2, 2],
        acceptedAnswers: 2,
        firstResponses: 3,
        medianFirstResponseMinutes: 120,
        closedNoResponse: 1,
      },
    );
    assert.equal(byName.Dana.id, modA.user.id);
    assert.deepEqual(
      { ...byName.Ana, id: undefined, username: undefined },
      {
        id: undefined,
        username: undefined,
        displayName: 'Ana',
        role: 'admin',
        staffReplies: 4,
        helpfulYes: 2,
        helpfulNo: 1,
        helpfulRate: 0.6667,
        satisfactionCount: 2,
        satisfactionSum: 5,
        satisfactionAverage: 2.5,
        satisfactionDistribution: [0, 1, 1, 0, 0],
        acceptedAnswers: 1,
        firstResponses: 2,
        medianFirstResponseMinutes: 135,
        closedNoResponse: 0,
      },
    );
    const byProduct = Object.fromEntries(r.productRows.map((p: { id: string }) => [p.id, p]));
    assert.equal(r.productRows.length, w.products.length);
    assert.deepEqual(pickMetrics(byProduct[P0]), {
      staffReplies: 4,
      helpfulYes: 4,
      helpfulNo: 2,
      helpfulRate: 0.6667,
      satisfactionCount: 4,
      satisfactionAverage: 3.5,
      satisfactionDistribution: [0, 1, 1, 1, 1],
      acceptedAnswers: 2,
      firstResponses: 2,
      medianFirstResponseMinutes: 135,
      closedNoResponse: 0,
    });
    assert.deepEqual(pickMetrics(byProduct[P1]), {
      staffReplies: 2,
      helpfulYes: 3,
      helpfulNo: 0,
      helpfulRate: 1,
      satisfactionCount: 3,
      satisfactionAverage: 4,
      satisfactionDistribution: [0, 0, 1, 1, 1],
      acceptedAnswers: 2,
      firstResponses: 2,
      medianFirstResponseMinutes: 330,
      closedNoResponse: 0,
    });
    assert.deepEqual(pickMetrics(byProduct[P2]), {
      staffReplies: 3,
      helpfulYes: 0,
      helpfulNo: 0,
      helpfulRate: null,
      satisfactionCount: 0,
      satisfactionAverage: null,
      satisfactionDistribution: [0, 0, 0, 0, 0],
      acceptedAnswers: 0,
      firstResponses: 2,
      medianFirstResponseMinutes: 90,
      closedNoResponse: 1,
    });
  });

  it('filters by product', async () => {
    const r = (await modB.agent.get(`/api/reports/support?${period}&product=${P1}`).expect(200)).body;
    assert.deepEqual(r.product, { id: P1, name: w.products[1]!.name });
    assert.deepEqual(pickMetrics(r.totals), {
      staffReplies: 2,
      helpfulYes: 3,
      helpfulNo: 0,
      helpfulRate: 1,
      satisfactionCount: 3,
      satisfactionAverage: 4,
      satisfactionDistribution: [0, 0, 1, 1, 1],
      acceptedAnswers: 2,
      firstResponses: 2,
      medianFirstResponseMinutes: 330,
      closedNoResponse: 0,
    });
    const dana = r.moderators.find((m: { displayName: string }) => m.displayName === 'Dana');
    assert.equal(dana.staffReplies, 1);
    assert.equal(dana.satisfactionAverage, 4.5);
    assert.equal(dana.medianFirstResponseMinutes, 510);
    assert.deepEqual(
      r.productRows.map((p: { id: string }) => p.id),
      [P1],
    );
  });

  it('defaults to the last 90 days and validates the filters', async () => {
    const r = (await modA.agent.get('/api/reports/support').expect(200)).body;
    assert.equal(r.to, '2026-12-01');
    assert.equal(r.from, '2026-09-03');
    assert.equal(r.totals.staffReplies, 8);
    for (const q of [
      'from=2026-11-31',
      'from=yesterday',
      'from=2026-12-01&to=2026-11-01',
      'product=xyz',
      `product=${P0}&product=${P1}`,
      'from=2026-01-01&from=2026-02-01',
      'from=1999-12-31',
    ]) {
      const res = await modA.agent.get(`/api/reports/support?${q}`);
      assert.equal(res.status, 400, q);
    }
    await modA.agent.get('/api/reports/support?product=0123456789abcdef01234567').expect(404);
  });

  it('renders the dashboard page with filters, accessible charts and data tables', async () => {
    const res = await modA.agent.get(`/support/dashboard?${period}`).expect(200);
    const html = res.text;
    assert.match(html, /<h1 id="dashboard-title">Support dashboard<\/h1>/);
    assert.match(html, /<form class="dashboard-filters[^"]*" method="get" action="\/support\/dashboard">/);
    assert.match(html, /name="from" value="2026-11-16"/);
    assert.match(html, /<svg class="chart"[^>]*role="img"[^>]*aria-labelledby="[^"]+"/);
    assert.match(html, /<title id="[^"]+">Satisfaction ratings by score<\/title>/);
    assert.match(html, /<title id="[^"]+">Helpful rate by moderator<\/title>/);
    assert.match(html, /<th scope="row">4 – Satisfied<\/th><td>2<\/td>/);
    assert.match(html, /data-metric="helpfulRate">71.4%/);
    assert.match(html, /data-metric="medianFirstResponse">2.0 h/);
    assert.match(html, /href="\/support\/dashboard.csv\?from=2026-11-16&amp;to=2026-11-30"/);
    assert.doesNotMatch(html, /<script(?![^>]*src=)/, 'no inline script');
  });

  it('exports CSV with proper escaping and formula neutralisation', async () => {
    await w.app.col('users').updateOne({ _id: oid(modA.user.id) }, { $set: { displayName: '=HYPERLINK("http://x.test","click")' } });
    await w.app.col('users').updateOne({ _id: oid(modB.user.id) }, { $set: { displayName: 'Ana, "the admin"\nSupport' } });
    const res = await modA.agent.get(`/support/dashboard.csv?${period}`).expect(200);
    assert.match(res.headers['content-type']!, /^text\/csv; charset=utf-8/);
    assert.match(res.headers['content-disposition']!, /attachment; filename="support-dashboard-2026-11-16-to-2026-11-30.csv"/);
    const text = res.text;
    assert.ok(text.endsWith('\r\n'));
    const lines = text.split('\r\n');
    assert.match(lines[0]!, /^section,id,name,period_from,period_to,product_filter,staff_replies,helpful_yes,helpful_no,helpful_rate,/);
    assert.equal(lines[1], 'total,,All,2026-11-16,2026-11-30,,8,5,2,0.7143,6,3.83,0,1,1,2,2,3,5,120,1');
    assert.ok(
      text.includes(`moderator,${modA.user.id},"'=HYPERLINK(""http://x.test"",""click"")",2026-11-16,2026-11-30,,4,3,1,0.75,`),
      text,
    );
    assert.ok(text.includes(`moderator,${modB.user.id},"Ana, ""the admin""\nSupport",2026-11-16,`), text);
    await w.app.col('users').updateOne({ _id: oid(modA.user.id) }, { $set: { displayName: 'Dana' } });
    await w.app.col('users').updateOne({ _id: oid(modB.user.id) }, { $set: { displayName: 'Ana' } });
  });

  it('follows an answer being unaccepted and accepted again', async () => {
    const accepted = async () => (await modA.agent.get(`/api/reports/support?${period}`).expect(200)).body.totals.acceptedAnswers;
    await asker1.agent.delete(`/api/threads/${t3}/accept`).set('X-CSRF-Token', asker1.csrf).expect(200);
    assert.equal(await accepted(), 2);
    await accept(asker1, t3, t3a);
    assert.equal(await accepted(), 3);
  });

  it('gives the same numbers after a recount rebuilt the running totals from scratch', async () => {
    const before = (await modA.agent.get(`/api/reports/support?${period}`).expect(200)).body;
    await w.app.col('feedback_daily').deleteMany({});
    await w.app.col('feedback_first_responses').deleteMany({});
    const r = await w.app.services.feedback.recount();
    assert.equal(r.repliesFixed, 0);
    const after = (await modA.agent.get(`/api/reports/support?${period}`).expect(200)).body;
    assert.deepEqual(after, before);
  });

  it('csvCell quotes, doubles quotes and neutralises formulas', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('=1+1'), "'=1+1");
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('-2'), "'-2");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('\tx'), "'\tx");
    assert.equal(csvCell('=a,b'), `"'=a,b"`);
    assert.equal(csvCell(-3), '-3', 'numbers are numbers');
    assert.equal(csvCell(null), '');
    assert.equal(csvLine(['a', 1, null, 'b"c']), 'a,1,,"b""c"');
  });
});

function pickMetrics(m: Record<string, unknown>) {
  const {
    staffReplies,
    helpfulYes,
    helpfulNo,
    helpfulRate,
    satisfactionCount,
    satisfactionAverage,
    satisfactionDistribution,
    acceptedAnswers,
    firstResponses,
    medianFirstResponseMinutes,
    closedNoResponse,
  } = m;
  return {
    staffReplies,
    helpfulYes,
    helpfulNo,
    helpfulRate,
    satisfactionCount,
    satisfactionAverage,
    satisfactionDistribution,
    acceptedAnswers,
    firstResponses,
    medianFirstResponseMinutes,
    closedNoResponse,
  };
}
