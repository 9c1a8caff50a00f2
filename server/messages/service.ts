import { Types } from 'mongoose';
import type { SecureFieldKind } from '../../models/message';
import type { Models } from '../../models';
import type { AuditLog } from '../audit';
import type { EventBus } from '../kernel/events';
import type { Threads } from '../threads';
import type { NotificationService } from '../notifications';
import type { Uploads } from '../uploads';
import { isStaff, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import type { Config } from '../config';
import type { StandingGate } from '../kernel/standing';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../kernel/errors';
import * as policy from './policy';
import { KIND_LABELS, secretBoxFor, type SecureFieldInput } from './secure-fields';
import type { MarkdownRenderer } from '../markdown/bounded-renderer';
import { createReveals } from './reveal';
import { findSensitive } from '../privacy';
import { afterCursor, createMessageStore, encodeCursor, literalPattern, oid } from './store';
import { createSupportInbox } from './support';
import {
  mapGet,
  toConversationView,
  toMessageView,
  type ConvLean,
  type ConversationView,
  type MessageLean,
  type MessageView,
} from './views';

export type { ConversationView, MessageView, ParticipantView } from './views';

export interface MessageDeps {
  models: Pick<Models, 'Conversation' | 'Message' | 'Block' | 'User' | 'RevealGrant'>;
  config: Config;
  clock: Clock;
  events: EventBus;
  audit: AuditLog;
  threads: Pick<Threads, 'threadRef' | 'recordAskerResponse' | 'notePrivateMessage'>;
  /** Tells recipients a message is waiting (never its text): the notifications domain. */
  notifications: Pick<NotificationService, 'notifyMany'>;
  /** Whether the person confirmed their e-mail address (unconfirmed members cannot write privately to members). */
  isEmailVerified(userId: string): Promise<boolean>;
  /** May this account message now; is it new (server/kernel/standing.ts). */
  gate: StandingGate;
  /** Renders message bodies (the app's bounded renderer, server/compose.ts). */
  renderer: MarkdownRenderer;
  /** Uploaded files shown in a message: the per-message limit, and attaching them to the conversation. */
  uploads: Pick<Uploads, 'checkMessage' | 'attachToConversation'>;
}

const HOUR_MS = 3600 * 1000;
export const BREAK_GLASS_MS = HOUR_MS;
export const UNVERIFIED_MEMBER_MESSAGE =
  'Confirm your e-mail address (see your account page) before writing privately to members. You can always write to support.';
/** Conversations per inbox page (keyset-paged: any depth costs the same). */
export const INBOX_PAGE_SIZE = 30;

export interface ConversationPage {
  conversation: ConversationView;
  messages: MessageView[];
  /** A break-glass reader: can read, cannot reply. */
  readOnly: boolean;
  /** Staff on a support conversation: may write internal notes, assign, close. */
  supportStaff: boolean;
  /** Secure fields the other side asked this actor for and that were not sent yet. */
  openRequests: { kind: SecureFieldKind; label: string }[];
}

export interface StartInput {
  to: string[];
  subject: string;
  body: string;
  threadId?: string;
  fields?: SecureFieldInput[];
  requests?: { kind: SecureFieldKind; label?: string }[];
  /** Write to the support team (the shared inbox) instead of named people. */
  toSupport?: boolean;
}

export interface ReplyInput {
  conversationId: string;
  body: string;
  fields?: SecureFieldInput[];
  /** A staff-only note in a support conversation. */
  internal?: boolean;
}

export interface InboxPage {
  conversations: ConversationView[];
  unread: number;
  /** Cursor of the next (older) page, or null. */
  next: string | null;
  q: string;
}

/** New accounts reach support only (docs/moderation.md): member-to-member messages wait. */
export class NewAccountError extends AppError {
  constructor(message: string) {
    super(403, 'new_account', message);
  }
}

export function createMessageService(deps: MessageDeps) {
  const { config, clock, events, audit, threads, gate, uploads, notifications } = deps;
  const { Conversation, Message, Block, User } = deps.models;
  const store = createMessageStore({ models: deps.models, config, renderer: deps.renderer, checkMessage: uploads.checkMessage });
  const changedFor = (...userIds: string[]) => events.emit('viewer.changed', { userIds }); // unread badges
  const support = createSupportInbox({ ...deps, store, changedFor, tell: tellRecipients });

  /** The conversation if the actor may read it; otherwise a 404, whatever the reason. */
  async function loadReadable(actor: Actor | null, conversationId: string, now: Date) {
    if (!actor) throw new NotFoundError('That conversation does not exist.');
    const _id = oid(conversationId);
    const me = new Types.ObjectId(actor.id);
    const c = (await Conversation.findOne({
      _id,
      $or: [
        { participantIds: me },
        { accessGrants: { $elemMatch: { userId: me, until: { $gt: now } } } },
        ...(isStaff(actor) ? [{ support: true }] : []),
      ],
    }).lean()) as ConvLean | null;
    const facts = c && {
      participantIds: c.participantIds.map(String),
      grantedIds: (c.accessGrants ?? []).filter((g) => g.until > now).map((g) => String(g.userId)),
      support: !!c.support,
    };
    if (!c || !facts || !policy.canRead(actor, facts)) throw new NotFoundError('That conversation does not exist.');
    return { c, facts };
  }

  /**
   * What `actor` may do in a conversation: 'participant' (read and write: its members, and the
   * support team on a support conversation, who read it by role), 'reader' (an admin during a
   * break-glass hour: read only) or null (nothing; shown as not existing). Uploaded files of the
   * conversation follow it (server/uploads/access.ts).
   */
  async function conversationAccess(actor: Actor, conversationId: string): Promise<'participant' | 'reader' | null> {
    try {
      const { facts } = await loadReadable(actor, conversationId, clock.now());
      return policy.canReply(actor, facts) ? 'participant' : 'reader';
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /**
   * Linked conversations the actor may open, for the thread page: the member's own, and for
   * staff every support conversation about the thread. Everyone else sees nothing (the asker
   * alone sees the content-free notice that a private message is waiting).
   */
  async function linkedConversationsFor(actor: Actor | null, threadId: string): Promise<{ id: string; subject: string }[]> {
    if (!actor || !/^[0-9a-fA-F]{24}$/.test(threadId)) return [];
    const me = new Types.ObjectId(actor.id);
    const rows = await Conversation.find(
      { threadId: new Types.ObjectId(threadId), $or: [{ participantIds: me }, ...(isStaff(actor) ? [{ support: true }] : [])] },
      { subject: 1 },
    )
      .sort({ createdAt: 1 })
      .lean();
    return rows.map((r) => ({ id: String(r._id), subject: r.subject }));
  }

  /**
   * Unread messages across the actor's conversations (header badge), plus for staff the support
   * conversations assigned to them that await an answer. 0 for anonymous readers.
   */
  async function unreadCountFor(actor: Actor | null): Promise<number> {
    if (!actor) return 0;
    const rows = await Conversation.find(
      { participantIds: new Types.ObjectId(actor.id), [`unread.${actor.id}`]: { $gt: 0 } },
      { [`unread.${actor.id}`]: 1 },
    ).lean<{ unread?: Record<string, number> }[]>();
    const own = rows.reduce((sum, r) => sum + (mapGet(r.unread, actor.id) ?? 0), 0);
    return isStaff(actor) ? own + (await support.awaitingFor(actor)) : own;
  }

  /**
   * An unconfirmed member may write to support but not to other members (issue 14: spam
   * and impersonation need a verified address first). Staff roles are granted by an admin.
   */
  async function checkMayWriteTo(actor: Actor, recipientRoles: string[]): Promise<void> {
    if (isStaff(actor) || !recipientRoles.includes('member')) return;
    if (!(await deps.isEmailVerified(actor.id))) throw new ForbiddenError(UNVERIFIED_MEMBER_MESSAGE);
  }

  /** "You have a new private message from Support" (or the member's name): never the subject or the text. */
  async function tellRecipients(author: Actor, conversationId: string, recipientIds: string[], messageId: string, at: Date) {
    const from = isStaff(author) ? 'Support' : author.displayName;
    await notifications.notifyMany(
      recipientIds,
      {
        kind: 'private_message',
        conversationId,
        text: `You have a new private message from ${from}.`,
        mail: { kind: 'private_message', conversationId, from },
        eventId: messageId,
      },
      at,
    );
  }

  async function usersByName(names: string[]) {
    const wanted = [...new Set(names.map((n) => n.trim().toLowerCase()).filter(Boolean))];
    const users = await User.find({ usernameLower: { $in: wanted } }, { username: 1, usernameLower: 1, displayName: 1, role: 1 }).lean();
    const missing = wanted.filter((n) => !users.some((u) => u.usernameLower === n));
    if (missing.length) {
      throw new ValidationError(`There is no member called "${missing[0]}".`, { to: `There is no member called "${missing[0]}".` });
    }
    return users;
  }

  async function loadThreadForLink(threadId: string) {
    const thread = await threads.threadRef(threadId);
    if (!thread) throw new NotFoundError('That thread does not exist.');
    return thread;
  }

  /**
   * Starts a conversation. Where it goes (docs/support-team.md):
   * - `toSupport`, or a member writing only to staff: a support conversation (the shared inbox),
   *   assigned to the one staff member named, if any;
   * - a staff member writing to one member: a support conversation on behalf of support,
   *   assigned to the writer;
   * - anything else: a conversation between the named people. A new account may not start one
   *   with other members (403 'new_account'); restricted accounts are refused by the gate.
   */
  async function start(actor: Actor | null, input: StartInput): Promise<ConversationView> {
    if (!actor) throw new NotFoundError();
    if (findSensitive(input.subject).length) {
      // Subjects appear in inbox lists and previews: secrets go in the body or a secure field.
      const msg = 'The subject looks like it contains private information. Put it in the message or a secure field instead.';
      throw new ValidationError(msg, { subject: msg });
    }
    const requests = (input.requests ?? []).map((r) => ({ kind: r.kind, label: r.label || KIND_LABELS[r.kind] }));
    const message = { body: input.body, fields: input.fields ?? [], requests };
    if (input.toSupport) {
      if (isStaff(actor)) {
        const msg = 'You are on the support team: write to a member instead.';
        throw new ValidationError(msg, { to: msg });
      }
      return support.open(actor, { member: actor, subject: input.subject, threadId: input.threadId, assignee: null, message });
    }
    const recipients = await usersByName(input.to);
    const recipientIds = recipients.map((u) => String(u._id));
    if (recipientIds.includes(actor.id)) {
      throw new ValidationError('You cannot send a private message to yourself.', { to: 'You cannot send a private message to yourself.' });
    }
    const staffRecipients = recipients.filter((u) => u.role === 'moderator' || u.role === 'admin');
    const memberRecipients = recipients.filter((u) => u.role === 'member');
    if (!isStaff(actor) && memberRecipients.length === 0) {
      const assignee =
        staffRecipients.length === 1 ? { id: String(staffRecipients[0]!._id), displayName: staffRecipients[0]!.displayName } : null;
      return support.open(actor, { member: actor, subject: input.subject, threadId: input.threadId, assignee, message });
    }
    if (isStaff(actor) && recipients.length === 1 && memberRecipients.length === 1) {
      const m = memberRecipients[0]!;
      const member: Actor = { id: String(m._id), username: m.username, displayName: m.displayName, role: 'member' };
      return support.open(actor, {
        member,
        subject: input.subject,
        threadId: input.threadId,
        assignee: { id: actor.id, displayName: actor.displayName },
        message,
      });
    }

    if (!isStaff(actor) && memberRecipients.length) {
      await gate.assert(actor, 'message_member');
      if (await gate.isNew(actor)) {
        throw new NewAccountError(
          'New accounts can write to Support only for now; messages to other members open up after a few days of taking part.',
        );
      }
    }
    // Support stays reachable: only members' blocks count (a moderator cannot be blocked
    // out of a member's case, nor block a member from asking support).
    const blocks = await Block.find(
      { blockerId: { $in: memberRecipients.map((u) => u._id) }, blockedId: new Types.ObjectId(actor.id) },
      { blockerId: 1 },
    ).lean();
    if (
      !policy.canStart(
        actor,
        recipientIds,
        blocks.map((b) => String(b.blockerId)),
      )
    ) {
      throw new ForbiddenError('You cannot start a conversation with this member.');
    }
    await checkMayWriteTo(
      actor,
      recipients.map((u) => u.role),
    );
    const participantIds = [actor.id, ...recipientIds];
    let thread: { id: string; title: string; askerId: string } | null = null;
    if (input.threadId) {
      thread = await loadThreadForLink(input.threadId);
      if (!policy.canLinkThread(actor, thread.askerId, participantIds)) {
        throw new ValidationError('Only the asker or support can link a conversation to this question.', {
          threadId: 'Only the asker or support can link a conversation to this question.',
        });
      }
    }
    const now = clock.now();
    const conversationId = new Types.ObjectId();
    // Message first: a crash before the conversation insert leaves an invisible orphan,
    // never an empty conversation in someone's inbox.
    const first = await store.insert(actor, conversationId, message, now);
    const people = [
      { userId: new Types.ObjectId(actor.id), username: actor.username, displayName: actor.displayName, role: actor.role },
      ...recipients.map((u) => ({ userId: u._id, username: u.username, displayName: u.displayName, role: u.role })),
    ];
    const conv = {
      _id: conversationId,
      subject: input.subject,
      participants: people,
      participantIds: people.map((p) => p.userId),
      participantNames: people.flatMap((p) => [p.username, p.displayName]),
      startedBy: new Types.ObjectId(actor.id),
      threadId: thread ? new Types.ObjectId(thread.id) : null,
      threadAskerId: thread ? new Types.ObjectId(thread.askerId) : null,
      createdAt: now,
      lastMessageAt: now,
      messageCount: 1,
      unread: Object.fromEntries([[actor.id, 0], ...recipientIds.map((id) => [id, 1])]),
      lastReadAt: { [actor.id]: now },
      accessGrants: [],
    };
    await Conversation.create(conv);
    await uploads.attachToConversation(actor, String(conversationId), first.body);
    await changedFor(actor.id, ...recipientIds);
    await tellRecipients(actor, String(conversationId), recipientIds, String(first._id), now);
    if (thread && actor.id !== thread.askerId) await threads.notePrivateMessage(thread.id, now);
    if (thread && actor.id === thread.askerId) await threads.recordAskerResponse(thread.id, now);
    return toConversationView(conv as unknown as ConvLean, actor.id);
  }

  async function reply(actor: Actor | null, input: ReplyInput): Promise<MessageView> {
    const now = clock.now();
    const { c, facts } = await loadReadable(actor, input.conversationId, now);
    if (!policy.canReply(actor, facts)) {
      throw new ForbiddenError('Break-glass access is read-only.');
    }
    const me = actor!;
    if (facts.support) return support.reply(me, c, facts, input, now);
    if (input.internal) {
      const msg = 'Internal notes belong to support conversations.';
      throw new ValidationError(msg, { internal: msg });
    }
    await checkMayWriteTo(
      me,
      c.participants.filter((p) => String(p.userId) !== me.id).map((p) => p.role),
    );
    const others = facts.participantIds.filter((id) => id !== me.id);
    if (!isStaff(me)) {
      await gate.assert(me, 'message_member');
      // Secrets typed into the body become fields too: the rule holds for them as well.
      const { fields } = store.separateSecrets(input.body, input.fields ?? []);
      if (fields.length && others.length && (await gate.isNew(me))) {
        throw new NewAccountError('New accounts cannot send secure fields to other members. Write to Support instead.');
      }
    }
    const m = await store.insert(me, c._id, { body: input.body, fields: input.fields ?? [], requests: [] }, now);
    await uploads.attachToConversation(me, String(c._id), m.body);
    await Conversation.updateOne(
      { _id: c._id },
      {
        $inc: { messageCount: 1, ...Object.fromEntries(others.map((id) => [`unread.${id}`, 1])) },
        $set: { lastMessageAt: now, [`unread.${me.id}`]: 0, [`lastReadAt.${me.id}`]: now },
      },
    );
    await changedFor(me.id, ...others);
    await tellRecipients(me, String(c._id), others, String(m._id), now);
    if (c.threadId && c.threadAskerId && String(c.threadAskerId) === me.id) {
      await threads.recordAskerResponse(String(c.threadId), now);
    }
    return toMessageView(m, now, false, { id: me.id, staff: isStaff(me) }, store.viewBox());
  }

  /**
   * The actor's inbox, newest first, keyset-paged by `before` (a cursor from the previous page):
   * their conversations, and for staff the support conversations assigned to them. `q` narrows
   * by subject or name (a literal, case-insensitive match over this person's conversations).
   */
  async function list(actor: Actor | null, input: { q?: string; before?: string } = {}): Promise<InboxPage> {
    const q = (input.q ?? '').trim();
    if (!actor) return { conversations: [], unread: 0, next: null, q };
    const me = new Types.ObjectId(actor.id);
    const mine = isStaff(actor) ? { $or: [{ participantIds: me }, { support: true, assigneeId: me }] } : { participantIds: me };
    const filter: Record<string, unknown> = { $and: [mine, afterCursor(input.before)] };
    if (q) (filter.$and as unknown[]).push({ $or: [{ subject: literalPattern(q) }, { participantNames: literalPattern(q) }] });
    const rows = (await Conversation.find(filter, { accessGrants: 0, lastReadAt: 0 })
      .sort({ lastMessageAt: -1, _id: -1 })
      .limit(INBOX_PAGE_SIZE + 1)
      .lean()) as unknown as ConvLean[];
    const page = rows.slice(0, INBOX_PAGE_SIZE);
    const conversations = page.map((r) => support.viewFor(r, actor));
    return {
      conversations,
      unread: await unreadCountFor(actor),
      next: rows.length > INBOX_PAGE_SIZE ? encodeCursor(page[page.length - 1]!) : null,
      q,
    };
  }

  /** The conversation page. Opening it marks it read for a participant. */
  async function open(actor: Actor | null, input: { conversationId: string }): Promise<ConversationPage> {
    const now = clock.now();
    const { c, facts } = await loadReadable(actor, input.conversationId, now);
    const participant = policy.isParticipant(actor, facts);
    const supportStaff = policy.isSupportStaff(actor, facts) && !participant;
    const me = actor!;
    if (participant && (mapGet(c.unread, me.id) ?? 0) > 0) {
      await Conversation.updateOne({ _id: c._id }, { $set: { [`unread.${me.id}`]: 0, [`lastReadAt.${me.id}`]: now } });
      await changedFor(me.id);
      c.unread = { ...Object.fromEntries(c.unread instanceof Map ? c.unread : Object.entries(c.unread ?? {})), [me.id]: 0 };
    }
    // Internal notes never leave the support team, not even as a count.
    const rows = (await Message.find({ conversationId: c._id, ...(supportStaff ? {} : { internal: { $ne: true } }) })
      .sort({ createdAt: 1, _id: 1 })
      .limit(1000)
      .lean()) as unknown as MessageLean[];
    const viewer = { id: me.id, staff: isStaff(me) && (supportStaff || !participant) };
    const box = store.viewBox();
    const messages = rows.map((m) => toMessageView(m, now, !!c.support, viewer, box));
    return {
      conversation: toConversationView(c, participant ? me.id : null, supportStaff),
      messages,
      readOnly: !participant && !supportStaff,
      supportStaff,
      openRequests: participant ? openRequestsFor(me.id, rows) : [],
    };
  }

  /** Requests made by others that this actor has not answered with a field of that kind since. */
  function openRequestsFor(meId: string, rows: MessageLean[]) {
    const open: { kind: SecureFieldKind; label: string; at: number }[] = [];
    for (const m of rows) {
      if (String(m.authorId) === meId) {
        for (const f of m.fields ?? []) {
          const i = open.findIndex((r) => r.kind === f.kind);
          if (i >= 0) open.splice(i, 1);
        }
      } else {
        for (const r of m.requests ?? []) {
          if (!open.some((o) => o.kind === r.kind)) open.push({ kind: r.kind, label: r.label, at: m.createdAt.getTime() });
        }
      }
    }
    return open.map(({ kind, label }) => ({ kind, label }));
  }

  /** An admin's audited, one-hour read access to a conversation they are not part of. */
  async function breakGlass(actor: Actor | null, input: { conversationId: string; reason: string }): Promise<{ until: Date }> {
    if (!policy.canBreakGlass(actor)) throw new NotFoundError('That conversation does not exist.');
    const now = clock.now();
    const _id = oid(input.conversationId);
    const exists = await Conversation.exists({ _id });
    if (!exists) throw new NotFoundError('That conversation does not exist.');
    const until = new Date(now.getTime() + BREAK_GLASS_MS);
    // Audit first: a grant never exists without its record.
    await audit.record({ actor: actor!, action: 'break_glass', conversationId: _id, reason: input.reason, at: now });
    await Conversation.updateOne({ _id }, { $push: { accessGrants: { userId: new Types.ObjectId(actor!.id), until } } });
    return { until };
  }

  async function block(actor: Actor | null, input: { username: string }): Promise<{ blocked: string }> {
    if (!actor) throw new NotFoundError();
    const [user] = await usersByName([input.username]);
    if (String(user!._id) === actor.id) throw new ValidationError('You cannot block yourself.');
    await Block.updateOne(
      { blockerId: new Types.ObjectId(actor.id), blockedId: user!._id },
      { $setOnInsert: { createdAt: clock.now() } },
      { upsert: true },
    );
    return { blocked: user!.username };
  }

  async function unblock(actor: Actor | null, input: { username: string }): Promise<{ unblocked: string }> {
    if (!actor) throw new NotFoundError();
    const [user] = await usersByName([input.username]);
    await Block.deleteOne({ blockerId: new Types.ObjectId(actor.id), blockedId: user!._id });
    return { unblocked: user!.username };
  }

  /** Prefill for `/messages/new?thread=<id>`: staff write to the asker about the question. */
  async function draftFor(
    actor: Actor | null,
    input: { threadId?: string; to?: string },
  ): Promise<{ to: string; subject: string; threadId: string | null; threadTitle: string | null }> {
    if (!actor) throw new NotFoundError();
    if (!input.threadId) return { to: input.to ?? '', subject: '', threadId: null, threadTitle: null };
    oid(input.threadId, 'That thread');
    const thread = await loadThreadForLink(input.threadId);
    const isAsker = thread.askerId === actor.id;
    if (!policy.canUseModeratorTemplates(actor) && !isAsker) throw new NotFoundError('That thread does not exist.');
    return {
      to: isAsker ? (input.to ?? '') : thread.askerUsername,
      subject: `About your question: ${thread.title}`.slice(0, 200),
      threadId: thread.id,
      threadTitle: thread.title,
    };
  }

  // Reveals (server/messages/reveal.ts): the API's answer, and the page's POST-redirect-GET grant.
  const reveals = createReveals({ models: deps.models, clock, audit, box: () => secretBoxFor(config), loadReadable });

  return {
    list,
    open,
    start,
    reply,
    ...reveals,
    breakGlass,
    block,
    unblock,
    draftFor,
    requestCertification: support.requestCertification,
    sendFromPost: support.sendFromPost,
    supportInbox: support.inbox,
    assignConversation: support.assign,
    setConversationStatus: support.setStatus,
    unreadCount: unreadCountFor,
    linkedConversationsFor,
    loadReadable,
    conversationAccess,
  };
}

export type MessageService = ReturnType<typeof createMessageService>;
