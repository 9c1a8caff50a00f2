import { DateTime } from 'luxon';
import type { MailLinks } from './links';

/**
 * The kinds of mail and what each may show. This file is the privacy boundary of mail:
 * `present()` copies the named fields of the caller's input into the template's locals and
 * nothing else, so an object that happens to carry more (a private message body, a secure
 * field) cannot reach a template. There is no field for either in any kind.
 */

/** A public thread: its id and title as shown on the forum. */
export interface ThreadRef {
  id: string;
  title: string;
}

/** A public reply: who wrote it and its text (the Markdown source is fine to show as text). */
export interface ReplyRef {
  id: string;
  authorName: string;
  text: string;
}

export type DigestEventKind = 'support_reply' | 'watched_reply' | 'reply_accepted' | 'watched_accepted' | 'private_message';

export interface DigestItem {
  /** A kind with its own wording (DIGEST_LABELS in render.ts), or another notification kind with `label`. */
  kind: DigestEventKind | (string & {});
  /** Forum-written wording for kinds without their own: [one, many] with {n} for the count. */
  label?: readonly [string, string];
  /** The thread, or null for private messages (which show no subject or text). */
  thread: ThreadRef | null;
  /** How many events of this kind on this thread the digest covers (>= 1). */
  count: number;
  /** When the latest of them happened. */
  at: Date;
  /** For private messages: the conversation to link to. */
  conversationId?: string;
}

export type MailInput =
  | { kind: 'support_reply'; thread: ThreadRef; reply: ReplyRef }
  | { kind: 'watched_reply'; thread: ThreadRef; reply: ReplyRef }
  | { kind: 'reply_accepted'; thread: ThreadRef; reply: Pick<ReplyRef, 'id'> }
  | { kind: 'watched_accepted'; thread: ThreadRef; reply: ReplyRef }
  /** `from` is the sender's label as the forum shows it ("Support" for staff). Never the body. */
  | { kind: 'private_message'; conversationId: string; from: string }
  | { kind: 'close_reminder'; thread: ThreadRef; closesAt: Date }
  | { kind: 'thread_locked'; thread: ThreadRef; by: 'no_response' | 'moderator'; businessDays?: number }
  | { kind: 'digest'; items: DigestItem[] }
  /**
   * Any other notification: the forum-written one-line `notice` (public facts only: titles,
   * names, times; deliberately not called `text` or `body`, so a message object spread in by
   * mistake cannot fill it) and a link to the thread (or the notifications page). `pref` is
   * the notification kind an unsubscribe link turns off.
   */
  | { kind: 'notice'; pref: string; thread: ThreadRef | null; notice: string }
  | { kind: 'verify_email'; token: string; expiresAt: Date }
  | { kind: 'password_reset'; token: string; expiresAt: Date };

export type MailKind = MailInput['kind'];

export const MAIL_KINDS: readonly MailKind[] = [
  'support_reply',
  'watched_reply',
  'reply_accepted',
  'watched_accepted',
  'private_message',
  'close_reminder',
  'thread_locked',
  'digest',
  'notice',
  'verify_email',
  'password_reset',
];

export interface Recipient {
  /** ObjectId hex. */
  userId: string;
  /** addr-spec. */
  email: string;
  displayName: string;
  /** The person's IANA zone for times in their digest (default: the support calendar's). */
  timeZone?: string | null;
}

export interface Presented {
  kind: MailKind;
  subject: string;
  /** Why this person gets this mail (shown in the layout's footer). */
  reason: string;
  /** The preference kind an unsubscribe link turns off; null for account mail. */
  unsubscribeKind: string | null;
  /** The thread this mail belongs to (threading headers), if any. */
  threadId: string | null;
  /** A reply to this mail may post to the thread (when reply by e-mail is on). */
  replyable: boolean;
  secret: boolean;
  /** Template locals (server/mail/render.ts adds the layout's). */
  locals: Record<string, unknown>;
}

export const EXCERPT_CHARS = 1500;
const TITLE_CHARS = 150;

/** Plain one-line text: no control characters (header safety), collapsed spaces, bounded. */
export function oneLine(value: unknown, max = TITLE_CHARS): string {
  const s = String(value ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}

/** Multi-line text for bodies: normalized newlines, no other control characters, bounded at a word. */
export function excerpt(value: unknown, max = EXCERPT_CHARS): string {
  const s = String(value ?? '')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.8 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** "Tuesday, December 1 at 4:00 PM EST" in `zone` (luxon; the abbreviation follows DST). */
export function formatWhen(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale('en-US').toFormat("cccc, LLLL d 'at' h:mm a ZZZZ");
}

function threadOf(t: ThreadRef): ThreadRef {
  return { id: String(t.id), title: oneLine(t.title) };
}

function replyOf(r: ReplyRef): ReplyRef {
  return { id: String(r.id), authorName: oneLine(r.authorName, 80), text: excerpt(r.text) };
}

export interface PresentContext {
  forumName: string;
  links: MailLinks;
  timeZone: string;
  /** The lock delay in words from the rules in force (see MailSystemDeps.lockAfter). */
  lockAfter?: () => string;
}

/**
 * Template locals for one mail. Builds every value from named fields only.
 * @throws TypeError for an unknown kind or a missing required field.
 */
export function present(input: MailInput, recipient: Recipient, ctx: PresentContext): Presented {
  if (!input || typeof input !== 'object' || !MAIL_KINDS.includes(input.kind)) {
    throw new TypeError(`unknown mail kind "${(input as { kind?: unknown } | null)?.kind}"`);
  }
  return { kind: input.kind, ...presentFields(input, recipient, ctx) };
}

function presentFields(input: MailInput, recipient: Recipient, ctx: PresentContext): Omit<Presented, 'kind'> {
  const { links, timeZone } = ctx;
  const name = oneLine(recipient.displayName, 80);
  const tag = `[${ctx.forumName}]`;
  const base = { name };
  const watching = 'You get this e-mail because you watch this thread.';
  const asker = 'You get this e-mail because you asked this question.';
  const need = (cond: unknown, what: string) => {
    if (!cond) throw new TypeError(`mail ${input.kind}: ${what} is required`);
  };

  switch (input.kind) {
    case 'support_reply':
    case 'watched_reply':
    case 'watched_accepted': {
      need(input.thread?.id && input.reply?.id, 'thread and reply');
      const thread = threadOf(input.thread);
      const reply = replyOf(input.reply);
      return {
        subject: `${tag} ${thread.title}`,
        reason: input.kind === 'support_reply' ? asker : watching,
        unsubscribeKind: input.kind,
        threadId: thread.id,
        replyable: true,
        secret: false,
        locals: {
          ...base,
          thread,
          reply,
          threadUrl: links.thread(thread.id),
          replyUrl: links.reply(thread.id, reply.id),
          lockAfter: ctx.lockAfter?.() ?? 'a few business days',
        },
      };
    }
    case 'reply_accepted': {
      need(input.thread?.id && input.reply?.id, 'thread and reply');
      const thread = threadOf(input.thread);
      const replyId = String(input.reply.id);
      return {
        subject: `${tag} ${thread.title}`,
        reason: 'You get this e-mail because you wrote this reply.',
        unsubscribeKind: input.kind,
        threadId: thread.id,
        replyable: true,
        secret: false,
        locals: { ...base, thread, replyUrl: links.reply(thread.id, replyId) },
      };
    }
    case 'private_message': {
      need(input.conversationId, 'conversationId');
      const from = oneLine(input.from, 80) || 'Support';
      return {
        subject: `${tag} New private message from ${from}`,
        reason: 'You get this e-mail because private message e-mail is on in your preferences.',
        unsubscribeKind: input.kind,
        threadId: null,
        replyable: false,
        secret: false,
        locals: { ...base, from, conversationUrl: links.conversation(String(input.conversationId)) },
      };
    }
    case 'close_reminder': {
      need(input.thread?.id && input.closesAt instanceof Date && !isNaN(input.closesAt.getTime()), 'thread and closesAt');
      const thread = threadOf(input.thread);
      const when = formatWhen(input.closesAt, timeZone);
      return {
        subject: `${tag} Reply by ${when} or "${thread.title}" will close`,
        reason: asker,
        unsubscribeKind: input.kind,
        threadId: thread.id,
        replyable: true,
        secret: false,
        locals: { ...base, thread, when, threadUrl: links.thread(thread.id) },
      };
    }
    case 'thread_locked': {
      need(input.thread?.id, 'thread');
      const thread = threadOf(input.thread);
      const by = input.by === 'moderator' ? 'moderator' : 'no_response';
      const days = Number.isInteger(input.businessDays) && input.businessDays! > 0 ? input.businessDays! : 2;
      return {
        subject: `${tag} "${thread.title}" was closed`,
        reason: asker,
        unsubscribeKind: input.kind,
        threadId: thread.id,
        replyable: false,
        secret: false,
        locals: { ...base, thread, by, days, threadUrl: links.thread(thread.id) },
      };
    }
    case 'digest': {
      need(Array.isArray(input.items) && input.items.length > 0, 'at least one item');
      const items = input.items.map((it) => {
        const thread = it.thread ? threadOf(it.thread) : null;
        const count = Math.max(1, Math.trunc(Number(it.count) || 1));
        const url = thread
          ? links.thread(thread.id)
          : it.conversationId
            ? links.conversation(String(it.conversationId))
            : links.notifications();
        const label = it.label ? ([oneLine(it.label[0], 80), oneLine(it.label[1], 80)] as const) : undefined;
        return { kind: it.kind, label, thread, count, url, when: formatWhen(it.at, recipient.timeZone || timeZone) };
      });
      const total = items.reduce((n, it) => n + it.count, 0);
      return {
        subject: `${tag} Your daily summary: ${total} update${total === 1 ? '' : 's'}`,
        reason: 'You get this e-mail because you chose a daily summary for some notifications.',
        unsubscribeKind: 'digest',
        threadId: null,
        replyable: false,
        secret: false,
        locals: { ...base, items, total, notificationsUrl: links.notifications() },
      };
    }
    case 'notice': {
      need(input.pref && input.notice, 'pref and notice');
      const thread = input.thread?.id ? threadOf(input.thread) : null;
      return {
        subject: thread ? `${tag} ${thread.title}` : `${tag} ${oneLine(input.notice, 100)}`,
        reason: thread
          ? 'You get this e-mail because of your notification settings for this thread.'
          : 'You get this e-mail because of your notification settings.',
        unsubscribeKind: String(input.pref),
        threadId: thread?.id ?? null,
        replyable: false,
        secret: false,
        locals: { ...base, thread, text: oneLine(input.notice, 500), url: thread ? links.thread(thread.id) : links.notifications() },
      };
    }
    case 'verify_email':
    case 'password_reset': {
      need(input.token && input.expiresAt instanceof Date, 'token and expiresAt');
      const verify = input.kind === 'verify_email';
      return {
        subject: verify ? `${tag} Confirm your e-mail address` : `${tag} Reset your password`,
        reason: verify
          ? 'You get this e-mail because this address was entered for an account.'
          : 'You get this e-mail because a password reset was requested for your account.',
        unsubscribeKind: null,
        threadId: null,
        replyable: false,
        secret: true,
        locals: {
          ...base,
          url: verify ? links.verifyEmail(String(input.token)) : links.passwordReset(String(input.token)),
          expires: formatWhen(input.expiresAt, timeZone),
        },
      };
    }
    default:
      throw new TypeError(`unknown mail kind "${(input as { kind?: unknown }).kind}"`);
  }
}
