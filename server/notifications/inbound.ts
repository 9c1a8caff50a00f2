import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { Models } from '../../models';
import type { RecipientFacts } from '../auth';
import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { AppError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import { parseInput } from '../kernel/validate';
import { InboundRejection, type InboundHandlers, type InboundReply } from '../mail';
import { replyBody, type Threads } from '../threads';
import type { NotifyInput } from './store';

/** How long a Message-ID is remembered against a sending server's retries. */
export const INBOUND_MEMORY_MS = 30 * 24 * 3600 * 1000;
/** A claim older than this (the process died while posting) may be taken over by a retry. */
const STALE_CLAIM_MS = 5 * 60 * 1000;

export interface InboundDeps {
  models: Pick<Models, 'InboundReply'>;
  clock: Clock;
  logger: Logger;
  recipient(userId: string): Promise<RecipientFacts | null>;
  findActor(userId: string): Promise<Actor | null>;
  threads: Pick<Threads, 'createReply' | 'noticeFacts'>;
  notify(userId: string, input: NotifyInput): Promise<unknown>;
  /** mailto: unsubscribe with the token's kind (server/mail/signed-tokens.ts). */
  unsubscribe(userId: string, kind: string): Promise<unknown>;
  /** The forum's public base URL (PUBLIC_URL), for the link in a refusal. */
  publicUrl: string;
}

/**
 * Reply by e-mail (docs/email.md, "Reply by e-mail"): what the forum does with a message the
 * listener accepted for a signed reply address. The person is the address's user; the mail
 * must come From that user's VERIFIED address. The text is posted exactly as a web reply is:
 * through the threads service, with the same length rules and the same public-post guard,
 * and an asker's reply counts as the asker's response for the lock clock (the threads
 * service's lifecycle does that for every reply).
 *
 * A refusal the sender can act on throws InboundRejection: their server bounces the mail to
 * them with the reason (and their text). A reply the guard stops (an access code, an ID) is
 * held: not posted, the sender told to use a private message, and told in-app too.
 * Each Message-ID is handled once per person (a sending server may deliver it again).
 */
export function createInboundHandlers(deps: InboundDeps): InboundHandlers {
  const { clock, logger, threads } = deps;
  const { InboundReply: Seen } = deps.models;

  /** Claims the message; false when it was handled before (or is being handled right now). */
  async function claim(reply: InboundReply, now: Date): Promise<{ id: string } | null> {
    const id = createHash('sha256').update(`${reply.messageId}\0${reply.userId}`).digest('hex');
    try {
      await Seen.create({
        _id: id,
        threadId: new Types.ObjectId(reply.threadId),
        userId: new Types.ObjectId(reply.userId),
        state: 'posting',
        createdAt: now,
        expiresAt: new Date(now.getTime() + INBOUND_MEMORY_MS),
      });
      return { id };
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
    const stale = await Seen.updateOne(
      { _id: id, state: 'posting', createdAt: { $lt: new Date(now.getTime() - STALE_CLAIM_MS) } },
      { $set: { createdAt: now } },
    );
    if (stale.modifiedCount) return { id };
    const seen = await Seen.findById(id, { state: 1 }).lean();
    // Being posted by another delivery this very moment: let the sender retry later (451).
    if (seen?.state === 'posting') throw new Error('the same message is being handled');
    return null;
  }

  async function onReply(reply: InboundReply): Promise<void> {
    const [person, actor] = await Promise.all([deps.recipient(reply.userId), deps.findActor(reply.userId)]);
    if (!person || !actor) throw new InboundRejection('This reply address is no longer valid.');
    if (!person.verified) throw new InboundRejection('Confirm your e-mail address on the forum before replying by e-mail.');
    if (!reply.from || reply.from !== person.email.toLowerCase()) {
      throw new InboundRejection('Replies by e-mail must come from the address of your forum account.');
    }
    const now = clock.now();
    const claimed = await claim(reply, now);
    if (!claimed) {
      logger.info({ threadId: reply.threadId, userId: reply.userId }, 'inbound reply already handled (same Message-ID)');
      return;
    }
    try {
      const input = parseInput(replyBody, { body: reply.text });
      const created = await threads.createReply(actor, reply.threadId, input);
      await Seen.updateOne({ _id: claimed.id }, { $set: { state: 'posted', replyId: new Types.ObjectId(created.reply.id) } });
      logger.info({ threadId: reply.threadId, userId: reply.userId, replyId: created.reply.id }, 'reply by e-mail posted');
    } catch (err) {
      if (err instanceof AppError && err.code === 'sensitive_data') {
        await Seen.updateOne({ _id: claimed.id }, { $set: { state: 'held' } });
        return hold(reply, err);
      }
      await Seen.deleteOne({ _id: claimed.id });
      if (err instanceof AppError && err.status < 500) throw new InboundRejection(err.message);
      throw err;
    }
  }

  /** Tells the sender, in-app and in the bounce, that the reply was held and where to send it instead. */
  async function hold(reply: InboundReply, err: AppError): Promise<never> {
    const matches = (err.details?.matches as Array<{ label: string }> | undefined) ?? [];
    const what = [...new Set(matches.map((m) => m.label.toLowerCase()))].join(', ') || 'private details';
    const facts = await threads.noticeFacts(reply.threadId);
    const title = facts?.title ?? 'the thread';
    await deps.notify(reply.userId, {
      kind: 'reply_held',
      threadId: reply.threadId,
      subject: title,
      text: `Your e-mail reply to "${title}" was not posted: it looks like it contains private details (${what}). Send them to support by private message instead.`,
    });
    logger.info({ threadId: reply.threadId, userId: reply.userId }, 'reply by e-mail held: private details');
    throw new InboundRejection(
      `Not posted: your reply looks like it contains private details (${what}). Public replies can be read by anyone. ` +
        `Send them to support by private message: ${deps.publicUrl}/messages/new?thread=${reply.threadId}`,
    );
  }

  return {
    onReply,
    async onUnsubscribe(request) {
      await deps.unsubscribe(request.userId, request.kind);
    },
  };
}
