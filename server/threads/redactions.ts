import { Types } from 'mongoose';
import type { Actor } from '../kernel/actor';
import { isStaff } from '../kernel/actor';
import { ForbiddenError, NotFoundError, UnprocessableError } from '../kernel/errors';
import { RENDERER_VERSION } from '../markdown/render';
import type { AuditLog } from '../audit';
import type { ThreadsContext } from './context';
import type { SearchText } from './search-text';
import { titleSlug } from './present';

export const REDACTION_MARK = '[redacted by a moderator]';

export interface RedactionInput {
  postType: 'thread' | 'reply';
  postId: string;
  text: string;
}

const replaceAll = (s: string, find: string) => s.split(find).join(REDACTION_MARK);

/**
 * A moderator removes an exact span of a public post: from the current source (and the
 * thread title), from every stored revision, with the HTML re-rendered, and an audit
 * entry that names the post but never the removed text.
 *
 * Order of writes: audit, revisions, then the post itself. A crash part-way leaves the
 * audit trail and can simply be run again (replacing is idempotent).
 */
export function createRedactionService(ctx: ThreadsContext, searchText: SearchText, audit: AuditLog) {
  const { Thread, Reply, Revision } = ctx.models;
  async function redact(
    actor: Actor | null,
    input: RedactionInput,
  ): Promise<{ postType: string; postId: string; threadId: string; revisions: number }> {
    if (!isStaff(actor)) throw new ForbiddenError('Only support moderators can redact posts.');
    const now = ctx.clock.now();
    const _id = new Types.ObjectId(input.postId);
    const model = input.postType === 'thread' ? Thread : Reply;
    const post = (await (model as typeof Thread).findById(_id, { bodySource: 1, title: 1, threadId: 1 }).lean()) as {
      _id: Types.ObjectId;
      bodySource: string;
      title?: string;
      threadId?: Types.ObjectId;
    } | null;
    if (!post) throw new NotFoundError('That post does not exist.');
    const revisions = await Revision.find({ targetId: _id }, { bodySource: 1, title: 1 }).lean();
    const inPost = post.bodySource.includes(input.text) || (post.title ?? '').includes(input.text);
    const inRevisions = revisions.filter((r) => r.bodySource.includes(input.text) || (r.title ?? '').includes(input.text));
    if (!inPost && inRevisions.length === 0) {
      throw new UnprocessableError('text_not_found', 'That text does not appear in the post or its history.');
    }
    const threadId = String(input.postType === 'thread' ? post._id : post.threadId);

    await audit.record({ actor: actor!, action: 'redact_post', targetType: input.postType, targetId: _id, at: now });

    for (const r of inRevisions) {
      const $set: Record<string, unknown> = { bodySource: replaceAll(r.bodySource, input.text) };
      if (r.title) $set.title = replaceAll(r.title, input.text);
      await Revision.collection.updateOne({ _id: r._id }, { $set });
    }

    // Conditional on the source we read, so a concurrent edit is not overwritten; retry on it.
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = (await (model as typeof Thread).findById(_id, { bodySource: 1, title: 1 }).lean()) as {
        bodySource: string;
        title?: string;
      } | null;
      if (!current) break;
      const body = replaceAll(current.bodySource, input.text);
      const title = current.title !== undefined ? replaceAll(current.title, input.text) : undefined;
      if (body === current.bodySource && title === current.title) break;
      const $set: Record<string, unknown> = {
        bodySource: body,
        bodyHtml: await ctx.renderer.render(body),
        rendererVersion: RENDERER_VERSION,
      };
      // The slug is made from the title: a secret in the title must leave the URL too.
      if (title !== undefined) Object.assign($set, { title, slug: titleSlug(title) });
      const filter: Record<string, unknown> = { _id, bodySource: current.bodySource };
      if (current.title !== undefined) filter.title = current.title;
      const res = await model.collection.updateOne(filter, { $set });
      if (res.modifiedCount === 1) break;
    }
    if (input.postType === 'reply') await searchText.rebuild(new Types.ObjectId(threadId)); // search must forget it too
    // Readers must not keep seeing the removed text from the thread page cache: bump the
    // thread's updatedAt (signed-in readers compare it) and drop this process's entries.
    await Thread.collection.updateOne({ _id: new Types.ObjectId(threadId) }, { $set: { updatedAt: now } });
    await ctx.events.emit('thread.changed', { threadId });
    return { postType: input.postType, postId: input.postId, threadId, revisions: inRevisions.length };
  }
  return { redact };
}
