import { diffWordsWithSpace } from 'diff';
import { Types } from 'mongoose';
import { isStaff, type Actor } from '../kernel/actor';
import { NotFoundError } from '../kernel/errors';
import type { ThreadsContext } from './context';
import { toObjectId } from './ids';
import { canSeePost } from './policy';
import { threadUrl } from './present';

/**
 * The edit history of a question or reply (docs/moderation.md, "Edit history"): every version
 * from the original to the current one, each with a word diff against the one before (the
 * `diff` package). Revisions (models/revision.ts) hold the text as it was BEFORE each edit, so
 * version i+1 is the revision after it, and the last one is the post itself.
 *
 * Shown to staff and to the post's author (while they may see the post); anyone else gets 404,
 * as for a post that does not exist.
 */
export const HISTORY_MAX_VERSIONS = 200;
/** Beyond this many changed tokens a diff shows the whole old and new text instead (bounded cost). */
const MAX_EDIT_LENGTH = 5_000;

export interface DiffSegment {
  op: 'same' | 'added' | 'removed';
  text: string;
}

export interface PostVersion {
  /** 0 = as first posted. */
  number: number;
  title: string | null;
  body: string;
  /** Who made this version and when (the author for version 0). */
  by: string;
  at: Date;
  /** Against the previous version (empty for version 0). */
  titleDiff: DiffSegment[];
  bodyDiff: DiffSegment[];
}

export interface PostHistory {
  post: { type: 'thread' | 'reply'; id: string; threadId: string; threadUrl: string; threadTitle: string; authorId: string | null };
  /** Oldest first; the last one is the current text. */
  versions: PostVersion[];
  /** Staff may redact from the history screen. */
  canRedact: boolean;
}

/** Word-level diff of two texts, whitespace kept, as segments. */
export function diffText(before: string, after: string): DiffSegment[] {
  if (before === after) return before ? [{ op: 'same', text: before }] : [];
  const changes = diffWordsWithSpace(before, after, { maxEditLength: MAX_EDIT_LENGTH });
  if (!changes) {
    return [...(before ? [{ op: 'removed' as const, text: before }] : []), ...(after ? [{ op: 'added' as const, text: after }] : [])];
  }
  return changes.map((c) => ({ op: c.added ? 'added' : c.removed ? 'removed' : 'same', text: c.value }));
}

export function createHistory(ctx: ThreadsContext) {
  const { Thread, Reply, Revision } = ctx.models;

  async function history(actor: Actor | null, postType: 'thread' | 'reply', postId: string): Promise<PostHistory> {
    const notFound = () => new NotFoundError('That post does not exist.');
    if (!actor) throw notFound();
    const _id = toObjectId(postId, 'That post');
    let post: {
      title: string | null;
      body: string;
      authorId: string | null;
      authorName: string;
      createdAt: Date;
      threadId: Types.ObjectId;
      visibility?: string | null;
    };
    if (postType === 'thread') {
      const t = await Thread.findById(_id, { title: 1, bodySource: 1, author: 1, authorName: 1, createdAt: 1, visibility: 1 }).lean();
      if (!t) throw notFound();
      post = {
        title: t.title,
        body: t.bodySource,
        authorId: String(t.author),
        authorName: t.authorName,
        createdAt: t.createdAt,
        threadId: t._id,
        visibility: t.visibility,
      };
    } else {
      const r = await Reply.findById(_id, {
        bodySource: 1,
        author: 1,
        authorName: 1,
        createdAt: 1,
        threadId: 1,
        system: 1,
        visibility: 1,
      }).lean();
      if (!r || r.system) throw notFound();
      post = {
        title: null,
        body: r.bodySource,
        authorId: r.author ? String(r.author) : null,
        authorName: r.authorName,
        createdAt: r.createdAt,
        threadId: r.threadId,
        visibility: r.visibility,
      };
    }
    const mayRead =
      (isStaff(actor) || actor.id === post.authorId) &&
      canSeePost(actor, { authorId: post.authorId, visibility: post.visibility as never });
    if (!mayRead) throw notFound();
    const thread = await Thread.findById(post.threadId, { title: 1, slug: 1, visibility: 1, author: 1 }).lean();
    if (!thread) throw notFound();

    const revisions = await Revision.find({ targetId: _id }, { title: 1, bodySource: 1, editorName: 1, createdAt: 1 })
      .sort({ createdAt: 1, _id: 1 })
      .limit(HISTORY_MAX_VERSIONS)
      .lean();
    // revisions[i] holds the text before edit i; edit i was made by revisions[i].editorName.
    const texts = [...revisions.map((r) => ({ title: r.title, body: r.bodySource })), { title: post.title, body: post.body }];
    const versions: PostVersion[] = texts.map((v, i) => {
      const prev = i > 0 ? texts[i - 1]! : null;
      const title = postType === 'thread' ? (v.title ?? '') : null;
      return {
        number: i,
        title,
        body: v.body,
        by: i === 0 ? post.authorName : revisions[i - 1]!.editorName,
        at: i === 0 ? post.createdAt : revisions[i - 1]!.createdAt,
        titleDiff: prev && title !== null ? diffText(prev.title ?? '', title) : [],
        bodyDiff: prev ? diffText(prev.body, v.body) : [],
      };
    });
    return {
      post: {
        type: postType,
        id: String(_id),
        threadId: String(thread._id),
        threadUrl: threadUrl(String(thread._id), thread.slug),
        threadTitle: thread.title,
        authorId: post.authorId,
      },
      versions,
      canRedact: isStaff(actor),
    };
  }

  return { history };
}
