import type { ThreadDoc, ThreadStatus, LockReason, Visibility, VisibilityReason } from '../../models/thread';
import type { ReplyDoc } from '../../models/reply';

/**
 * The shapes services return: plain objects the ejs views and the JSON API both read.
 * Built from lean documents with projections, so nothing here touches the database.
 */

/** Mean rating to two decimals; null without ratings (feedback's counters, shown on replies). */
export const satisfactionAverage = (sum: number, count: number): number | null =>
  count > 0 ? Math.round((sum / count) * 100) / 100 : null;

export const REPLIES_PER_PAGE = 100;
export const THREADS_PER_PAGE = 20;

export const STATUS_LABELS: Record<ThreadStatus, string> = {
  open: 'Awaiting support',
  awaiting_asker: 'Awaiting the asker',
  answered: 'Answered',
  locked: 'Locked',
};

export interface ProductRef {
  id: string;
  name: string;
}

export interface PersonRef {
  id: string;
  username: string;
  displayName: string;
  role: string;
}

export interface ThreadSummary {
  id: string;
  title: string;
  slug: string;
  url: string;
  status: ThreadStatus;
  author: PersonRef;
  products: ProductRef[];
  replyCount: number;
  views: number;
  createdAt: Date;
  lastActivityAt: Date;
  lastPosterName: string;
}

export interface ThreadView extends ThreadSummary {
  bodyHtml: string;
  acceptedReplyId: string | null;
  updatedAt: Date;
  editedAt: Date | null;
  lockedAt: Date | null;
  lockReason: LockReason | null;
  lockNote: string;
  privateMessageNoticeAt: Date | null;
  /** Support lifecycle deadlines (server/threads/lifecycle.ts); null when they do not apply. */
  awaitingSince: Date | null;
  lockDueAt: Date | null;
  firstResponseDueAt: Date | null;
  /** People who pressed "I have the same question". */
  sameQuestionCount: number;
  /** The asker wrote after the accepted answer and support has not replied since. */
  followUpAt: Date | null;
  /** null: public. Otherwise only staff and (unless deleted) the author see it. */
  visibility: Visibility | null;
  visibilityReason: VisibilityReason | null;
  /** The support moderator who owns the question. */
  assignee: { id: string; displayName: string } | null;
  /** Closed as a duplicate of this thread. */
  duplicateOf: string | null;
}

export interface ReplyView {
  id: string;
  threadId: string;
  bodyHtml: string;
  author: PersonRef | null;
  system: boolean;
  systemKind: string | null;
  createdAt: Date;
  editedAt: Date | null;
  visibility: Visibility | null;
  visibilityReason: VisibilityReason | null;
  isStaff: boolean;
  signatureHtml: string | null;
  helpfulCount: number;
  notHelpfulCount: number;
  satisfactionSum: number;
  satisfactionCount: number;
  /** When the asker answered "No" to "Did this solve your problem?" under this reply. */
  notSolvedAt: Date | null;
  /** Filled per viewer by the service (policy answers). */
  isAccepted: boolean;
  canEdit: boolean;
  canAccept: boolean;
  showSolvedPrompt: boolean;
}

export const threadUrl = (id: string, slug: string): string => (slug ? `/threads/${id}/${slug}` : `/threads/${id}`);

export function titleSlug(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}

/** Fields the list needs: never the bodies. */
export const SUMMARY_PROJECTION = {
  title: 1,
  slug: 1,
  status: 1,
  author: 1,
  authorName: 1,
  authorUsername: 1,
  authorRole: 1,
  products: 1,
  productNames: 1,
  replyCount: 1,
  views: 1,
  createdAt: 1,
  lastActivityAt: 1,
  lastPosterName: 1,
} as const;

/** Fields the thread page needs: the cooked body, never the source. */
export const THREAD_PROJECTION = {
  ...SUMMARY_PROJECTION,
  bodyHtml: 1,
  acceptedReplyId: 1,
  updatedAt: 1,
  editedAt: 1,
  lockedAt: 1,
  lockReason: 1,
  lockNote: 1,
  privateMessageNoticeAt: 1,
  lastPosterRole: 1,
  lastPosterIsAsker: 1,
  awaitingSince: 1,
  lockDueAt: 1,
  firstResponseDueAt: 1,
  sameQuestionCount: 1,
  followUpAt: 1,
  visibility: 1,
  visibilityReason: 1,
  assigneeId: 1,
  assigneeName: 1,
  duplicateOf: 1,
} as const;

export const REPLY_PROJECTION = {
  threadId: 1,
  author: 1,
  authorName: 1,
  authorUsername: 1,
  authorRole: 1,
  system: 1,
  systemKind: 1,
  bodyHtml: 1,
  createdAt: 1,
  editedAt: 1,
  visibility: 1,
  visibilityReason: 1,
  helpfulCount: 1,
  notHelpfulCount: 1,
  satisfactionSum: 1,
  satisfactionCount: 1,
  notSolvedAt: 1,
} as const;

type SummaryDoc = Pick<ThreadDoc, '_id' | keyof typeof SUMMARY_PROJECTION>;
export type ThreadPageDoc = Pick<ThreadDoc, '_id' | keyof typeof THREAD_PROJECTION>;
export type ReplyPageDoc = Pick<ReplyDoc, '_id' | keyof typeof REPLY_PROJECTION>;

export function toSummary(t: SummaryDoc, extraViews = 0): ThreadSummary {
  const id = String(t._id);
  return {
    id,
    title: t.title,
    slug: t.slug,
    url: threadUrl(id, t.slug),
    status: t.status,
    author: { id: String(t.author), username: t.authorUsername, displayName: t.authorName, role: t.authorRole },
    products: t.products.map((p, i) => ({ id: String(p), name: t.productNames[i] ?? '' })),
    replyCount: t.replyCount,
    views: t.views + extraViews,
    createdAt: t.createdAt,
    lastActivityAt: t.lastActivityAt,
    lastPosterName: t.lastPosterName,
  };
}

export function toThreadView(t: ThreadPageDoc, extraViews = 0): ThreadView {
  return {
    ...toSummary(t, extraViews),
    bodyHtml: t.bodyHtml,
    acceptedReplyId: t.acceptedReplyId ? String(t.acceptedReplyId) : null,
    updatedAt: t.updatedAt,
    editedAt: t.editedAt ?? null,
    lockedAt: t.lockedAt ?? null,
    lockReason: t.lockReason ?? null,
    lockNote: t.lockNote ?? '',
    privateMessageNoticeAt: t.privateMessageNoticeAt ?? null,
    awaitingSince: t.awaitingSince ?? null,
    lockDueAt: t.lockDueAt ?? null,
    firstResponseDueAt: t.firstResponseDueAt ?? null,
    sameQuestionCount: t.sameQuestionCount ?? 0,
    followUpAt: t.followUpAt ?? null,
    visibility: t.visibility ?? null,
    visibilityReason: t.visibilityReason ?? null,
    assignee: t.assigneeId ? { id: String(t.assigneeId), displayName: t.assigneeName ?? '' } : null,
    duplicateOf: t.duplicateOf ? String(t.duplicateOf) : null,
  };
}

export function toReplyView(r: ReplyPageDoc, signatureHtml: string | null = null): ReplyView {
  const isStaff = !r.system && (r.authorRole === 'moderator' || r.authorRole === 'admin');
  return {
    id: String(r._id),
    threadId: String(r.threadId),
    bodyHtml: r.bodyHtml,
    author:
      r.system || !r.author
        ? null
        : { id: String(r.author), username: r.authorUsername, displayName: r.authorName, role: r.authorRole ?? 'member' },
    system: !!r.system,
    systemKind: r.systemKind ?? null,
    createdAt: r.createdAt,
    editedAt: r.editedAt ?? null,
    visibility: r.visibility ?? null,
    visibilityReason: r.visibilityReason ?? null,
    isStaff,
    signatureHtml: isStaff ? signatureHtml : null,
    helpfulCount: r.helpfulCount ?? 0,
    notHelpfulCount: r.notHelpfulCount ?? 0,
    satisfactionSum: r.satisfactionSum ?? 0,
    satisfactionCount: r.satisfactionCount ?? 0,
    notSolvedAt: r.notSolvedAt ?? null,
    isAccepted: false,
    canEdit: false,
    canAccept: false,
    showSolvedPrompt: false,
  };
}

// ---- JSON API shapes ----

export function threadJson(t: ThreadView) {
  return {
    id: t.id,
    title: t.title,
    url: t.url,
    bodyHtml: t.bodyHtml,
    author: t.author,
    products: t.products,
    status: t.status,
    acceptedReplyId: t.acceptedReplyId,
    views: t.views,
    replyCount: t.replyCount,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    lastActivityAt: t.lastActivityAt,
    editedAt: t.editedAt,
    lockedAt: t.lockedAt,
    lockReason: t.lockReason,
    lockNote: t.lockNote || null,
    awaitingSince: t.awaitingSince,
    lockDueAt: t.lockDueAt,
    firstResponseDueAt: t.firstResponseDueAt,
    sameQuestionCount: t.sameQuestionCount,
    followUpAt: t.followUpAt,
    visibility: t.visibility,
    assignee: t.assignee,
    duplicateOf: t.duplicateOf,
  };
}

export function threadSummaryJson(t: ThreadSummary) {
  return {
    id: t.id,
    title: t.title,
    url: t.url,
    author: t.author,
    products: t.products,
    status: t.status,
    views: t.views,
    replyCount: t.replyCount,
    createdAt: t.createdAt,
    lastActivityAt: t.lastActivityAt,
  };
}

export function replyJson(r: ReplyView) {
  return {
    id: r.id,
    threadId: r.threadId,
    bodyHtml: r.bodyHtml,
    author: r.author,
    system: r.system,
    accepted: r.isAccepted,
    signatureHtml: r.signatureHtml,
    helpfulCount: r.helpfulCount,
    notHelpfulCount: r.notHelpfulCount,
    satisfactionAverage: satisfactionAverage(r.satisfactionSum, r.satisfactionCount),
    satisfactionCount: r.satisfactionCount,
    notSolvedAt: r.notSolvedAt,
    createdAt: r.createdAt,
    editedAt: r.editedAt,
    visibility: r.visibility,
  };
}
