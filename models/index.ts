import type { Connection } from 'mongoose';
import { auditEntrySchema } from './audit-entry';
import { blockSchema } from './block';
import { conversationSchema } from './conversation';
import { flagSchema, type FlagDoc } from './flag';
import { loginAttemptSchema } from './login-attempt';
import { messageSchema } from './message';
import { ACCOUNT_TOKEN_MODEL, accountTokenSchema, type AccountTokenDoc } from './account-token';
import { inboundReplySchema, type InboundReplyDoc } from './inbound-reply';
import {
  digestEntrySchema,
  notificationSchema,
  notificationSettingsSchema,
  type DigestEntryDoc,
  type NotificationDoc,
  type NotificationSettingsDoc,
} from './notification';
import { OUTBOUND_MAIL_MODEL, outboundMailSchema, type OutboundMailDoc } from './outbound-mail';
import { moderationItemSchema, type ModerationItemDoc } from './moderation-item';
import { productSchema, type ProductDoc } from './product';
import { rateLimitSchema } from './rate-limit';
import { replySchema, type ReplyDoc } from './reply';
import { revealGrantSchema, type RevealGrantDoc } from './reveal-grant';
import { revisionSchema, type RevisionDoc } from './revision';
import { settingSchema, type SettingDoc } from './setting';
import { threadSchema, type ThreadDoc } from './thread';
import { uploadSchema } from './upload';
import { userSchema } from './user';
import { watchSchema, type WatchDoc } from './watch';
import { feedbackDailySchema, firstResponseSchema, voteSchema, type FeedbackDailyDoc, type FirstResponseDoc, type VoteDoc } from './vote';

/**
 * Binds every schema to one mongoose connection. The composition root (server/compose.ts)
 * calls it once per connection, so two apps in one process (tests, benchmarks) never share
 * models, and nothing registers models on mongoose's global default connection.
 */
export function createModels(db: Connection) {
  return {
    AuditEntry: db.model('AuditEntry', auditEntrySchema),
    Block: db.model('Block', blockSchema),
    Conversation: db.model('Conversation', conversationSchema),
    Flag: db.model<FlagDoc>('Flag', flagSchema),
    LoginAttempt: db.model('LoginAttempt', loginAttemptSchema),
    Message: db.model('Message', messageSchema),
    ModerationItem: db.model<ModerationItemDoc>('ModerationItem', moderationItemSchema),
    Notification: db.model<NotificationDoc>('Notification', notificationSchema),
    NotificationSettings: db.model<NotificationSettingsDoc>('NotificationSettings', notificationSettingsSchema),
    DigestEntry: db.model<DigestEntryDoc>('DigestEntry', digestEntrySchema),
    Watch: db.model<WatchDoc>('Watch', watchSchema),
    InboundReply: db.model<InboundReplyDoc>('InboundReply', inboundReplySchema),
    // The mail library's models (server/mail/index.ts bindMailModels finds them bound here).
    OutboundMail: db.model<OutboundMailDoc>(OUTBOUND_MAIL_MODEL, outboundMailSchema),
    AccountToken: db.model<AccountTokenDoc>(ACCOUNT_TOKEN_MODEL, accountTokenSchema),
    Product: db.model<ProductDoc>('Product', productSchema),
    RateLimit: db.model('RateLimit', rateLimitSchema),
    Reply: db.model<ReplyDoc>('Reply', replySchema),
    RevealGrant: db.model<RevealGrantDoc>('RevealGrant', revealGrantSchema),
    Revision: db.model<RevisionDoc>('Revision', revisionSchema),
    Setting: db.model<SettingDoc>('Setting', settingSchema),
    Thread: db.model<ThreadDoc>('Thread', threadSchema),
    Upload: db.model('Upload', uploadSchema),
    User: db.model('User', userSchema),
    Vote: db.model<VoteDoc>('Vote', voteSchema),
    FeedbackDaily: db.model<FeedbackDailyDoc>('FeedbackDaily', feedbackDailySchema),
    FirstResponse: db.model<FirstResponseDoc>('FirstResponse', firstResponseSchema),
  };
}

export type Models = ReturnType<typeof createModels>;
