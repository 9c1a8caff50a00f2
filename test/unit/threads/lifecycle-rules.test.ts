import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { BusinessCalendar } from '../../../server/calendar';
import {
  afterReply,
  LIFECYCLE_FIELDS,
  mergeLifecycle,
  onAccepted,
  onAskerResponse,
  onLocked,
  onQuestionPosted,
  onStaffReply,
  onUnaccepted,
  onUnlocked,
  toUpdate,
} from '../../../server/threads/lifecycle';
import { deadlineBadge } from '../../../server/support';
import { businessDaysPhrase, type SupportRules } from '../../../server/calendar';

/** The pure lifecycle rules (server/threads/lifecycle.ts); no database. */
const rules: SupportRules = { calendar: new BusinessCalendar(), lockAfterDays: 2, firstResponseDays: 1 };
const et = (s: string) => DateTime.fromFormat(s, 'yyyy-MM-dd HH:mm', { zone: 'America/New_York' }).toJSDate();
const local = (d: unknown) => DateTime.fromJSDate(d as Date, { zone: 'America/New_York' }).toFormat('yyyy-MM-dd HH:mm');

describe('support lifecycle rules (pure)', () => {
  it('staff reply: awaiting the asker, deadlines from the policy table', () => {
    for (const [reply, lock] of [
      ['2026-11-17 10:00', '2026-11-19 10:00'],
      ['2026-11-20 16:00', '2026-11-24 16:00'],
      ['2026-11-25 10:00', '2026-11-30 10:00'],
      ['2026-11-21 12:00', '2026-11-24 17:30'],
      ['2026-07-02 15:00', '2026-07-07 15:00'],
      ['2026-03-06 09:00', '2026-03-10 09:00'],
      ['2026-10-30 12:00', '2026-11-03 12:00'],
    ]) {
      const c = onStaffReply(rules, et(reply!));
      assert.equal(c.status, 'awaiting_asker');
      assert.equal(local(c.set.lockDueAt), lock, reply);
      assert.equal(c.set.awaitingSince!.valueOf(), et(reply!).valueOf());
      assert.ok(c.unset.includes('firstResponseDueAt') && c.unset.includes('reminderSentAt'));
    }
    assert.equal(local(onStaffReply(rules, et('2026-11-20 16:00')).set.reminderDueAt), '2026-11-23 16:00');
  });

  it('question and asker response: open, first response due one business day later, no lock deadline', () => {
    for (const c of [onQuestionPosted(rules, et('2026-11-20 16:00')), onAskerResponse(rules, et('2026-11-20 16:00'))]) {
      assert.equal(c.status, 'open');
      assert.equal(local(c.set.firstResponseDueAt), '2026-11-23 16:00');
      assert.deepEqual([...c.unset].sort(), ['awaitingSince', 'lockDueAt', 'reminderDueAt', 'reminderSentAt']);
    }
  });

  it('afterReply: who posted decides; answered and locked threads keep their state', () => {
    const at = et('2026-11-17 10:00');
    assert.equal(afterReply(rules, 'open', { asker: false, staff: true }, at)?.status, 'awaiting_asker');
    assert.equal(afterReply(rules, 'awaiting_asker', { asker: false, staff: true }, at)?.status, 'awaiting_asker');
    assert.equal(afterReply(rules, 'awaiting_asker', { asker: true, staff: false }, at)?.status, 'open');
    assert.equal(afterReply(rules, 'awaiting_asker', { asker: true, staff: true }, at)?.status, 'open', 'a staff asker is the asker');
    assert.equal(afterReply(rules, 'open', { asker: true, staff: false }, at), null);
    assert.equal(afterReply(rules, 'awaiting_asker', { asker: false, staff: false }, at), null, "others don't stop the clock");
    for (const s of ['answered', 'locked'] as const) {
      assert.equal(afterReply(rules, s, { asker: true, staff: false }, at), null);
      assert.equal(afterReply(rules, s, { asker: false, staff: true }, at), null);
    }
  });

  it('accept, lock: no deadlines; unaccept from the last post; unlock from now', () => {
    assert.deepEqual(onAccepted().set, { status: 'answered' });
    // Every deadline field, openSince included (what a first-response target counts from).
    assert.deepEqual([...onAccepted().unset].sort(), [...LIFECYCLE_FIELDS].sort());
    const l = onLocked(et('2026-11-24 16:00'), 'no_response');
    assert.deepEqual(Object.keys(l.set).sort(), ['lockReason', 'lockedAt', 'status']);
    assert.equal(local(onUnaccepted(rules, 'awaiting_asker', et('2026-11-17 10:00')).set.lockDueAt), '2026-11-19 10:00');
    assert.equal(local(onUnlocked(rules, 'open', et('2026-11-23 09:00')).set.firstResponseDueAt), '2026-11-24 09:00');
    assert.deepEqual(onUnlocked(rules, 'answered', et('2026-11-23 09:00')).set, { status: 'answered' });
  });

  it('mergeLifecycle keeps the service update and never unsets what it sets', () => {
    const u = mergeLifecycle({ $inc: { replyCount: 1 }, $set: { updatedAt: 1 } }, onAskerResponse(rules, et('2026-11-17 10:00')));
    assert.deepEqual(u.$inc, { replyCount: 1 });
    assert.equal(u.$set!.updatedAt, 1);
    assert.equal(u.$set!.status, 'open');
    assert.deepEqual(Object.keys(u.$unset!).sort(), ['awaitingSince', 'lockDueAt', 'reminderDueAt', 'reminderSentAt']);
    assert.deepEqual(mergeLifecycle({ $set: { a: 1 } }, null), { $set: { a: 1 } });
    assert.equal(toUpdate(onAccepted()).$unset!.lockDueAt, '');
  });

  it('a one-day rule has no reminder', () => {
    const c = onStaffReply({ ...rules, lockAfterDays: 1 }, et('2026-11-17 10:00'));
    assert.equal(local(c.set.lockDueAt), '2026-11-18 10:00');
    assert.ok(!('reminderDueAt' in c.set) && c.unset.includes('reminderDueAt'));
  });

  it('badges in business time', () => {
    const now = et('2026-11-17 14:20');
    assert.equal(deadlineBadge(rules, now, et('2026-11-17 17:30'), 'response').badge, 'due in 3h 10m business time');
    assert.equal(deadlineBadge(rules, now, et('2026-11-16 12:20'), 'response').badge, 'overdue by 1d 2h');
    assert.equal(deadlineBadge(rules, now, et('2026-11-19 10:00'), 'lock').badge, 'closes in 1d 5h 40m business time');
    assert.equal(deadlineBadge(rules, now, null, 'response').badge, 'no target set');
    assert.equal(businessDaysPhrase(2), 'two business days');
    assert.equal(businessDaysPhrase(1), 'one business day');
  });
});
