import assert from 'node:assert/strict';
import { TITLE_MIN_LETTERS_OR_DIGITS, checkTitle, fieldMessages } from '../../../server/content-rules';

describe('content-rules: thread titles (issue 18 item 4, issue 15)', () => {
  const GOOD = [
    'Requesting new MOS certificate access code',
    'Error 0x80070005 in Windows Update',
    'Excel: #REF! after sorting?!',
    'Outlook — “Cannot start” (again)',
    'C++ build fails: LNK2019',
    'Why???? Help!!!!',
    '無法登入我的帳戶',
    'ログインできない',
    '로그인 오류 발생',
    'لا أستطيع تسجيل الدخول',
    'Не могу войти в аккаунт',
    'Ошибка 404 🙁',
    'Tiếng Việt không hiển thị',
  ];
  for (const title of GOOD) {
    it(`accepted: ${JSON.stringify(title)}`, () => {
      const { value, problems } = checkTitle(title);
      assert.deepEqual(problems, []);
      assert.equal(value, title.normalize('NFC'));
    });
  }

  const BAD: [string, string][] = [
    ['', 'blank'],
    ['          ', 'blank'],
    ['\u200b'.repeat(12), 'blank'],
    ['\u3164'.repeat(12), 'blank'],
    ['??????????', 'too_few_letters'],
    ['!!! ... !!! ... !!!', 'too_few_letters'],
    ['---------- :) ----------', 'too_few_letters'],
    ['★★★★★★★★★★', 'too_few_letters'],
    ['😡😡😡😡😡😡😡😡😡😡', 'too_few_letters'],
    ['Help!!!!!!!!', 'too_few_letters'], // four letters
    ['\u2800\u2800\u2800\u2800\u2800 ok?!', 'too_few_letters'],
    ['Invoice \u202Efdp.exe attached', 'bidi_control'],
    ['\u2066Outlook crashes on start\u2069', 'bidi_control'],
    ['Outlook crashes\non start', 'control_character'],
  ];
  for (const [title, code] of BAD) {
    it(`refused (${code}): ${JSON.stringify(title)}`, () => {
      const { problems } = checkTitle(title);
      assert.ok(
        problems.some((p) => p.code === code),
        JSON.stringify(problems),
      );
      assert.deepEqual(Object.keys(fieldMessages(problems)), ['title']);
      assert.match(problems[0]!.message, /^Title: /);
    });
  }

  it('explains the letters rule with its number', () => {
    assert.equal(
      checkTitle('??????????').problems[0]!.message,
      `Title: use at least ${TITLE_MIN_LETTERS_OR_DIGITS} letters or digits; a title of only punctuation, symbols or invisible characters says nothing about the question.`,
    );
  });

  it('normalises: NFC, invisible characters out, whitespace collapsed', () => {
    assert.equal(checkTitle('  Cafe\u0301\u200b   menu\u00a0 broken ').value, 'Café menu broken');
  });

  it('takes another field name and threshold', () => {
    const { problems } = checkTitle('ab', { field: 'subject', label: 'Subject', minLettersOrDigits: 3 });
    assert.deepEqual(fieldMessages(problems), { subject: problems[0]!.message });
    assert.match(problems[0]!.message, /^Subject: use at least 3/);
    assert.deepEqual(checkTitle('abc', { field: 'subject', label: 'Subject', minLettersOrDigits: 3 }).problems, []);
  });
});
