import { randomBytes } from 'node:crypto';
import type { Connection, Model } from 'mongoose';
import { ACCOUNT_TOKEN_MODEL, accountTokenSchema, type AccountTokenDoc } from '../../models/account-token';
import { OUTBOUND_MAIL_MODEL, outboundMailSchema, type OutboundMailDoc } from '../../models/outbound-mail';
import type { Clock } from '../kernel/clock';
import type { Config } from '../config';
import type { Logger } from '../kernel/logger';
import { createAccountTokens, type AccountTokens } from './account-tokens';
import { startInboundServer, type InboundHandlers, type InboundServer } from './inbound/listener';
import { createMailLinks, type MailLinks } from './links';
import { createMailer, type Mailer, type OutboxOptions } from './outbox';
import { createMailRenderer, type MailRenderer } from './render';
import { mailSettingsFromConfig, type MailSettings } from './settings';
import { createMailTokens, type MailTokens } from './signed-tokens';
import { createFileTransport, createSmtpTransport, type MailTransport } from './transport';

/**
 * The mail module (docs/email.md). Everything is made by factories from injected
 * dependencies; nothing is module-level state. createMailSystem() wires the parts for the
 * composition root; each part can also be made alone (tests do).
 */
export * from './account-tokens';
export * from './inbound/listener';
export * from './kinds';
export * from './links';
export * from './outbox';
export * from './render';
export * from './settings';
export * from './signed-tokens';
export * from './transport';

export interface MailModels {
  outboundMail: Model<OutboundMailDoc>;
  accountToken: Model<AccountTokenDoc>;
}

/** The mail models on a connection (the forum's own: server/compose.ts); idempotent per connection. */
export function bindMailModels(connection: Connection): MailModels {
  return {
    outboundMail:
      (connection.models[OUTBOUND_MAIL_MODEL] as Model<OutboundMailDoc> | undefined) ??
      connection.model<OutboundMailDoc>(OUTBOUND_MAIL_MODEL, outboundMailSchema),
    accountToken:
      (connection.models[ACCOUNT_TOKEN_MODEL] as Model<AccountTokenDoc> | undefined) ??
      connection.model<AccountTokenDoc>(ACCOUNT_TOKEN_MODEL, accountTokenSchema),
  };
}

export interface MailSystemDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  /** The forum's database connection. */
  connection: Connection;
  /** Replace parts (tests): settings derived from config, the transport chosen by settings. */
  settings?: MailSettings;
  transport?: MailTransport;
  outbox?: OutboxOptions;
  /**
   * The lock delay in the words of the rules in force when a mail is rendered ("two business
   * days", server/calendar/rules.ts businessDaysPhrase); absent: "a few business days".
   */
  lockAfter?: () => string;
}

export interface MailSystem {
  settings: MailSettings;
  models: MailModels;
  links: MailLinks;
  tokens: MailTokens;
  renderer: MailRenderer;
  transport: MailTransport;
  mailer: Mailer;
  accountTokens: AccountTokens;
  /**
   * Starts the reply-by-e-mail listener when configured (settings.inbound); null when off.
   * The system's close() stops it.
   */
  startInbound(handlers: InboundHandlers): Promise<InboundServer | null>;
  /** Stops the listener, waits for a running sendDue(), closes the transport. Idempotent. */
  close(): Promise<void>;
}

export function createMailSystem(deps: MailSystemDeps): MailSystem {
  const { config, clock, logger } = deps;
  const settings = deps.settings ?? mailSettingsFromConfig(config);
  const models = bindMailModels(deps.connection);
  const links = createMailLinks(settings.publicUrl);
  let secret = settings.secret;
  if (!secret) {
    // Development without SESSION_SECRET: links work until this process stops.
    secret = randomBytes(32).toString('hex');
    logger.warn('mail: no MAIL_SECRET or SESSION_SECRET; unsubscribe links in mail stop working when this process stops');
  }
  const tokens = createMailTokens(secret);
  const renderer = createMailRenderer({ forumName: settings.forumName, links, timeZone: settings.timeZone, lockAfter: deps.lockAfter });
  const transport =
    deps.transport ?? (settings.smtp ? createSmtpTransport(settings.smtp) : createFileTransport(settings.outboxDir, { logger, clock }));
  const mailer = createMailer({
    model: models.outboundMail,
    transport,
    renderer,
    tokens,
    links,
    clock,
    logger,
    settings,
    options: deps.outbox,
  });
  const accountTokens = createAccountTokens({ model: models.accountToken, clock });
  if (!settings.smtp && !deps.transport)
    logger.info({ dir: settings.outboxDir }, 'mail: no SMTP configured; mail is written as .eml files');

  let inbound: InboundServer | null = null;
  let closing: Promise<void> | null = null;
  return {
    settings,
    models,
    links,
    tokens,
    renderer,
    transport,
    mailer,
    accountTokens,
    async startInbound(handlers) {
      if (!settings.inbound) return null;
      if (inbound) throw new Error('mail: the inbound listener is already running');
      inbound = await startInboundServer({ settings: settings.inbound, tokens, logger, handlers });
      return inbound;
    },
    close() {
      closing ??= (async () => {
        await inbound?.close();
        await mailer.close();
        transport.close();
      })();
      return closing;
    },
  };
}
