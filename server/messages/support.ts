import { Types } from 'mongoose';
import type { Models } from '../../models';
import type { SecureFieldKind } from '../../models/message';
import type { AuditLog } from '../audit';
import { isStaff, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { ForbiddenError, NotFoundError, ValidationError } from '../kernel/errors';
import type { StandingGate } from '../kernel/standing';
import type { Threads } from '../threads';
import type { Uploads } from '../uploads';
import * as policy from './policy';
import { KIND_LABELS, type SecureFieldInput } from './secure-fields';
import { afterCursor, encodeCursor, oid, type MessageStore } from './store';
import { SUPPORT_PARTICIPANT, toConversationView, toMessageView, type ConvLean, type ConversationView, type MessageView } from './views';

/**
 * The shared support inbox (docs/support-team.md). A support conversation is between one member
 * and the support team: `participantIds` holds the member only, and every moderator and
 * administrator reads and answers it by role. The member sees "Support" as the other side and
 * each staff message signed with the moderator's name. Staff see the assignee, whether support
 * owes an answer (`awaitingSupport`), and internal notes the member never sees.
 *
 * A conversation linked to a thread carries `openThreadKey` (`<thread>:<member>`) while open; its
 * unique sparse index makes "Request the certification ID privately" reuse the thread's open
 * support conversation, even when two clicks race.
 *
 * Who is told of a message (notification kind `private_message`, docs/notifications.md): the
 * member, of support's answers; of the member's messages, the assigned moderator, or every
 * moderator and administrator while nobody is assigned. Internal notes tell nobody.
 */
export const CERTIFICATION_REQUEST_BODY =
  'To look into this we need your certification ID. Please send it using the secure field below: ' +
  'it is encrypted, shown only to you and support, and never appears in the public thread.';

export const SUPPORT_FILTERS = ['all', 'mine', 'unassigned', 'awaiting', 'closed'] as const;
export type SupportFilter = (typeof SUPPORT_FILTERS)[number];
export const SUPPORT_PAGE_SIZE = 30;

interface SupportDeps {
  models: Pick<Models, 'Conversation' | 'Message' | 'User'>;
  clock: Clock;
  audit: AuditLog;
  threads: Pick<Threads, 'threadRef' | 'recordAskerResponse' | 'notePrivateMessage'>;
  gate: StandingGate;
  store: MessageStore;
  /** Gives the conversation the sender's files a message shows (server/uploads/post-guard.ts). */
  uploads: Pick<Uploads, 'attachToConversation'>;
  changedFor: (...userIds: string[]) => Promise<void>;
  /** Tells people a private message is waiting, never its text (server/messages/service.ts tellRecipients). */
  tell: (author: Actor, conversationId: string, recipientIds: string[], messageId: string, at: Date) => Promise<void>;
}

interface OutgoingMessage {
  body: string;
  fields: SecureFieldInput[];
  requests: { kind: SecureFieldKind; label: string }[];
}

const openKey = (threadId: string, memberId: string) => `${threadId}:${memberId}`;

export function createSupportInbox(deps: SupportDeps) {
  const { clock, audit, threads, gate, store, uploads, changedFor, tell } = deps;
  const { Conversation, User } = deps.models;

  /** A conversation in a list, as this actor sees it (staff: assignee; "unread" = support owes an answer). */
  function viewFor(c: ConvLean, actor: Actor): ConversationView {
    const participant = c.participantIds.some((id) => String(id) === actor.id);
    const staffSide = !!c.support && isStaff(actor) && !participant;
    const view = toConversationView(c, participant ? actor.id : null, staffSide);
    if (staffSide) view.unread = c.awaitingSupport ? 1 : 0;
    return view;
  }

  /** Who handles the member's messages: the assignee, else the whole support team (an indexed query on role). */
  async function handlers(assigneeId: Types.ObjectId | string | null | undefined, except: string): Promise<string[]> {
    if (assigneeId) return String(assigneeId) === except ? [] : [String(assigneeId)];
    const staff = await User.find({ role: { $in: ['moderator', 'admin'] } }, { _id: 1 }).lean();
    return staff.map((u) => String(u._id)).filter((id) => id !== except);
  }

  /** Support conversations assigned to this staff member that await an answer (header badge). */
  function awaitingFor(actor: Actor): Promise<number> {
    return Conversation.countDocuments({ support: true, assigneeId: new Types.ObjectId(actor.id), awaitingSupport: true });
  }

  /**
   * Opens a support conversation for `member`, written by `by` (the member, or staff on behalf
   * of support), or adds the message to the member's open support conversation about the same
   * thread. Returns the conversation (`reused` when an open one took the message).
   */
  async function openConversation(
    by: Actor,
    input: {
      member: Actor;
      subject: string;
      threadId?: string;
      assignee: { id: string; displayName: string } | null;
      message: OutgoingMessage;
    },
  ): Promise<ConversationView & { reused: boolean }> {
    const fromMember = by.id === input.member.id;
    await gate.assert(by, 'message_support');
    let thread: { id: string; title: string; askerId: string } | null = null;
    if (input.threadId) {
      thread = await threads.threadRef(input.threadId);
      if (!thread) throw new NotFoundError('That thread does not exist.');
      // Linked only when the member is the asker (their messages then count as the asker's response).
      if (thread.askerId !== input.member.id) {
        if (!fromMember) {
          const msg = 'Only the asker can be written to about this question.';
          throw new ValidationError(msg, { threadId: msg });
        }
        thread = null;
      }
    }
    const now = clock.now();
    const key = thread ? openKey(thread.id, input.member.id) : undefined;
    if (key) {
      const existing = (await Conversation.findOne({ openThreadKey: key }).lean()) as ConvLean | null;
      if (existing) return { ...(await appendTo(by, existing, input.message, now)), reused: true };
    }
    const conversationId = new Types.ObjectId();
    const first = await store.insert(by, conversationId, input.message, now);
    const member = input.member;
    const conv = {
      _id: conversationId,
      subject: input.subject,
      participants: [
        { userId: new Types.ObjectId(member.id), username: member.username, displayName: member.displayName, role: member.role },
      ],
      participantIds: [new Types.ObjectId(member.id)],
      participantNames: [member.username, member.displayName, SUPPORT_PARTICIPANT.displayName],
      startedBy: new Types.ObjectId(by.id),
      threadId: thread ? new Types.ObjectId(thread.id) : null,
      threadAskerId: thread ? new Types.ObjectId(thread.askerId) : null,
      createdAt: now,
      lastMessageAt: now,
      messageCount: 1,
      unread: { [member.id]: fromMember ? 0 : 1 },
      lastReadAt: fromMember ? { [member.id]: now } : {},
      accessGrants: [],
      support: true,
      status: 'open' as const,
      assigneeId: input.assignee ? new Types.ObjectId(input.assignee.id) : null,
      assigneeName: input.assignee?.displayName ?? null,
      awaitingSupport: fromMember,
      ...(key ? { openThreadKey: key } : {}),
    };
    try {
      await Conversation.create(conv);
    } catch (err) {
      // Another request opened the thread's support conversation a moment ago: use that one.
      if ((err as { code?: number }).code !== 11000 || !key) throw err;
      await deps.models.Message.deleteMany({ conversationId });
      const existing = (await Conversation.findOne({ openThreadKey: key }).lean()) as ConvLean | null;
      if (!existing) throw err;
      return { ...(await appendTo(by, existing, input.message, now)), reused: true };
    }
    await uploads.attachToConversation(by, String(conversationId), first.body);
    await changedFor(member.id, ...(input.assignee ? [input.assignee.id] : []));
    const told = fromMember ? await handlers(input.assignee?.id, by.id) : [member.id];
    await tell(by, String(conversationId), told, String(first._id), now);
    if (thread && !fromMember) await threads.notePrivateMessage(thread.id, now);
    if (thread && fromMember) await threads.recordAskerResponse(thread.id, now);
    return { ...viewFor(conv as unknown as ConvLean, by), reused: false };
  }

  async function appendTo(by: Actor, c: ConvLean, message: OutgoingMessage, now: Date): Promise<ConversationView> {
    const facts = { participantIds: c.participantIds.map(String), grantedIds: [], support: true };
    await reply(by, c, facts, { conversationId: String(c._id), ...message }, now, message.requests);
    const fresh = (await Conversation.findById(c._id).lean()) as ConvLean;
    return viewFor(fresh, by);
  }

  /**
   * A message in a support conversation. Staff answer as Support (the member's unread count
   * grows, support no longer owes an answer) or write an internal note (nothing changes for the
   * member: not the unread count, not the message count, not the last-message time). The member
   * writing makes support owe an answer again, and reopens a closed conversation.
   */
  async function reply(
    me: Actor,
    c: ConvLean,
    facts: policy.ConversationFacts,
    input: { conversationId: string; body: string; fields?: SecureFieldInput[]; internal?: boolean },
    now: Date,
    requests: { kind: SecureFieldKind; label: string }[] = [],
  ): Promise<MessageView> {
    const staffSide = policy.isSupportStaff(me, facts) && !policy.isParticipant(me, facts);
    if (input.internal && !staffSide) {
      const msg = 'Internal notes are for the support team.';
      throw new ValidationError(msg, { internal: msg });
    }
    if (!staffSide) await gate.assert(me, 'message_support');
    const m = await store.insert(me, c._id, { body: input.body, fields: input.fields ?? [], requests, internal: input.internal }, now);
    // An internal note's files stay their author's: attached, the member could open them too.
    if (!input.internal) await uploads.attachToConversation(me, String(c._id), m.body);
    const memberIds = facts.participantIds;
    if (input.internal) {
      // Staff-only: the member's counters and ordering stay as they were.
    } else if (staffSide) {
      await Conversation.updateOne(
        { _id: c._id },
        {
          $inc: { messageCount: 1, ...Object.fromEntries(memberIds.map((id) => [`unread.${id}`, 1])) },
          $set: { lastMessageAt: now, awaitingSupport: false },
        },
      );
      if (c.threadId) await threads.notePrivateMessage(String(c.threadId), now);
    } else {
      const reopen = c.status === 'closed' ? { status: 'open' } : {};
      await Conversation.updateOne(
        { _id: c._id },
        {
          $inc: { messageCount: 1 },
          $set: { lastMessageAt: now, awaitingSupport: true, [`unread.${me.id}`]: 0, [`lastReadAt.${me.id}`]: now, ...reopen },
        },
      );
      if (c.status === 'closed' && c.threadId) await restoreOpenKey(c);
    }
    await changedFor(...memberIds, ...(c.assigneeId ? [String(c.assigneeId)] : []));
    if (!input.internal) {
      const told = staffSide ? memberIds.filter((id) => id !== me.id) : await handlers(c.assigneeId, me.id);
      await tell(me, String(c._id), told, String(m._id), now);
    }
    if (!input.internal && c.threadId && c.threadAskerId && String(c.threadAskerId) === me.id) {
      await threads.recordAskerResponse(String(c.threadId), now);
    }
    return toMessageView(m, now, true, { id: me.id, staff: staffSide }, store.viewBox());
  }

  /** Gives a reopened conversation back its thread key, unless another open one took it meanwhile. */
  async function restoreOpenKey(c: ConvLean): Promise<void> {
    await Conversation.updateOne(
      { _id: c._id },
      { $set: { openThreadKey: openKey(String(c.threadId), String(c.participantIds[0])) } },
    ).catch((err: { code?: number }) => {
      if (err?.code !== 11000) throw err;
    });
  }

  /**
   * The support inbox (staff): every support conversation newest first, keyset-paged by
   * `before`, filtered by `mine` (assigned to the reader), `unassigned`, `awaiting` (support owes
   * an answer), `closed`, or `all`; `q` searches subjects and the member's names through the
   * conversations' text index, so a search costs what its matches cost.
   */
  async function inbox(actor: Actor | null, input: { filter?: SupportFilter; q?: string; before?: string } = {}) {
    if (!actor || !isStaff(actor)) throw new ForbiddenError('Only support moderators can see the support inbox.');
    const filter = input.filter ?? 'all';
    const q = (input.q ?? '').trim();
    const query: Record<string, unknown> = { support: true, ...afterCursor(input.before) };
    if (filter === 'mine') query.assigneeId = new Types.ObjectId(actor.id);
    if (filter === 'unassigned') query.assigneeId = null;
    if (filter === 'awaiting') query.awaitingSupport = true;
    if (filter === 'closed') query.status = 'closed';
    if (q) query.$text = { $search: q };
    const rows = (await Conversation.find(query, { accessGrants: 0, lastReadAt: 0 })
      .sort({ lastMessageAt: -1, _id: -1 })
      .limit(SUPPORT_PAGE_SIZE + 1)
      .lean()) as unknown as ConvLean[];
    const page = rows.slice(0, SUPPORT_PAGE_SIZE);
    return {
      conversations: page.map((c) => viewFor(c, actor)),
      next: rows.length > SUPPORT_PAGE_SIZE ? encodeCursor(page[page.length - 1]!) : null,
      filter,
      q,
    };
  }

  async function loadSupport(actor: Actor | null, conversationId: string) {
    if (!actor || !isStaff(actor)) throw new NotFoundError('That conversation does not exist.');
    const c = (await Conversation.findOne({ _id: oid(conversationId), support: true }).lean()) as ConvLean | null;
    if (!c) throw new NotFoundError('That conversation does not exist.');
    return c;
  }

  /** Assigns a support conversation to a moderator or administrator (null: unassign). Audited. */
  async function assign(actor: Actor | null, conversationId: string, input: { username: string | null }): Promise<ConversationView> {
    const c = await loadSupport(actor, conversationId);
    let assignee: { _id: Types.ObjectId; displayName: string } | null = null;
    if (input.username) {
      const u = await User.findOne({ usernameLower: input.username.trim().toLowerCase() }, { displayName: 1, role: 1 }).lean();
      if (!u || (u.role !== 'moderator' && u.role !== 'admin')) {
        const msg = 'Support conversations can be assigned to support moderators and administrators only.';
        throw new ValidationError(msg, { username: msg });
      }
      assignee = { _id: u._id, displayName: u.displayName };
    }
    await Conversation.updateOne(
      { _id: c._id },
      { $set: { assigneeId: assignee?._id ?? null, assigneeName: assignee?.displayName ?? null } },
    );
    await audit.record({
      actor: actor!,
      action: 'support_conversation_assigned',
      conversationId: c._id,
      reason: assignee ? `to ${input.username}` : 'unassigned',
      at: clock.now(),
    });
    await changedFor(...[c.assigneeId, assignee?._id].filter(Boolean).map(String));
    return viewFor((await Conversation.findById(c._id).lean()) as ConvLean, actor!);
  }

  /** Closes or reopens a support conversation (staff). A closed one no longer takes the thread's new requests. */
  async function setStatus(actor: Actor | null, conversationId: string, status: 'open' | 'closed'): Promise<ConversationView> {
    const c = await loadSupport(actor, conversationId);
    if (status === 'closed') {
      await Conversation.updateOne({ _id: c._id }, { $set: { status: 'closed', awaitingSupport: false }, $unset: { openThreadKey: '' } });
    } else {
      await Conversation.updateOne({ _id: c._id }, { $set: { status: 'open' } });
      if (c.threadId) await restoreOpenKey(c);
    }
    if (c.assigneeId) await changedFor(String(c.assigneeId));
    return viewFor((await Conversation.findById(c._id).lean()) as ConvLean, actor!);
  }

  /**
   * Moderator template: "Request the certification ID privately". Asks the thread's asker in the
   * thread's open support conversation, or opens one (assigned to the moderator) when there is
   * none, so repeated clicks add requests to one conversation instead of opening new ones.
   */
  async function requestCertification(actor: Actor | null, input: { threadId: string }): Promise<ConversationView & { reused: boolean }> {
    if (!policy.canUseModeratorTemplates(actor)) throw new ForbiddenError('Only support moderators can do that.');
    oid(input.threadId, 'That thread');
    const thread = await threads.threadRef(input.threadId);
    if (!thread) throw new NotFoundError('That thread does not exist.');
    if (thread.askerId === actor!.id) throw new ValidationError('This is your own question.');
    const asker = await User.findById(thread.askerId, { username: 1, displayName: 1, role: 1 }).lean();
    if (!asker) throw new NotFoundError('That thread does not exist.');
    return openConversation(actor!, {
      member: { id: String(asker._id), username: asker.username, displayName: asker.displayName, role: asker.role as Actor['role'] },
      subject: `About your question: ${thread.title}`.slice(0, 200),
      threadId: thread.id,
      assignee: { id: actor!.id, displayName: actor!.displayName },
      message: {
        body: CERTIFICATION_REQUEST_BODY,
        fields: [],
        requests: [{ kind: 'certification_id', label: KIND_LABELS.certification_id }],
      },
    });
  }

  /**
   * "Send privately to support" from a public post the guard stopped: a support conversation
   * (the shared inbox), the detected values becoming secure fields and the body keeping the
   * rest. Linked to the thread only for its asker, and then added to their open support
   * conversation about it if there is one.
   */
  async function sendFromPost(actor: Actor | null, input: { title?: string; body: string; threadId?: string }): Promise<ConversationView> {
    if (!actor) throw new NotFoundError();
    if (isStaff(actor)) {
      throw new ValidationError('You are on the support team: write to the member from the thread instead.');
    }
    let threadId: string | undefined;
    // Never the title in the subject: it may hold the very secret (subjects are shown in lists).
    let subject = 'Private details for support';
    if (input.threadId) {
      oid(input.threadId, 'That thread');
      const thread = await threads.threadRef(input.threadId);
      if (!thread) throw new NotFoundError('That thread does not exist.');
      if (thread.askerId === actor.id) {
        threadId = thread.id;
        subject = `About your question: ${thread.title}`;
      }
    }
    const body = input.title ? `**${input.title}**\n\n${input.body}` : input.body;
    return openConversation(actor, {
      member: actor,
      subject: subject.slice(0, 200),
      threadId,
      assignee: null,
      message: { body, fields: [], requests: [] },
    });
  }

  return { viewFor, awaitingFor, open: openConversation, reply, inbox, assign, setStatus, requestCertification, sendFromPost };
}
