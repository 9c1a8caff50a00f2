import { Types } from 'mongoose';
import { z } from 'zod';
import type { Models } from '../../models';
import type { FlagDoc, FlagOutcome, FlagPostType } from '../../models/flag';
import type { ModerationItemDoc } from '../../models/moderation-item';
import type { Visibility } from '../../models/thread';
import type { AuditLog } from '../audit';
import { isStaff, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../kernel/errors';
import { parseInput } from '../kernel/validate';
import type { Messages } from '../messages';
import type { NotificationService } from '../notifications';
import type { Threads } from '../threads';
import { REDACTION_MARK } from '../threads';
import { restrictBody, type Restrictions } from './restrictions';

/**
 * What a moderator does with a queue entry (POST /api/moderation/flags/:id) and with a post
 * directly (POST /api/moderation/posts/:postType/:id):
 *   keep     nothing wrong: the post is (again) public; a held post is published
 *   hide     out of public view, restorable
 *   delete   soft delete: out of everyone's view but staff's, restorable
 *   edit     the moderator's edit (a revision is kept), then public
 *   redact   remove an exact span from the post and its whole history, then public
 *   suspend  suspend the author (until, reason) and hide the post
 *   restore  (direct only) public again after a hide or delete
 * Handling an entry resolves every open flag on the post at once, tells each flagger the
 * outcome (notification `flag_handled`, from public facts only) and is audited
 * ('flag_handled'); direct actions are audited as 'post_hidden' / 'post_deleted' / 'post_restored'.
 */
export const FLAG_ACTIONS = ['keep', 'hide', 'delete', 'edit', 'redact', 'suspend'] as const;
export type FlagAction = (typeof FLAG_ACTIONS)[number];

export const flagActionBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('keep') }),
  z.object({ action: z.literal('hide') }),
  z.object({ action: z.literal('delete') }),
  z.object({
    action: z.literal('edit'),
    title: z.string().trim().min(10).max(200).optional(),
    body: z.string().trim().min(10).max(20_000),
  }),
  z.object({ action: z.literal('redact'), text: z.string().min(3).max(2000) }),
  z.object({
    action: z.literal('suspend'),
    until: z.iso.datetime({ offset: true }).optional(),
    days: z.coerce.number().int().min(1).optional(),
    reason: z.string().trim().min(3).max(500),
  }),
]);
export type FlagActionInput = z.infer<typeof flagActionBody>;

export const postActionBody = z.object({ action: z.enum(['hide', 'delete', 'restore']) });

const OUTCOME: Record<FlagAction, FlagOutcome> = {
  keep: 'kept',
  hide: 'hidden',
  delete: 'deleted',
  edit: 'edited',
  redact: 'redacted',
  suspend: 'author_suspended',
};

/** What the flagger reads: the outcome in words (never private content, never the author's penalty). */
const OUTCOME_TEXT: Record<FlagOutcome, string> = {
  kept: 'A moderator reviewed it and left it as it is.',
  hidden: 'A moderator hid it.',
  deleted: 'A moderator removed it.',
  edited: 'A moderator edited it.',
  redacted: 'A moderator removed private information from it.',
  author_suspended: 'A moderator removed it and took action on the account.',
};

export interface HandledFlag {
  itemId: string;
  postType: FlagPostType;
  postId: string;
  outcome: FlagOutcome;
  /** People told the outcome. */
  notified: number;
}

export interface ActionsDeps {
  models: Pick<Models, 'Flag' | 'ModerationItem'>;
  clock: Clock;
  audit: AuditLog;
  threads: Pick<Threads, 'setVisibility' | 'editThread' | 'editReply' | 'redact' | 'postRef'>;
  messages: Pick<Messages, 'moderation'>;
  notifications: Pick<NotificationService, 'notify'>;
  restrictions: Pick<Restrictions, 'restrict'>;
}

export function createActions(deps: ActionsDeps) {
  const { clock, audit, threads, messages, notifications, restrictions } = deps;
  const { Flag, ModerationItem } = deps.models;

  function setVisibility(by: Actor, postType: FlagPostType, postId: string, visibility: Visibility | null) {
    const reason = visibility ? 'moderator' : null;
    return postType === 'message'
      ? messages.moderation.setVisibility(by, { messageId: postId, visibility, reason })
      : threads.setVisibility(by, { postType, postId, visibility, reason });
  }

  /** Carries out one action on the post (not the bookkeeping). */
  async function act(who: Actor, item: ModerationItemDoc, input: FlagActionInput): Promise<void> {
    const postType = item.postType;
    const postId = String(item.postId);
    if ((input.action === 'edit' || input.action === 'redact') && postType === 'message') {
      throw new ValidationError('Private messages can be kept, hidden or deleted, not edited.', { action: 'not for private messages' });
    }
    switch (input.action) {
      case 'keep':
        return void (await setVisibility(who, postType, postId, null));
      case 'hide':
        return void (await setVisibility(who, postType, postId, 'hidden'));
      case 'delete':
        return void (await setVisibility(who, postType, postId, 'deleted'));
      case 'edit':
        // Published first so the moderator's edit goes through the ordinary edit (and its revision).
        await setVisibility(who, postType, postId, null);
        if (postType === 'thread') await threads.editThread(who, postId, { title: input.title, body: input.body });
        else await threads.editReply(who, postId, { body: input.body });
        return;
      case 'redact':
        await threads.redact(who, { postType: postType as 'thread' | 'reply', postId, text: input.text });
        // The span may be quoted in the flags themselves ("contains private information: ...").
        for (const f of await Flag.find({ itemId: item._id }, { text: 1 }).lean<Pick<FlagDoc, '_id' | 'text'>[]>()) {
          if (f.text.includes(input.text))
            await Flag.updateOne({ _id: f._id }, { $set: { text: f.text.split(input.text).join(REDACTION_MARK) } });
        }
        await setVisibility(who, postType, postId, null);
        return;
      case 'suspend': {
        if (!item.authorUsername) throw new ValidationError('This post has no author to suspend.');
        const { until, days, reason } = input;
        await restrictions.restrict(who, item.authorUsername, 'suspend', parseInput(restrictBody, { until, days, reason }));
        await setVisibility(who, postType, postId, 'hidden');
        return;
      }
    }
  }

  /**
   * Handles the queue entry `flagId` belongs to. The entry is claimed first (one conditional
   * update: of two moderators acting at once, the second gets 409 and changes nothing); if the
   * action then fails (a redaction whose text is not in the post, an edit the guard refuses),
   * the claim is released and the error returned, so nothing is half done.
   */
  async function handle(actor: Actor | null, flagId: string, raw: unknown): Promise<HandledFlag> {
    if (!actor || !isStaff(actor)) throw new ForbiddenError('Only support moderators can handle flags.');
    const input = parseInput(flagActionBody, raw);
    const flag = await Flag.findById(new Types.ObjectId(flagId)).lean<FlagDoc>();
    if (!flag) throw new NotFoundError('That flag does not exist.');
    const now = clock.now();
    const outcome = OUTCOME[input.action];
    const item = await ModerationItem.findOneAndUpdate(
      { _id: flag.itemId, state: 'open' },
      { $set: { state: 'resolved', resolvedAt: now, resolvedBy: new Types.ObjectId(actor.id), resolution: outcome } },
      { returnDocument: 'before' },
    ).lean<ModerationItemDoc>();
    if (!item) throw new ConflictError('This was handled already.', 'already_handled');
    try {
      await act(actor, item, input);
    } catch (err) {
      await ModerationItem.updateOne(
        { _id: item._id, state: 'resolved', resolvedAt: now },
        { $set: { state: 'open', resolvedAt: null, resolvedBy: null, resolution: null } },
      );
      throw err;
    }
    const open = await Flag.find({ itemId: item._id, status: 'open' }, { flaggerId: 1, reason: 1 }).lean<
      Pick<FlagDoc, '_id' | 'flaggerId' | 'reason'>[]
    >();
    await Flag.updateMany(
      { itemId: item._id, status: 'open' },
      { $set: { status: 'handled', outcome, handledAt: now, handledBy: new Types.ObjectId(actor.id) } },
    );
    await audit.record({
      actor,
      action: 'flag_handled',
      targetType: item.postType,
      targetId: item.postId,
      reason: `${outcome} (${[...new Set(open.map((f) => f.reason))].join(', ') || 'no open flags'})`,
      at: now,
    });
    const flaggers = [...new Set(open.filter((f) => f.flaggerId).map((f) => String(f.flaggerId)))];
    const about = await describe(item);
    for (const userId of flaggers) {
      await notifications.notify(
        userId,
        {
          kind: 'flag_handled',
          threadId: item.postType === 'message' ? null : item.threadId,
          text: `Thanks for flagging ${about}. ${OUTCOME_TEXT[outcome]}`,
        },
        now,
      );
    }
    return { itemId: String(item._id), postType: item.postType, postId: String(item.postId), outcome, notified: flaggers.length };
  }

  /** "the question "<title>"", "a reply in "<title>"", "a private message": public facts only. */
  async function describe(item: ModerationItemDoc): Promise<string> {
    if (item.postType === 'message') return 'a private message';
    const post = await threads.postRef(item.postType, String(item.postId));
    const title = post?.threadTitle ? `"${post.threadTitle.slice(0, 150)}"` : 'a thread';
    return item.postType === 'thread' ? `the question ${title}` : `a reply in ${title}`;
  }

  /** Hide, soft-delete or restore a post directly (staff), audited. */
  async function moderatePost(actor: Actor | null, postType: FlagPostType, postId: string, raw: unknown) {
    if (!actor || !isStaff(actor)) throw new ForbiddenError('Only support moderators can do that.');
    const { action } = parseInput(postActionBody, raw);
    if (!/^[0-9a-fA-F]{24}$/.test(postId)) throw new NotFoundError('That post does not exist.');
    const visibility = action === 'restore' ? null : action === 'hide' ? 'hidden' : 'deleted';
    const result = await setVisibility(actor, postType, postId, visibility);
    const now = clock.now();
    await audit.record({
      actor,
      action: action === 'restore' ? 'post_restored' : action === 'hide' ? 'post_hidden' : 'post_deleted',
      targetType: postType,
      targetId: postId,
      reason: `${result.before ?? 'public'} -> ${result.after ?? 'public'}`,
      at: now,
    });
    // Restoring or removing a post settles its open queue entry too (without notifying anyone twice).
    if (action !== 'hide') {
      await ModerationItem.updateOne(
        { postType, postId: new Types.ObjectId(postId), state: 'open', kind: 'held' },
        {
          $set: {
            state: 'resolved',
            resolvedAt: now,
            resolvedBy: new Types.ObjectId(actor.id),
            resolution: action === 'restore' ? 'kept' : 'deleted',
          },
        },
      );
    }
    return { postType, postId, visibility: result.after };
  }

  return { handle, moderatePost };
}
