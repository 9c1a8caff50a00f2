import assert from 'node:assert/strict';
import {
  CONFUSABLES_DATA,
  DISPLAY_NAME_MAX,
  checkDisplayName,
  confusableKeys,
  fieldMessages,
  findImpersonation,
  skeleton,
  staffNameIndex,
  type StaffName,
} from '../../../server/content-rules';

const STAFF: StaffName[] = [
  { id: 's1', username: 'javier.salcedo', displayName: 'Javier Salcedo' },
  { id: 's2', username: 'priya_m', displayName: 'Priya Menon' },
  { id: 's3', username: 'forum.team', displayName: 'Forum Team' },
  { id: 's4', username: 'mike.ilic', displayName: 'Mike Ilic' },
  { id: 's5', username: 'ann', displayName: 'Ann' },
];
const index = staffNameIndex(STAFF);
const codes = (name: string) => checkDisplayName(name).problems.map((p) => p.code);

describe('content-rules: display names (issue 15)', () => {
  describe('innocent names pass and are stored NFC-normalised', () => {
    const INNOCENT = [
      'José García',
      'Zoë Ångström',
      'Nguyễn Thị Minh Khai',
      'Łukasz Żółć',
      'Søren Kierkegård',
      "Siobhán O'Brien",
      'Jean-Luc Picard',
      "D'Arcy-Smith",
      '山田 太郎',
      '王小明',
      '김민준',
      'さくら',
      'محمد عبد الله',
      'דוד כהן',
      'देवनागरी नाम',
      'Ἀριστοτέλης',
      'Владимир Петров',
      'Αθηνά Παπαδοπούλου',
      'Ọláolúwa Àdìgún',
      'Zürich Fan 2024',
      'Anna 🐱',
      'Family 👨‍👩‍👧',
      'Dr. J. R. R. Tolkien',
      'x',
      'می‌خواهم', // Persian with a zero-width non-joiner
    ];
    for (const name of INNOCENT) {
      it(JSON.stringify(name), () => {
        const { value, problems } = checkDisplayName(name);
        assert.deepEqual(problems, []);
        assert.equal(value, name.normalize('NFC'));
        assert.equal(findImpersonation(name, index), null);
      });
    }

    it('NFD input is stored NFC, whitespace collapsed and trimmed', () => {
      assert.equal(checkDisplayName('  Jose\u0301   Garci\u0301a \u00a0').value, 'José García');
      assert.equal(checkDisplayName('山田\u3000太郎').value, '山田 太郎');
    });

    it('invisible formatting characters are removed silently, joiners kept', () => {
      assert.equal(checkDisplayName('Jo\u00adsé\u200b\u2060').value, 'José');
      assert.equal(checkDisplayName('Family 👨‍👩‍👧').value, 'Family 👨‍👩‍👧');
      assert.equal(checkDisplayName('Flag 🏴󠁧󠁢󠁳󠁣󠁴󠁿').value, 'Flag 🏴󠁧󠁢󠁳󠁣󠁴󠁿'); // emoji tag sequence
    });
  });

  describe('refused names', () => {
    const REFUSED: [string, string][] = [
      ['', 'blank'],
      ['   ', 'blank'],
      ['\u200b\u200b\u200b', 'blank'],
      ['\u3164\u3164', 'blank'], // Hangul filler
      ['\u00a0\u2800', 'no_letters'], // braille blank survives normalisation but is not a letter
      ['!!!', 'no_letters'],
      ['★☆', 'no_letters'],
      ['😀😀', 'no_letters'],
      ['Eve\u202Egnp.exe', 'bidi_control'],
      ['\u2067Admin\u2069', 'bidi_control'],
      ['Bob\u202A', 'bidi_control'],
      ['Line\nbreak', 'control_character'],
      ['Tab\there', 'control_character'],
      ['Bell\u0007', 'control_character'],
      ['a'.repeat(DISPLAY_NAME_MAX + 1), 'too_long'],
      ['Z\u0335\u0321\u0322\u0327\u0328algo', 'too_many_marks'],
    ];
    for (const [name, code] of REFUSED) {
      it(`${JSON.stringify(name).slice(0, 40)} -> ${code}`, () => {
        const { problems } = checkDisplayName(name);
        assert.ok(
          problems.some((p) => p.code === code),
          JSON.stringify(problems),
        );
        for (const p of problems) {
          assert.equal(p.field, 'displayName');
          assert.match(p.message, /^Display name: /);
        }
      });
    }

    it('a non-string is blank, not a crash', () => {
      assert.deepEqual(codes(undefined as unknown as string), ['blank']);
      assert.deepEqual(
        checkDisplayName(42, { field: 'name', label: 'Name' }).problems.map((p) => [p.field, p.code]),
        [['name', 'blank']],
      );
    });

    it('40 characters are counted as a reader counts them (emoji and accents are one each)', () => {
      assert.ok(codes('Ann ' + '👨‍👩‍👧'.repeat(30)).includes('too_long')); // 34 characters but 244 code units: the storage bound
      assert.deepEqual(codes('Ann ' + '👨‍👩‍👧'.repeat(12)), []);
      assert.deepEqual(codes('é'.normalize('NFD').repeat(DISPLAY_NAME_MAX)), []);
      assert.deepEqual(codes('Tiếng Việt'), []);
    });

    it('fieldMessages gives the ValidationError fields shape', () => {
      const { problems } = checkDisplayName('Eve\u202E\n');
      assert.deepEqual(Object.keys(fieldMessages(problems)), ['displayName']);
      assert.match(fieldMessages(problems).displayName!, /text-direction/);
    });
  });

  describe('impersonation of staff (UTS #39 confusable skeletons)', () => {
    it(`uses maintained Unicode data: ${CONFUSABLES_DATA}`, () => {
      assert.equal(skeleton('раураl'), 'paypal'); // Cyrillic р, а, у, а + Latin l
      assert.equal(skeleton('m'), 'rn');
      assert.equal(skeleton('0'), 'O');
    });

    // [candidate, staff display name it imitates]
    const IMPERSONATIONS: [string, string][] = [
      ['Javier Salcedo', 'Javier Salcedo'],
      ['javier salcedo', 'Javier Salcedo'],
      ['JAVIER SALCEDO', 'Javier Salcedo'],
      ['Jаvier Sаlcedo', 'Javier Salcedo'], // Cyrillic а
      ['Javіer Salcedo', 'Javier Salcedo'], // Ukrainian і
      ['Javier Salcеdо', 'Javier Salcedo'], // Cyrillic е, о
      ['Javier Ѕalcedo', 'Javier Salcedo'], // Cyrillic Ѕ
      ['Javier SaƖcedo', 'Javier Salcedo'], // Latin iota Ɩ for l
      ['Javier Sa1cedo', 'Javier Salcedo'], // digit one for l
      ['Javier Sa|cedo', 'Javier Salcedo'], // vertical bar for l
      ['Javier SaIcedo', 'Javier Salcedo'], // capital I for l
      ['Javier Salced0', 'Javier Salcedo'], // digit zero for o
      ['Javier Salcedο', 'Javier Salcedo'], // Greek ο
      ['Javier Salcedօ', 'Javier Salcedo'], // Armenian օ
      ['Ｊａｖｉｅｒ Ｓａｌｃｅｄｏ', 'Javier Salcedo'], // fullwidth
      ['𝐉𝐚𝐯𝐢𝐞𝐫 𝐒𝐚𝐥𝐜𝐞𝐝𝐨', 'Javier Salcedo'], // mathematical bold
      ['Javier\u200bSalcedo', 'Javier Salcedo'], // zero-width space
      ['Javier_Salcedo', 'Javier Salcedo'],
      ['javier.salcedo', 'Javier Salcedo'], // the username as a display name
      ['Javier-Salcedo.', 'Javier Salcedo'],
      ['Javier Salcedo (Support)', 'Javier Salcedo'], // contained
      ['Javier Salcedo Official', 'Javier Salcedo'],
      ['Priya Menon', 'Priya Menon'],
      ['Priya Ꮇenon', 'Priya Menon'], // Cherokee Ꮇ
      ['Рriya Menon', 'Priya Menon'], // Cyrillic Р
      ['Priya Menοn', 'Priya Menon'],
      ['priya_m', 'Priya Menon'], // username
      ['Mike Ilic', 'Mike Ilic'],
      ['rnike ilic', 'Mike Ilic'], // "rn" for "m"
      ['Mike lIic', 'Mike Ilic'], // l and I swapped
      ['Mike 1lic', 'Mike Ilic'],
      ['Ann', 'Ann'],
      ['ANN', 'Ann'],
      ['Аnn', 'Ann'], // Cyrillic А
    ];
    for (const [candidate, staff] of IMPERSONATIONS) {
      it(`${JSON.stringify(candidate)} imitates ${staff}`, () => {
        const problem = findImpersonation(candidate, index);
        assert.ok(problem, 'not refused');
        assert.equal(problem.code, 'impersonation');
        assert.equal(problem.matched, staff);
        assert.equal(problem.field, 'displayName');
        assert.match(problem.message, /^Display name: this looks like the name of .*support team; choose another\.$/);
      });
    }

    const RESERVED = [
      'Support',
      'SUPPORT',
      'Ѕupport',
      'Supp0rt',
      'Sup port',
      'Microsoft Support',
      'Support Team',
      'Moderator',
      'Admin',
      'Аdmin',
      'Site Administrator',
      'Staff',
      'System',
    ];
    for (const candidate of RESERVED) {
      it(`${JSON.stringify(candidate)} uses a reserved word`, () => {
        const problem = findImpersonation(candidate, index);
        assert.equal(problem?.code, 'impersonation');
        assert.match(problem!.message, /kept for the support team/);
      });
    }

    const NOT_IMPERSONATION = [
      'Javier',
      'Javier Sanchez',
      'Salcedo Fan',
      'Javiera Salcedova', // contains neither key
      'José Salcedo',
      'Priya',
      'Priya Menon-Rao',
      'Forum Fan',
      'Mike',
      'Michael Ilic',
      'Annabelle',
      'Joanna',
      'Supporter',
      'Badminton Club',
      'Moderation Fan',
      'Systems Engineer',
      'Anne',
    ].filter((n) => n !== 'Priya Menon-Rao');
    for (const candidate of NOT_IMPERSONATION) {
      it(`${JSON.stringify(candidate)} is not an impersonation`, () => {
        assert.equal(findImpersonation(candidate, index), null);
      });
    }

    it('a longer name containing a staff name of 8+ characters is refused', () => {
      assert.equal(findImpersonation('Priya Menon-Rao', index)?.matched, 'Priya Menon');
    });

    it('a staff member may keep or restyle their own name', () => {
      assert.equal(findImpersonation('Javier Salcedo', index, { field: 'displayName', label: 'Display name', selfId: 's1' }), null);
      assert.equal(findImpersonation('javier SALCEDO', index, { field: 'displayName', label: 'Display name', selfId: 's1' }), null);
      assert.equal(
        findImpersonation('Priya Menon', index, { field: 'displayName', label: 'Display name', selfId: 's1' })?.matched,
        'Priya Menon',
      );
    });

    it('usernames are checked the same way, with their own field name', () => {
      const problem = findImpersonation('javier_salced0', index, { field: 'username', label: 'Username' });
      assert.equal(problem?.field, 'username');
      assert.match(problem!.message, /^Username: /);
      assert.equal(findImpersonation('jsmith', index, { field: 'username', label: 'Username' }), null);
    });

    it('names of only punctuation have no key and match nothing', () => {
      assert.deepEqual(confusableKeys('...'), []);
      assert.equal(findImpersonation('...', staffNameIndex([{ id: 'x', username: '...', displayName: '...' }], [])), null);
    });

    it('case-dependent look-alikes and plain case changes are both caught', () => {
      const iris = staffNameIndex([{ id: 'i', username: 'iris.k', displayName: 'Iris' }], []);
      assert.equal(findImpersonation('lris', iris)?.matched, 'Iris'); // small L for capital I
      assert.equal(findImpersonation('iris', iris)?.matched, 'Iris');
      assert.equal(findImpersonation('IRIS', iris)?.matched, 'Iris');
    });
  });
});
