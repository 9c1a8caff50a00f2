import type { RecipientFacts } from '../auth';
import type { EventBus } from '../kernel/events';
import type { Logger } from '../kernel/logger';
import type { Threads } from '../threads';
import type { NotifyInput } from './store';
import type { Watching } from './watching';

/**
 * Who hears about what happens in threads (docs/notifications.md, "Who is told what"). The
 * threads domain announces its writes on the event bus; this file turns them into
 * notifications:
 *
 * - a reply: the asker gets "Support replied" for a staff reply, "New reply" otherwise (when
 *   watching); everyone else watching gets "New reply"; after an accepted answer, an asker's
 *   reply is a follow-up and the moderator who answered is told;
 * - an accepted answer: the reply's author, and everyone watching;
 * - a moderator's lock or unlock: the asker (the no-response lock and the reminder come from
 *   the support sweeps, which notify directly).
 *
 * Nobody is told about their own action, a person is told once per event (the most specific
 * kind wins), and muted threads stay silent (except the reminder and the lock, which are not
 * sent from here). Nothing is told about a post the public cannot see (held, hidden or
 * deleted, docs/moderation.md): a held post's `reply.created` / `thread.created` arrive when a
 * moderator approves it, and it is told then.
 */
export interface FanoutDeps {
  events: EventBus;
  logger: Logger;
  threads: Pick<Threads, 'noticeFacts' | 'replyRef'>;
  watching: Pick<Watching, 'autoWatch' | 'levelsOf' | 'watchers'>;
  recipients(userIds: readonly string[]): Promise<Map<string, RecipientFacts>>;
  notifyMany(userIds: readonly string[], input: NotifyInput, at: Date): Promise<void>;
}

export function subscribeFanout(deps: FanoutDeps): void {
  const { events, threads, watching, notifyMany } = deps;

  /** Everyone watching the thread but `skip`, in batches. */
  async function toWatchers(threadId: string, skip: Set<string>, input: NotifyInput, at: Date): Promise<void> {
    for await (const batch of watching.watchers(threadId)) {
      const ids = batch.filter((id) => !skip.has(id));
      if (ids.length) await notifyMany(ids, input, at);
    }
  }

  events.on('thread.created', (e) => watching.autoWatch(e.actor.id, e.threadId, 'asked', e.at));

  events.on('reply.created', async (e) => {
    await watching.autoWatch(e.actor.id, e.threadId, 'replied', e.at);
    const [facts, reply] = await Promise.all([threads.noticeFacts(e.threadId), threads.replyRef(e.replyId)]);
    if (!facts || !reply || !facts.visible || !reply.visible) return;
    const thread = { id: facts.id, title: facts.title };
    const replyRef = { id: reply.id, authorName: reply.authorName, text: reply.text };
    const told = new Set<string>([e.actor.id]);
    const levels = await watching.levelsOf(e.threadId, [facts.askerId]);

    if (!told.has(facts.askerId)) {
      told.add(facts.askerId);
      const level = levels.get(facts.askerId);
      if (e.byStaff && level !== 'muted') {
        await notifyMany(
          [facts.askerId],
          {
            kind: 'support_reply',
            threadId: facts.id,
            subject: facts.title,
            text: `Support replied to your question "${facts.title}".`,
            mail: { kind: 'support_reply', thread, reply: replyRef },
            eventId: e.replyId,
          },
          e.at,
        );
      } else if (!e.byStaff && level === 'watching') {
        await notifyMany([facts.askerId], watchedReply(facts, reply, e.replyId), e.at);
      }
    }

    if (e.followUp) {
      const answerer = await answeringModerator(facts);
      if (answerer && !told.has(answerer)) {
        told.add(answerer);
        const muted = (await watching.levelsOf(e.threadId, [answerer])).get(answerer) === 'muted';
        if (!muted) {
          await notifyMany(
            [answerer],
            {
              kind: 'follow_up',
              threadId: facts.id,
              subject: facts.title,
              text: `The asker followed up on "${facts.title}" after your accepted answer.`,
              eventId: e.replyId,
            },
            e.at,
          );
        }
      }
    }
    await toWatchers(e.threadId, told, watchedReply(facts, reply, e.replyId), e.at);
  });

  events.on('answer.accepted', async (e) => {
    const [facts, reply] = await Promise.all([threads.noticeFacts(e.threadId), threads.replyRef(e.replyId)]);
    if (!facts || !reply || !facts.visible || !reply.visible) return;
    const thread = { id: facts.id, title: facts.title };
    const told = new Set<string>([e.actor.id]);
    if (reply.authorId && !told.has(reply.authorId)) {
      told.add(reply.authorId);
      if ((await watching.levelsOf(e.threadId, [reply.authorId])).get(reply.authorId) !== 'muted') {
        await notifyMany(
          [reply.authorId],
          {
            kind: 'reply_accepted',
            threadId: facts.id,
            subject: facts.title,
            text: `Your reply in "${facts.title}" was accepted as the answer.`,
            mail: { kind: 'reply_accepted', thread, reply: { id: reply.id } },
            eventId: e.replyId,
          },
          e.at,
        );
      }
    }
    await toWatchers(
      e.threadId,
      told,
      {
        kind: 'watched_accepted',
        threadId: facts.id,
        subject: facts.title,
        text: `An answer was accepted in "${facts.title}".`,
        mail: { kind: 'watched_accepted', thread, reply: { id: reply.id, authorName: reply.authorName, text: reply.text } },
        eventId: e.replyId,
      },
      e.at,
    );
  });

  // The no-response lock (actor null) is announced by the support sweep itself.
  events.on('thread.locked', async (e) => {
    if (!e.actor) return;
    const facts = await threads.noticeFacts(e.threadId);
    if (!facts || !facts.visible || facts.askerId === e.actor.id) return;
    await notifyMany(
      [facts.askerId],
      {
        kind: 'thread_locked',
        threadId: facts.id,
        subject: facts.title,
        text: `A support moderator closed your question "${facts.title}".`,
        mail: { kind: 'thread_locked', thread: { id: facts.id, title: facts.title }, by: 'moderator' },
        eventId: `lock:${e.at.getTime()}`,
      },
      e.at,
    );
  });

  events.on('thread.unlocked', async (e) => {
    const facts = await threads.noticeFacts(e.threadId);
    if (!facts || !facts.visible || facts.askerId === e.actor.id) return;
    await notifyMany(
      [facts.askerId],
      {
        kind: 'thread_unlocked',
        threadId: facts.id,
        subject: facts.title,
        text: `Your question "${facts.title}" was reopened by support.`,
        eventId: `unlock:${e.at.getTime()}`,
      },
      e.at,
    );
  });

  /** The staff member whose answer was accepted, else the staff member who accepted it; null otherwise. */
  async function answeringModerator(facts: NonNullable<Awaited<ReturnType<Threads['noticeFacts']>>>): Promise<string | null> {
    const role = facts.acceptedReplyAuthorRole;
    if (facts.acceptedReplyAuthorId && (role === 'moderator' || role === 'admin')) return facts.acceptedReplyAuthorId;
    if (!facts.acceptedById || facts.acceptedById === facts.askerId) return null;
    const person = (await deps.recipients([facts.acceptedById])).get(facts.acceptedById);
    return person && (person.role === 'moderator' || person.role === 'admin') ? person.userId : null;
  }
}

function watchedReply(
  facts: { id: string; title: string },
  reply: { id: string; authorName: string; text: string },
  replyId: string,
): NotifyInput {
  return {
    kind: 'watched_reply',
    threadId: facts.id,
    subject: facts.title,
    text: `New reply from ${reply.authorName} in "${facts.title}".`,
    mail: {
      kind: 'watched_reply',
      thread: { id: facts.id, title: facts.title },
      reply: { id: reply.id, authorName: reply.authorName, text: reply.text },
    },
    eventId: replyId,
  };
}
