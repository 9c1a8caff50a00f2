import path from 'node:path';
import type { Config } from '../config';

/**
 * The mail module's settings, derived once from the validated configuration (server/config.ts,
 * "E-mail" block). Pure: no I/O. Every other file of server/mail/ takes these (or a part of
 * them) as an argument, never the environment.
 */
export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (smtps, port 465); otherwise STARTTLS when the server offers it (RFC 3207). */
  secure: boolean;
  auth: { user: string; pass: string } | null;
}

export interface InboundSettings {
  host: string;
  port: number;
  /** Lowercase domain of reply addresses. */
  domain: string;
  /** SIZE limit in bytes (RFC 1870). */
  maxBytes: number;
  tls: { keyFile: string; certFile: string } | null;
}

export interface MailSettings {
  forumName: string;
  /** The From header: `"Forum" <address>` or as configured. */
  from: string;
  /** Base for links in mail, without a trailing slash. */
  publicUrl: string;
  /** Right-hand side of generated Message-IDs (RFC 5322 §3.6.4): the public host name. */
  messageIdDomain: string;
  /** null: no SMTP server, mail goes to `outboxDir` as .eml files. */
  smtp: SmtpSettings | null;
  outboxDir: string;
  /** null: reply by e-mail is off. */
  inbound: InboundSettings | null;
  /** Key material for signed mail tokens (MAIL_SECRET, else SESSION_SECRET), null when neither is set. */
  secret: string | null;
  secretSource: 'MAIL_SECRET' | 'SESSION_SECRET' | null;
  /** IANA zone for dates in mail and for "sent today" (the support calendar's). */
  timeZone: string;
}

export const DEFAULT_FORUM_NAME = 'Support Community';

/**
 * Parses `smtp://user:pass@host:port` / `smtps://…`. User and password are percent-decoded.
 * @throws Error with a message that never contains the password.
 */
export function parseSmtpUrl(url: string): SmtpSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('SMTP_URL: not a valid URL');
  }
  const scheme = u.protocol.toLowerCase();
  if (scheme !== 'smtp:' && scheme !== 'smtps:') throw new Error('SMTP_URL: scheme must be smtp or smtps');
  if (!u.hostname) throw new Error('SMTP_URL: host missing');
  const secure = scheme === 'smtps:';
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    auth: user ? { user, pass } : null,
  };
}

export function mailSettingsFromConfig(config: Config, forumName = DEFAULT_FORUM_NAME): MailSettings {
  const publicUrl = (config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, '');
  const host = new URL(publicUrl).hostname;
  let smtp: SmtpSettings | null = null;
  if (config.SMTP_URL) smtp = parseSmtpUrl(config.SMTP_URL);
  else if (config.SMTP_HOST) {
    const secure = config.SMTP_SECURE ?? false;
    smtp = {
      host: config.SMTP_HOST,
      port: config.SMTP_PORT ?? (secure ? 465 : 587),
      secure,
      auth: config.SMTP_USER ? { user: config.SMTP_USER, pass: config.SMTP_PASS ?? '' } : null,
    };
  }
  const inbound: InboundSettings | null =
    config.INBOUND_SMTP_PORT !== undefined && config.INBOUND_DOMAIN
      ? {
          host: config.INBOUND_SMTP_HOST,
          port: config.INBOUND_SMTP_PORT,
          domain: config.INBOUND_DOMAIN.toLowerCase(),
          maxBytes: config.INBOUND_MAX_KB * 1024,
          tls:
            config.INBOUND_TLS_KEY_FILE && config.INBOUND_TLS_CERT_FILE
              ? { keyFile: config.INBOUND_TLS_KEY_FILE, certFile: config.INBOUND_TLS_CERT_FILE }
              : null,
        }
      : null;
  // "localhost" has no dot; RFC 5322 Message-IDs want a domain, and mail clients accept it.
  const fromAddress = `no-reply@${host}`;
  return {
    forumName,
    from: config.MAIL_FROM ?? `"${forumName}" <${fromAddress}>`,
    publicUrl,
    messageIdDomain: host,
    smtp,
    outboxDir: path.join(config.dataDir, 'outbox'),
    inbound,
    secret: config.MAIL_SECRET ?? config.SESSION_SECRET ?? null,
    secretSource: config.MAIL_SECRET ? 'MAIL_SECRET' : config.SESSION_SECRET ? 'SESSION_SECRET' : null,
    timeZone: config.SUPPORT_TIMEZONE,
  };
}
