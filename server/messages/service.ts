import { Types } from 'mongoose';
import type { SecureFieldKind } from '../../models/message';
import type { Models } from '../../models';
import type { AuditLog } from '../audit';
import type { EventBus } from '../kernel/events';
import type { Threads } from '../threads';
import type { NotificationService } from '../notifications';
import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import type { Config } from '../config';
import { ForbiddenError, NotFoundError, ValidationError } from '../kernel/errors';
import { isStaff } from '../kernel/actor';
import { RENDERER_VERSION, renderMarkdown } from '../markdown/render';
import * as policy from './policy';
import {
  KIND_LABELS,
  fieldView,
  nextPurgeAt,
  openField,
  sealFields,
  secretBoxFor,
  type FieldView,
  type RevealOutcome,
  type SecureFieldInput,
  type StoredSecureField,
} from './secure-fields';
import { extractSecrets } from './public-guard';
import { findSensitive } from '../privacy';

export interface MessageDeps {
  models: Pick<Models, 'Conversation' | 'Message' | 'Block' | 'User'>;
  config: Config;
  clock: Clock;
  events: EventBus;
  audit: AuditLog;
  threads: Pick<Threads, 'threadRef' | 'recordAskerResponse' | 'notePrivateMessage'>;
  /** Tells recipients a message is waiting (never its text): the notifications domain. */
  notifications: Pick<NotificationService, 'notifyMany'>;
  /** Whether the person confirmed their e-mail address (unconfirmed members cannot write privately to members). */
  isEmailVerified(userId: string): Promise<boolean>;
}

const HOUR_MS = 3600 * 1000;
export const BREAK_GLASS_MS = HOUR_MS;
export const UNVERIFIED_MEMBER_MESSAGE =
  'Confirm your e-mail address (see your account page) before writing privately to members. You can always write to support.';
export const CERTIFICATION_REQUEST_BODY =
  'To look into this we need your certification ID. Please send it using the secure field below: ' +
  'it is encrypted, shown only to you and support, and never appears in the public thread.';

// ---- shapes returned to handlers (HTML and JSON use the same) ----

export interface ParticipantView {
  id: string;
  username: string;
  displayName: string;
  role: string;
}

export interface ConversationView {
  id: string;
  subject: string;
  threadId: string | null;
  participants: ParticipantView[];
  createdAt: Date;
  lastMessageAt: Date;
  messageCount: number;
  unread: number;
}

export interface MessageView {
  id: string;
  conversationId: string;
  author: { id: string; username: string };
  body: string;
  html: string;
  createdAt: Date;
  fields: FieldView[];
  requests: { kind: SecureFieldKind; label: string }[];
}

export interface ConversationPage {
  conversation: ConversationView;
  messages: MessageView[];
  /** A break-glass reader: can read, cannot reply. */
  readOnly: boolean;
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
}

export interface ReplyInput {
  conversationId: string;
  body: string;
  fields?: SecureFieldInput[];
}

type ConvLean = {
  _id: Types.ObjectId;
  subject: string;
  participants: { userId: Types.ObjectId; username: string; displayName: string; role: string }[];
  participantIds: Types.ObjectId[];
  threadId: Types.ObjectId | null;
  threadAskerId: Types.ObjectId | null;
  createdAt: Date;
  lastMessageAt: Date;
  messageCount: number;
  unread?: Record<string, number> | Map<string, number>;
  accessGrants?: { userId: Types.ObjectId; until: Date }[];
};

const oid = (id: string, what = 'That conversation'): Types.ObjectId => {
  if (typeof id !== 'string' || !/^[0-9a-fA-F]{24}$/.test(id)) throw new NotFoundError(`${what} does not exist.`);
  return new Types.ObjectId(id);
};

const mapGet = <T>(m: Record<string, T> | Map<string, T> | undefined, k: string): T | undefined => (m instanceof Map ? m.get(k) : m?.[k]);

function toConversationView(c: ConvLean, viewerId: string | null): ConversationView {
  return {
    id: String(c._id),
    subject: c.subject,
    threadId: c.threadId ? String(c.threadId) : null,
    participants: c.participants.map((p) => ({
      id: String(p.userId),
      username: p.username,
      displayName: p.displayName || p.username,
      role: p.role,
    })),
    createdAt: c.createdAt,
    lastMessageAt: c.lastMessageAt,
    messageCount: c.messageCount,
    unread: viewerId ? (mapGet(c.unread, viewerId) ?? 0) : 0,
  };
}

function toMessageView(m: MessageLean, now: Date): MessageView {
  return {
    id: String(m._id),
    conversationId: String(m.conversationId),
    author: { id: String(m.authorId), username: m.authorUsername },
    body: m.body,
    html: m.html,
    createdAt: m.createdAt,
    fields: (m.fields ?? []).map((f) => fieldView(f, now)),
    requests: (m.requests ?? []).map((r) => ({ kind: r.kind, label: r.label })),
  };
}

type MessageLean = {
  _id: Types.ObjectId;
  conversationId: Types.ObjectId;
  authorId: Types.ObjectId;
  authorUsername: string;
  body: string;
  html: string;
  createdAt: Date;
  fields: StoredSecureField[];
  requests: { kind: SecureFieldKind; label: string }[];
};

export function createMessageService(deps: MessageDeps) {
  const { config, clock, events, audit, threads, notifications } = deps;
  const { Conversation, Message, Block, User } = deps.models;
  const changedFor = (...userIds: string[]) => events.emit('viewer.changed', { userIds }); // unread badges

  /** The conversation if the actor may read it; otherwise a 404, whatever the reason. */
  async function loadReadable(actor: Actor | null, conversationId: string, now: Date) {
    if (!actor) throw new NotFoundError('That conversation does not exist.');
    const _id = oid(conversationId);
    const me = new Types.ObjectId(actor.id);
    const c = (await Conversation.findOne({
      _id,
      $or: [{ participantIds: me }, { accessGrants: { $elemMatch: { userId: me, until: { $gt: now } } } }],
    }).lean()) as ConvLean | null;
    const facts = c && {
      participantIds: c.participantIds.map(String),
      grantedIds: (c.accessGrants ?? []).filter((g) => g.until > now).map((g) => String(g.userId)),
    };
    if (!c || !facts || !policy.canRead(actor, facts)) throw new NotFoundError('That conversation does not exist.');
    return { c, facts };
  }

  /**
   * Linked conversations the actor takes part in, for the thread page (only participants see
   * a link; everyone else sees at most the content-free notice flag on the thread).
   */
  async function linkedConversationsFor(actor: Actor | null, threadId: string): Promise<{ id: string; subject: string }[]> {
    if (!actor || !/^[0-9a-fA-F]{24}$/.test(threadId)) return [];
    const rows = await Conversation.find(
      { threadId: new Types.ObjectId(threadId), participantIds: new Types.ObjectId(actor.id) },
      { subject: 1 },
    )
      .sort({ createdAt: 1 })
      .lean();
    return rows.map((r) => ({ id: String(r._id), subject: r.subject }));
  }

  /** Unread messages across the actor's conversations (header badge). 0 for anonymous readers. */
  async function unreadCountFor(actor: Actor | null): Promise<number> {
    if (!actor) return 0;
    const rows = await Conversation.find(
      { participantIds: new Types.ObjectId(actor.id), [`unread.${actor.id}`]: { $gt: 0 } },
      { [`unread.${actor.id}`]: 1 },
    ).lean<{ unread?: Record<string, number> }[]>();
    return rows.reduce((sum, r) => sum + (mapGet(r.unread, actor.id) ?? 0), 0);
  }

  const box = () => secretBoxFor(config);

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

  /**
   * Secrets typed into a message body are moved into secure fields, so a value pasted in
   * the wrong box is still encrypted and never stored in the clear.
   */
  function separateSecrets(body: string, fields: SecureFieldInput[]): { body: string; fields: SecureFieldInput[] } {
    const { text, secrets } = extractSecrets(body);
    return { body: text, fields: [...fields, ...secrets] };
  }

  /**
   * Writes one message. Its id is chosen first so each field's ciphertext is bound to
   * (messageId, fieldId). Sealing happens here, before anything reaches mongoose.
   */
  async function insertMessage(
    author: Actor,
    conversationId: Types.ObjectId,
    rawBody: string,
    rawFields: SecureFieldInput[],
    requests: { kind: SecureFieldKind; label: string }[],
    now: Date,
  ) {
    const { body, fields: inputs } = separateSecrets(rawBody, rawFields);
    if (!body.trim() && inputs.length === 0 && requests.length === 0) {
      throw new ValidationError('Write a message or add a secure field.', { body: 'Write a message or add a secure field.' });
    }
    const _id = new Types.ObjectId();
    const fields = inputs.length ? sealFields(box(), String(_id), inputs, now) : [];
    const purgeAt = nextPurgeAt(fields);
    const doc = {
      _id,
      conversationId,
      authorId: new Types.ObjectId(author.id),
      authorUsername: author.username,
      body,
      html: body ? renderMarkdown(body) : '',
      rendererVersion: RENDERER_VERSION,
      createdAt: now,
      fields,
      requests,
      ...(purgeAt ? { secretsPurgeAt: purgeAt } : {}),
    };
    await Message.create(doc);
    return doc as unknown as MessageLean;
  }

  async function loadThreadForLink(threadId: string) {
    const thread = await threads.threadRef(threadId);
    if (!thread) throw new NotFoundError('That thread does not exist.');
    return thread;
  }

  async function start(actor: Actor | null, input: StartInput): Promise<ConversationView> {
    if (!actor) throw new NotFoundError();
    if (findSensitive(input.subject).length) {
      // Subjects appear in inbox lists and previews: secrets go in the body or a secure field.
      const msg = 'The subject looks like it contains private information. Put it in the message or a secure field instead.';
      throw new ValidationError(msg, { subject: msg });
    }
    const now = clock.now();
    const recipients = await usersByName(input.to);
    const recipientIds = recipients.map((u) => String(u._id));
    // Support stays reachable: only members' blocks count (a moderator cannot be blocked
    // out of a member's case, nor block a member from asking support).
    const blocks = await Block.find(
      { blockerId: { $in: recipients.filter((u) => u.role === 'member').map((u) => u._id) }, blockedId: new Types.ObjectId(actor.id) },
      { blockerId: 1 },
    ).lean();
    if (recipientIds.includes(actor.id)) {
      throw new ValidationError('You cannot send a private message to yourself.', { to: 'You cannot send a private message to yourself.' });
    }
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
    const conversationId = new Types.ObjectId();
    const requests = (input.requests ?? []).map((r) => ({ kind: r.kind, label: r.label || KIND_LABELS[r.kind] }));
    // Message first: a crash before the conversation insert leaves an invisible orphan,
    // never an empty conversation in someone's inbox.
    const first = await insertMessage(actor, conversationId, input.body, input.fields ?? [], requests, now);
    const people = [
      { userId: new Types.ObjectId(actor.id), username: actor.username, displayName: actor.displayName, role: actor.role },
      ...recipients.map((u) => ({ userId: u._id, username: u.username, displayName: u.displayName, role: u.role })),
    ];
    const conv = {
      _id: conversationId,
      subject: input.subject,
      participants: people,
      participantIds: people.map((p) => p.userId),
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
    await checkMayWriteTo(
      me,
      c.participants.filter((p) => String(p.userId) !== me.id).map((p) => p.role),
    );
    const m = await insertMessage(me, c._id, input.body, input.fields ?? [], [], now);
    const others = facts.participantIds.filter((id) => id !== me.id);
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
    return toMessageView(m, now);
  }

  async function list(actor: Actor | null): Promise<{ conversations: ConversationView[]; unread: number }> {
    if (!actor) return { conversations: [], unread: 0 };
    const rows = (await Conversation.find({ participantIds: new Types.ObjectId(actor.id) }, { accessGrants: 0, lastReadAt: 0 })
      .sort({ lastMessageAt: -1 })
      .limit(200)
      .lean()) as unknown as ConvLean[];
    const conversations = rows.map((r) => toConversationView(r, actor.id));
    return { conversations, unread: conversations.reduce((s, c) => s + c.unread, 0) };
  }

  /** The conversation page. Opening it marks it read for a participant. */
  async function open(actor: Actor | null, input: { conversationId: string }): Promise<ConversationPage> {
    const now = clock.now();
    const { c, facts } = await loadReadable(actor, input.conversationId, now);
    const participant = policy.isParticipant(actor, facts);
    const me = actor!;
    if (participant && (mapGet(c.unread, me.id) ?? 0) > 0) {
      await Conversation.updateOne({ _id: c._id }, { $set: { [`unread.${me.id}`]: 0, [`lastReadAt.${me.id}`]: now } });
      await changedFor(me.id);
      c.unread = { ...Object.fromEntries(c.unread instanceof Map ? c.unread : Object.entries(c.unread ?? {})), [me.id]: 0 };
    }
    const rows = (await Message.find({ conversationId: c._id })
      .sort({ createdAt: 1, _id: 1 })
      .limit(1000)
      .lean()) as unknown as MessageLean[];
    const messages = rows.map((m) => toMessageView(m, now));
    return {
      conversation: toConversationView(c, participant ? me.id : null),
      messages,
      readOnly: !participant,
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

  /**
   * Reveals one secure field to a reader. The audit entry is written BEFORE the value is
   * returned (never the value itself), so no reveal goes unrecorded.
   */
  async function reveal(
    actor: Actor | null,
    input: { conversationId: string; fieldId: string },
  ): Promise<RevealOutcome & { page: ConversationPage }> {
    const now = clock.now();
    const { c, facts } = await loadReadable(actor, input.conversationId, now);
    if (!policy.canReveal(actor, facts)) throw new NotFoundError('That conversation does not exist.');
    const m = (await Message.findOne({ conversationId: c._id, 'fields.fieldId': input.fieldId }).lean()) as unknown as MessageLean | null;
    const field = m?.fields.find((f) => f.fieldId === input.fieldId);
    if (!m || !field) throw new NotFoundError('That secure field does not exist.');
    const outcome = openField(box(), String(m._id), field, now);
    if (outcome.ok) {
      await audit.record({
        actor: actor!,
        action: 'reveal_secure_field',
        conversationId: c._id,
        messageId: m._id,
        fieldId: field.fieldId,
        at: now,
      });
    }
    const page = await open(actor, { conversationId: input.conversationId });
    return { ...outcome, page };
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
    if (String(user._id) === actor.id) throw new ValidationError('You cannot block yourself.');
    await Block.updateOne(
      { blockerId: new Types.ObjectId(actor.id), blockedId: user._id },
      { $setOnInsert: { createdAt: clock.now() } },
      { upsert: true },
    );
    return { blocked: user.username };
  }

  async function unblock(actor: Actor | null, input: { username: string }): Promise<{ unblocked: string }> {
    if (!actor) throw new NotFoundError();
    const [user] = await usersByName([input.username]);
    await Block.deleteOne({ blockerId: new Types.ObjectId(actor.id), blockedId: user._id });
    return { unblocked: user.username };
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

  /** Moderator template: "Request your certification ID privately". */
  async function requestCertification(actor: Actor | null, input: { threadId: string }): Promise<ConversationView> {
    if (!policy.canUseModeratorTemplates(actor)) throw new ForbiddenError('Only support moderators can do that.');
    oid(input.threadId, 'That thread');
    const thread = await loadThreadForLink(input.threadId);
    if (thread.askerId === actor!.id) throw new ValidationError('This is your own question.');
    return start(actor, {
      to: [thread.askerUsername],
      subject: `About your question: ${thread.title}`.slice(0, 200),
      body: CERTIFICATION_REQUEST_BODY,
      threadId: thread.id,
      requests: [{ kind: 'certification_id', label: KIND_LABELS.certification_id }],
    });
  }

  /**
   * "Send privately to support" from a public post the guard stopped: every current
   * moderator becomes a participant (a shared support inbox); the detected values become
   * secure fields and the body keeps the rest. Linked to the thread only for its asker.
   */
  async function sendFromPost(actor: Actor | null, input: { title?: string; body: string; threadId?: string }): Promise<ConversationView> {
    if (!actor) throw new NotFoundError();
    let staff = await User.find({ role: 'moderator' }, { username: 1 }).lean();
    if (staff.length === 0) staff = await User.find({ role: 'admin' }, { username: 1 }).lean();
    const to = staff.map((u) => u.username).filter((n) => n.toLowerCase() !== actor.username.toLowerCase());
    if (to.length === 0) throw new ValidationError('There is no support moderator to write to yet.');
    let threadId: string | undefined;
    // Never the title in the subject: it may hold the very secret (subjects are shown in lists).
    let subject = 'Private details for support';
    if (input.threadId) {
      oid(input.threadId, 'That thread');
      const thread = await loadThreadForLink(input.threadId);
      if (thread.askerId === actor.id) {
        threadId = thread.id;
        subject = `About your question: ${thread.title}`;
      }
    }
    const body = input.title ? `**${input.title}**\n\n${input.body}` : input.body;
    return start(actor, { to, subject: subject.slice(0, 200), body, threadId });
  }

  return {
    list,
    open,
    start,
    reply,
    reveal,
    breakGlass,
    block,
    unblock,
    draftFor,
    requestCertification,
    sendFromPost,
    unreadCount: unreadCountFor,
    linkedConversationsFor,
  };
}

export type MessageService = ReturnType<typeof createMessageService>;
