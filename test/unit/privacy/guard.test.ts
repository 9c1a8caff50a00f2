import assert from 'node:assert/strict';
import {
  DEFAULT_GUARD_PATTERNS,
  findSensitive,
  highlightSensitive,
  looksLikePassword,
  removeSensitive,
  type SensitiveKind,
  type SensitiveMatch,
} from '../../../server/privacy';

/** [kind, matched text] pairs, in order. */
function found(text: string): [SensitiveKind, string][] {
  return findSensitive(text).map((m) => [m.kind, text.slice(m.start, m.end)]);
}

describe('messages/guard', () => {
  describe('findSensitive: each kind is caught with the right span', () => {
    const cases: [string, SensitiveKind, string][] = [
      ['My MCID: 123456789, thanks', 'certification_id', '123456789'],
      ['my certification ID 1234 5678 9.', 'certification_id', '1234 5678 9'],
      ['MCID is 987654321', 'certification_id', '987654321'],
      ['Certification number: 12345678', 'certification_id', '12345678'],
      ['Candidate ID #1234567 from Certiport', 'certification_id', '1234567'],
      ['The access code: ABCD-EFGH-1234 expired', 'access_code', 'ABCD-EFGH-1234'],
      ['Your access code is 7XK29PQM4Z.', 'access_code', '7XK29PQM4Z'],
      ['Activation code "QW12ER34TY"', 'access_code', 'QW12ER34TY'],
      ['code: A1B2C3D4', 'access_code', 'A1B2C3D4'],
      ['voucher 12AB34CD56 for the exam', 'access_code', '12AB34CD56'],
      ['I typed ABCD-EFGH-1234 and it failed', 'access_code', 'ABCD-EFGH-1234'],
      ['mail me at john.doe+forum@example.co.uk.', 'email', 'john.doe+forum@example.co.uk'],
      ['Reach me: JANE_SMITH@Mail.Example.COM', 'email', 'JANE_SMITH@Mail.Example.COM'],
      ['Call me at (415) 555-2671 after 5', 'phone', '(415) 555-2671'],
      ['my number is 415-555-2671', 'phone', '415-555-2671'],
      ['UK office +44 20 7946 0958', 'phone', '+44 20 7946 0958'],
      ['call 4155552671 tomorrow', 'phone', '4155552671'],
      ['card 4111 1111 1111 1111 exp 12/28', 'card_number', '4111 1111 1111 1111'],
      ['paid with 4111111111111111 yesterday', 'card_number', '4111111111111111'],
      ['number 5500-0000-0000-0004', 'card_number', '5500-0000-0000-0004'],
      ['amex 3782 822463 10005', 'card_number', '3782 822463 10005'],
      ['key VK7JG-NPHTM-C97JM-9MPGT-3V66T please', 'product_key', 'VK7JG-NPHTM-C97JM-9MPGT-3V66T'],
    ];
    for (const [text, kind, value] of cases) {
      it(`${kind}: ${JSON.stringify(text)}`, () => {
        const matches = findSensitive(text);
        assert.equal(matches.length, 1, JSON.stringify(found(text)));
        const m = matches[0]!;
        assert.equal(m.kind, kind);
        assert.equal(m.start, text.indexOf(value));
        assert.equal(m.end, text.indexOf(value) + value.length);
        assert.equal(typeof m.label, 'string');
        assert.ok(m.label.length > 0);
      });
    }

    it('labels are human names', () => {
      assert.equal(findSensitive('MCID: 123456789')[0]!.label, 'Certification ID');
      assert.equal(findSensitive('access code: ABCD-EFGH-1234')[0]!.label, 'Access code');
    });

    it('returns several matches sorted and non-overlapping', () => {
      const text =
        'Hi, my MCID is 123456789 and the access code was ABCD-EFGH-1234. ' +
        'Mail priya@example.com or call (415) 555-2671. Card 4111 1111 1111 1111, ' +
        'key VK7JG-NPHTM-C97JM-9MPGT-3V66T.';
      const matches = findSensitive(text);
      assert.deepEqual(
        matches.map((m) => m.kind),
        ['certification_id', 'access_code', 'email', 'phone', 'card_number', 'product_key'],
      );
      for (let i = 1; i < matches.length; i++) assert.ok(matches[i - 1]!.end <= matches[i]!.start);
    });

    it('an access-code keyword before a product key reports one product key', () => {
      assert.deepEqual(found('access code: VK7JG-NPHTM-C97JM-9MPGT-3V66T'), [['product_key', 'VK7JG-NPHTM-C97JM-9MPGT-3V66T']]);
    });

    it('rejects card numbers that fail the Luhn check', () => {
      assert.deepEqual(found('card 4111 1111 1111 1112'), []);
      assert.deepEqual(found('4111111111111112'), []);
    });

    it('rejects placeholder product keys', () => {
      assert.deepEqual(found('Type it as XXXXX-XXXXX-XXXXX-XXXXX-XXXXX'), []);
    });

    it('does not treat an invalid phone number as one', () => {
      assert.deepEqual(found('call (123) 456-7890'), []);
    });

    it('accepts custom patterns, using the `secret` group when present', () => {
      const patterns = {
        certificationId: [/\bCSID\s*(?<secret>\d{8})\b/],
        accessCode: [/\bTKN_[A-Z]{6}\b/],
      };
      const text = 'CSID 12345678 and TKN_ABCDEF; MCID: 123456789';
      assert.deepEqual(
        findSensitive(text, patterns).map((m) => [m.kind, text.slice(m.start, m.end)]),
        [
          ['certification_id', '12345678'],
          ['access_code', 'TKN_ABCDEF'],
        ],
      );
      // The custom patterns did not get their lastIndex disturbed or the flags changed.
      assert.equal(patterns.accessCode[0]!.flags, '');
    });

    it('exposes default patterns for extension', () => {
      assert.ok(DEFAULT_GUARD_PATTERNS.certificationId.length >= 1);
      assert.ok(DEFAULT_GUARD_PATTERNS.accessCode.length >= 1);
    });
  });

  describe('findSensitive: ordinary support text is not flagged', () => {
    const ORDINARY = [
      'I am on Version 16.0.17928.20114 of Office and it still crashes.',
      'Upgrading from v2.3.1 to v2.4.0 did not help.',
      'It happened on 2026-11-24 at 10:30 and again on 11/24/2026.',
      'The exam is at 09:15:30 AM, 24 November 2026.',
      'The license costs $1,299.00 per year (or €1.299,00).',
      'My order 1234567 arrived yesterday.',
      'Windows Update fails with error 0x80070005.',
      'error code: 0x80070005 after restarting',
      'Error code: 80070005 again, and exit code: 1603.',
      'The page shows error 404 and then HTTP status code: 503.',
      'I installed KB5031356 and then KB5032190.',
      'The server is at 192.168.1.10 and the gateway is 10.0.0.1.',
      'Build 22631.4460 of Windows 11 23H2, OS build 10.0.19045.3803.',
      'Microsoft 365 version 2310 (Build 16924.20124).',
      'Open https://mcp.microsoft.com/mcp/home/migrate in an InPrivate window.',
      'See https://learn.microsoft.com/en-us/credentials/support/ for details.',
      'Press Ctrl + Shift + N to open a private window.',
      'Support Hours: Monday to Friday 7:30 – 17:30 EST (Except US Public Holidays).',
      'Unfortunately, this access code has expired. You may request a new access code from the login page.',
      'Please fill in the blank fields with the MCID and Access Code that we shared with you via Private Message.',
      'The product ID is 00330-80000-00000-AA123 on the About page.',
      'Registry key {3F2504E0-4F89-11D3-9A0C-0305E82C3301} is missing.',
      'The log timestamp was 1700000000000 ms.',
      'SHA256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 matches.',
      'Run sfc /scannow 3 times, then restart 2 more times.',
      'My MAC address is 00-1A-2B-3C-4D-5E and the port is 8080.',
      'I have 2 certifications: MOS Word 2019 and MOS Excel 2019 (exam MO-200).',
      'It took 45 minutes, roughly 1,500 files, 3.5 GB.',
      'Ticket 4155552671 was closed without a reply.',
      'Step 6 of 7: paste the URL and press Enter.',
      'Code: see the snippet below.',
      'The ISBN is 978-0-13-110362-7.',
    ];
    for (const text of ORDINARY) {
      it(JSON.stringify(text), () => {
        assert.deepEqual(found(text), []);
      });
    }
  });

  describe('highlightSensitive', () => {
    it('wraps matches in <mark data-kind> and escapes everything', () => {
      const text = '<script>alert("x")</script> & my MCID: 123456789 \'ok\'';
      const html = highlightSensitive(text, findSensitive(text));
      assert.equal(
        html,
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; my MCID: ' +
          '<mark data-kind="certification_id">123456789</mark> &#39;ok&#39;',
      );
      assert.doesNotMatch(html, /<script/i);
    });

    it('escapes inside the marked text too', () => {
      const text = 'mail <b>"a&b"@x.example</b>';
      const matches: SensitiveMatch[] = [{ kind: 'email', start: 5, end: text.length, label: 'E-mail address' }];
      assert.equal(
        highlightSensitive(text, matches),
        'mail <mark data-kind="email">&lt;b&gt;&quot;a&amp;b&quot;@x.example&lt;/b&gt;</mark>',
      );
    });

    it('returns escaped text when there are no matches', () => {
      assert.equal(highlightSensitive('a < b', []), 'a &lt; b');
    });

    it('ignores out-of-range and overlapping matches instead of garbling the text', () => {
      const text = 'abcdef';
      const html = highlightSensitive(text, [
        { kind: 'email', start: 2, end: 4, label: 'E-mail address' },
        { kind: 'phone', start: 0, end: 3, label: 'Phone number' },
        { kind: 'phone', start: 5, end: 99, label: 'Phone number' },
      ]);
      assert.equal(html, '<mark data-kind="phone">abc</mark>def');
    });

    it('never lets a forged kind into the attribute', () => {
      const forged = [{ kind: '"><script>' as SensitiveKind, start: 0, end: 1, label: 'x' }];
      assert.equal(highlightSensitive('ab', forged), '<mark data-kind="unknown">a</mark>b');
    });
  });

  describe('removeSensitive', () => {
    it('replaces each match with [removed], keeping the context words', () => {
      const text = 'My MCID is 123456789 and my code: ABCD-EFGH-1234, e-mail a@b.example.';
      assert.equal(removeSensitive(text, findSensitive(text)), 'My MCID is [removed] and my code: [removed], e-mail [removed].');
    });

    it('leaves text without matches unchanged', () => {
      const text = 'Version 16.0.17928.20114';
      assert.equal(removeSensitive(text, findSensitive(text)), text);
    });

    it('the cleaned text has nothing left to flag', () => {
      const text = 'call (415) 555-2671, card 4111-1111-1111-1111, key VK7JG-NPHTM-C97JM-9MPGT-3V66T';
      assert.deepEqual(findSensitive(removeSensitive(text, findSensitive(text))), []);
    });
  });

  it('stays fast on large and adversarial input', () => {
    const inputs = [
      'Version 16.0.17928.20114 on 2026-11-24, call (415) 555-2671, MCID: 123456789. '.repeat(1000),
      '1 '.repeat(50000),
      'a@'.repeat(50000),
      'access code '.repeat(8000),
      `MCID${' '.repeat(100000)}x`,
      'password: '.repeat(5000),
      'my password is '.repeat(4000),
      'the same code '.repeat(4000),
      'token=' + 'a1'.repeat(50000),
      '-----BEGIN PRIVATE KEY-----\n' + 'abc\n'.repeat(20000),
      'eyJ' + 'a'.repeat(100000),
      '123456-'.repeat(10000),
    ];
    for (const text of inputs) {
      const t0 = performance.now();
      findSensitive(text);
      // Catches catastrophic backtracking (minutes or never on these sizes), not speed, which
      // bench/ measures: the bound leaves room for a machine shared by other work.
      assert.ok(performance.now() - t0 < 15000, `${text.slice(0, 20)}... took too long`);
    }
  });
});

describe('privacy/guard: codes, passwords, PINs, keys and tokens as support threads phrase them (issue 18 item 8)', () => {
  // [sentence, kind, the secret as highlighted]
  const FOUND: [string, SensitiveKind, string][] = [
    // Codes named by a determiner rather than by their kind.
    ['Here is the code 7KQ2XM9P4RT8', 'access_code', '7KQ2XM9P4RT8'],
    ['here is the code: 7KQ2XM9P4RT8 thanks', 'access_code', '7KQ2XM9P4RT8'],
    ['The code I received is 4XKQ-9P2M-77TZ but it says invalid.', 'access_code', '4XKQ-9P2M-77TZ'],
    ['My new code is QW7PZ4K2MX', 'access_code', 'QW7PZ4K2MX'],
    ['I tried the same code 7QX29PLM twice', 'access_code', '7QX29PLM'],
    ['They sent me this code: H7GK29QXPL4M', 'access_code', 'H7GK29QXPL4M'],
    ['the code that I was given - 9F3KQ7ZT2W', 'access_code', '9F3KQ7ZT2W'],
    ['Your code "ZX81-QP44-LM90" has expired', 'access_code', 'ZX81-QP44-LM90'],
    ['I entered the one-time code 73915284 from the SMS', 'access_code', '73915284'],
    // Codes named by their kind (already covered, kept here as the family).
    ['verification code: 482913', 'access_code', '482913'],
    ['the recovery code is 7H2K-9QXP', 'access_code', '7H2K-9QXP'],
    ['exam voucher 2XK9Q7LM4P', 'access_code', '2XK9Q7LM4P'],
    ['redemption code = 8HJK2-LMN45', 'access_code', '8HJK2-LMN45'],
    // Passwords, in the forms members write them.
    ['password: hunter2hunter2', 'password', 'hunter2hunter2'],
    ['Password: hunter2hunter2.', 'password', 'hunter2hunter2'],
    ['My password is Summer2024! and it still fails', 'password', 'Summer2024!'],
    ['the password I use is hunter2hunter2.', 'password', 'hunter2hunter2'],
    ['pwd=Tr0ub4dor&3', 'password', 'Tr0ub4dor&3'],
    ['user: jsmith pass: Winter2025', 'password', 'Winter2025'],
    ['username jsmith, pw: Qwerty!234', 'password', 'Qwerty!234'],
    ['Password: correcthorsebatterystaple', 'password', 'correcthorsebatterystaple'],
    ['temporary password - Welcome1', 'password', 'Welcome1'],
    ['The Wi-Fi password is "BlueSky#77"', 'password', 'BlueSky#77'],
    ['admin password (the new one): Xv9!mQ2z', 'password', 'Xv9!mQ2z'],
    ['my password was 12345678', 'password', '12345678'],
    ['passphrase: purple-monkey-dishwasher-42', 'password', 'purple-monkey-dishwasher-42'],
    ['Passwort: Sommer2024', 'password', 'Sommer2024'],
    ['contraseña: Verano2024', 'password', 'Verano2024'],
    ['mot de passe : Ete2024!', 'password', 'Ete2024!'],
    ['password=MyDogRex', 'password', 'MyDogRex'],
    // PINs.
    ['my PIN is 4821', 'password', '4821'],
    ['PIN: 004821', 'password', '004821'],
    ['pin code 7391 does not work', 'password', '7391'],
    ['PIN number: 582014', 'password', '582014'],
    // Keys, tokens and secrets.
    ['api key: sk-proj-4f9aQz81kLm2Xc7Vb3Nn', 'access_code', 'sk-proj-4f9aQz81kLm2Xc7Vb3Nn'],
    ['client secret = 8Q~xY2zAbCdEfGhIjKlMnOpQrStUv', 'access_code', '8Q~xY2zAbCdEfGhIjKlMnOpQrStUv'],
    [
      'Bearer token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N',
      'access_code',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N',
    ],
    ['token=ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'access_code', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['I pasted ghp_abcdefghijklmnopqrstuvwxyz0123456789 into the config', 'access_code', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['AKIAIOSFODNN7EXAMPLE is my access key id', 'access_code', 'AKIAIOSFODNN7EXAMPLE'],
    ['key sk_live_4eC39HqLyjWDarjtT1zdp7dc in the dashboard', 'access_code', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
    [
      'BitLocker recovery key 123456-234567-345678-456789-567890-678901-789012-890123',
      'access_code',
      '123456-234567-345678-456789-567890-678901-789012-890123',
    ],
    // Serial numbers and license keys.
    ['serial number: 5CG1234XYZ', 'product_key', '5CG1234XYZ'],
    ['S/N: 5CG1234XYZ on the sticker', 'product_key', '5CG1234XYZ'],
    ['License key is ABCD1-EFG23-HJK45', 'product_key', 'ABCD1-EFG23-HJK45'],
    ['my product key: 7QX4P-9KM2T', 'product_key', '7QX4P-9KM2T'],
    ['Serial: PF2ABC12', 'product_key', 'PF2ABC12'],
  ];
  for (const [text, kind, value] of FOUND) {
    it(`${kind}: ${JSON.stringify(text)}`, () => {
      assert.deepEqual(found(text), [[kind, value]]);
    });
  }

  it('a password for an address: both are found', () => {
    assert.deepEqual(found('password for jane@contoso.example is P@ssw0rd2024'), [
      ['email', 'jane@contoso.example'],
      ['password', 'P@ssw0rd2024'],
    ]);
  });

  it('passwords have their own kind and label', () => {
    const [m] = findSensitive('password: hunter2hunter2');
    assert.equal(m!.kind, 'password');
    assert.equal(m!.label, 'Password');
    assert.equal(removeSensitive('password: hunter2hunter2', findSensitive('password: hunter2hunter2')), 'password: [removed]');
  });

  it('looksLikePassword separates passwords from the next word of a sentence', () => {
    for (const v of ['hunter2hunter2', 'Summer2024!', 'p@ssw0rd', 'Welcome1', 'correcthorsebatterystaple', 'MyDogRex', '12345678']) {
      assert.equal(looksLikePassword(v), true, v);
    }
    for (const v of [
      '********',
      '[removed]',
      'YOUR_PASSWORD',
      '${PASSWORD}',
      '%PASSWORD%',
      'required',
      'Required',
      'expired',
      'abc',
      'Settings',
      'none',
      '<password>',
    ]) {
      assert.equal(looksLikePassword(v), false, v);
    }
    assert.equal(looksLikePassword('correcthorsebatterystaple', true), false); // "password is correcthorse..." reads as prose
    assert.equal(looksLikePassword('Summer2024!', true), true);
  });

  const NOT_FOUND = [
    // Passwords talked about, not given.
    'Password: ********',
    'password: [removed]',
    'Password: required',
    'My password is expired and I cannot sign in.',
    'The password is incorrect, says the dialog.',
    'Your password is at least 8 characters long.',
    'password=YOUR_PASSWORD in the config file',
    'Set password=${DB_PASSWORD} in the .env file',
    'Reset your password at https://account.example.com/reset',
    'Forgot password? Click the link.',
    'I changed my password yesterday and now Outlook keeps asking for it.',
    'Password: see the message I sent you privately.',
    'The password was changed by the admin.',
    'The password has been reset.',
    'A password must contain a digit.',
    'pass the parameter as --force',
    'I will pass: the exam is tomorrow',
    // Codes that are not secrets.
    'Windows Update error code 8024402F',
    'I get code 8024402F every time',
    'I get the code 80070005 when updating', // 8 hex digits: a Windows error code
    'Error code: CAA50021 when signing in to Teams.',
    'Error Code: 0xC004F074 during activation',
    'The code 200 means OK.',
    'HTTP status code 404',
    'exam code: AZ-900',
    'Exam MO-200 and the course code: MS-102',
    'promo code SAVE20NOW',
    'the discount code SPRING2024 expired',
    'Colour code: 3366FF',
    'the code in line 42 throws',
    'the code works now, thanks',
    'the code ABC12345 fails to compile',
    'The code below shows the problem:',
    'Use the QR code 1234ABCD on the box',
    'area code 212',
    'tracking code: 1Z999AA10123456784',
    'product code: 79G-05341',
    'Zip code: 98052-6399',
    // Numbers people quote publicly.
    'Case number 2304150040001234',
    'My case #: 2304150040001234 is still open',
    'Ticket 4155552671 was closed without a reply.',
    'order number 112-3456789-1234567',
    'Reference: 4111111111111111', // a Luhn-valid number introduced as a reference
    'Version 16.0.17928.20114',
    'Build 22631.4460',
    'It happened on 2026-11-24 at 10:30.',
    'The license costs $1,299.00 per year.',
    'KB5031356 failed to install',
    'Event ID 4625 in the security log',
    'Press the Windows key + R',
    'GPIO pin 17',
    'PIN 1 of the connector is ground',
    'the 40-pin header',
    'hex colour #FF5733 and #1a2b3c',
    'see https://learn.example.com/troubleshoot/3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    'Docs: https://support.example.com/en-us/office/abc123de-f456-7890-abcd-ef1234567890',
    'Model number: XPS-9310',
    'serial port COM3',
    'The serial number is on the back of the device.',
    'token expiry is 3600 seconds',
    'The API key field is empty.',
    'Product key: XXXXX-XXXXX-XXXXX-XXXXX-XXXXX',
  ];
  for (const text of NOT_FOUND) {
    it(`not flagged: ${JSON.stringify(text)}`, () => {
      assert.deepEqual(found(text), []);
    });
  }
});
