import assert from 'node:assert/strict';
import { loadConfig, testConfig } from '../../../server/config';
import { mailSettingsFromConfig, parseSmtpUrl } from '../../../server/mail/settings';

describe('mail configuration', () => {
  it('parses smtp:// and smtps:// URLs with percent-encoded credentials', () => {
    assert.deepEqual(parseSmtpUrl('smtp://u%40x:p%3Aw@mail.example.test:2525'), {
      host: 'mail.example.test',
      port: 2525,
      secure: false,
      auth: { user: 'u@x', pass: 'p:w' },
    });
    assert.deepEqual(parseSmtpUrl('smtps://mail.example.test'), { host: 'mail.example.test', port: 465, secure: true, auth: null });
    assert.equal(parseSmtpUrl('smtp://mail.example.test').port, 587);
    assert.throws(() => parseSmtpUrl('http://x'), /scheme/);
  });

  it('defaults to .eml files in DATA_DIR/outbox with links to the local server', () => {
    const s = mailSettingsFromConfig(testConfig({ DATA_DIR: '/tmp/forum-data' }));
    assert.equal(s.smtp, null);
    assert.equal(s.inbound, null);
    assert.equal(s.outboxDir, '/tmp/forum-data/outbox');
    assert.equal(s.publicUrl, 'http://127.0.0.1:3000');
    assert.equal(s.secretSource, 'SESSION_SECRET');
    assert.equal(s.from, '"Support Community" <no-reply@127.0.0.1>');
  });

  it('reads the SMTP_HOST group and the inbound settings', () => {
    const s = mailSettingsFromConfig(
      testConfig({
        SMTP_HOST: 'mail.example.test',
        SMTP_SECURE: 'true',
        SMTP_USER: 'u',
        SMTP_PASS: 'p',
        PUBLIC_URL: 'https://forum.example.test/',
        MAIL_FROM: 'Help <help@example.test>',
        MAIL_SECRET: 'm'.repeat(32),
        INBOUND_SMTP_PORT: '2525',
        INBOUND_DOMAIN: 'Reply.Example.test',
      }),
    );
    assert.deepEqual(s.smtp, { host: 'mail.example.test', port: 465, secure: true, auth: { user: 'u', pass: 'p' } });
    assert.equal(s.publicUrl, 'https://forum.example.test');
    assert.equal(s.messageIdDomain, 'forum.example.test');
    assert.equal(s.from, 'Help <help@example.test>');
    assert.equal(s.secretSource, 'MAIL_SECRET');
    assert.deepEqual(s.inbound, { host: '0.0.0.0', port: 2525, domain: 'reply.example.test', maxBytes: 1024 * 1024, tls: null });
  });

  it('refuses inconsistent or unsafe mail configuration with every problem named', () => {
    const bad = (env: Record<string, string>, re: RegExp) => assert.throws(() => testConfig(env), re);
    bad({ PUBLIC_URL: '/forum' }, /PUBLIC_URL/);
    bad({ PUBLIC_URL: 'ftp://forum.example.test' }, /PUBLIC_URL: must be an absolute http/);
    bad({ SMTP_URL: 'http://mail' }, /SMTP_URL/);
    bad({ SMTP_URL: 'smtp://mail', SMTP_HOST: 'mail' }, /either SMTP_URL or/);
    bad({ SMTP_PORT: '25' }, /SMTP_HOST: required/);
    bad({ SMTP_HOST: 'mail', SMTP_USER: 'u' }, /SMTP_USER\/SMTP_PASS/);
    bad({ INBOUND_SMTP_PORT: '2525' }, /needs both/);
    bad({ INBOUND_DOMAIN: 'not a domain' }, /INBOUND_DOMAIN/);
    bad({ MAIL_SECRET: 'short' }, /MAIL_SECRET/);
    // A port out of range is named at start-up, not a stack trace from building mail links.
    bad({ PORT: '99999' }, /PORT/);
    assert.throws(
      () => loadConfig({ NODE_ENV: 'test', INBOUND_SMTP_PORT: '25', INBOUND_DOMAIN: 'reply.example.test' }),
      /MAIL_SECRET: reply by e-mail needs MAIL_SECRET or SESSION_SECRET/,
    );
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32), SMTP_URL: 'smtp://mail.example.test' }),
      /PUBLIC_URL: required in production/,
    );
    assert.doesNotThrow(() =>
      loadConfig({
        NODE_ENV: 'production',
        SESSION_SECRET: 's'.repeat(32),
        SMTP_URL: 'smtp://mail.example.test',
        PUBLIC_URL: 'https://f.example.test',
      }),
    );
  });
});
