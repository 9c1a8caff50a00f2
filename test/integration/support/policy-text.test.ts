import assert from 'node:assert/strict';
import { awaitingThread, et, startSupportForum, type Forum } from './helpers';

/** Text that depends on the support rules follows the configuration everywhere it appears. */
describe('support policy wording follows the configuration', function () {
  let f: Forum;
  before(async () => {
    f = await startSupportForum({
      SUPPORT_OPEN: '08:00',
      SUPPORT_CLOSE: '16:00',
      SUPPORT_DAYS: '1,2,3,4',
      SUPPORT_HOLIDAY_COUNTRY: 'DE',
      LOCK_AFTER_BUSINESS_DAYS: '3',
    });
  });
  after(async () => f?.close());

  it('footer, default staff signature, system note and lock banner', async () => {
    const page = await f.other.get('/').expect(200);
    assert.match(
      page.text,
      /Support hours: Monday to Thursday 8:00 – 16:00 Eastern Time \(except public holidays in Germany\)\. Estimated response time: within 1 business day\./,
    );
    assert.doesNotMatch(page.text, /7:30/);

    const id = await awaitingThread(f, '2026-11-23 09:00', '2026-11-23 10:00'); // Mon; 3 days of Mon-Thu -> Thu 11-26 10:00
    const thread = await f.other.get(`/threads/${id}`).expect(200);
    assert.match(thread.text, /If we do not receive a response, the thread will be closed and locked after three business days\./);

    const result = await f.lockSweep({ now: et('2026-11-26 10:00') });
    assert.deepEqual(
      result.locked.map((l) => l.threadId),
      [id],
    );
    const locked = await f.other.get(`/threads/${id}`).expect(200);
    assert.match(locked.text, /It was closed and locked after three business days without a response from the asker\./);
    const note = await f.models.Reply.findOne({ system: true }).lean();
    assert.match(note!.bodySource, /after three business days without a response/);
  });
});
