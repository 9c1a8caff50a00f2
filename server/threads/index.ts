/**
 * The threads domain: questions, replies, accepted answers, locking, products, the thread
 * lifecycle's deadlines, redactions. Its public entry: other domains and the app use only
 * what is exported here. Every write to a thread or reply document happens inside this
 * domain, which announces it on the event bus (server/kernel/events.ts).
 */
import type { AuditLog } from '../audit';
import type { SupportRulesSource } from '../calendar';
import type { CoreDeps } from '../kernel/deps';
import type { MarkdownRenderer } from '../markdown/bounded-renderer';
import { createActivity } from './activity';
import type { PublicPostGuard } from '../uploads';
import { OPEN_GATE, type StandingGate } from '../kernel/standing';
import type { ThreadsContext } from './context';
import { createHistory } from './history';
import { createLifecycleOps } from './lifecycle-ops';
import { createModerationOps } from './moderation-ops';
import { createPageCache } from './page-cache';
import { createProducts } from './products';
import { rebake } from './rebake';
import { createRedactionService } from './redactions';
import { createReplyService } from './reply-service';
import { createSearchText } from './search-text';
import { createSignatures } from './signatures';
import { createSolvedPrompt } from './solved-prompt';
import { createThreadService } from './thread-service';
import { createViewCounter } from './views-counter';

export interface ThreadsDeps {
  rules: SupportRulesSource;
  audit: AuditLog;
  /** Renders posts, edits, previews and redacted bodies (one per app, server/compose.ts). */
  renderer: MarkdownRenderer;
  /** Checks a post's text and images before it is published (uploads' guardPost). */
  guardPost: PublicPostGuard;
  /** Withholds a held, hidden or deleted post's images and shows them again (uploads' setPostImagesVisible). */
  postImagesVisible?: (authorId: string, body: string, visible: boolean) => Promise<void>;
  /** May an account post now; is its post held for review (the moderation domain's answer). */
  gate?: StandingGate;
}

export function createThreads(core: CoreDeps, deps: ThreadsDeps) {
  const { models, events, caches, logger } = core;
  const pageCache = createPageCache(caches);
  const ctx: ThreadsContext = {
    models,
    clock: core.clock,
    logger,
    rules: deps.rules,
    events,
    pageCache,
    views: createViewCounter({ Thread: models.Thread, logger }),
    signatures: createSignatures({ User: models.User, caches, rules: deps.rules }),
    products: createProducts({ Product: models.Product, Thread: models.Thread, caches, events }),
    renderer: deps.renderer,
    guardPost: deps.guardPost,
    postImagesVisible: deps.postImagesVisible ?? (async () => undefined),
    gate: deps.gate ?? OPEN_GATE,
    audit: deps.audit,
    listCountBudgetMs: core.config.LIST_COUNT_BUDGET_MS,
  };
  const searchText = createSearchText(models);
  const replies = createReplyService(ctx, searchText);
  const threads = createThreadService(ctx, replies.addSystemReply);
  const redactions = createRedactionService(ctx, searchText, deps.audit);
  const moderation = createModerationOps(ctx, { searchText, addNote: replies.addSystemReply });

  // Whatever changes what a thread page shows drops its cached pages in this process.
  events.on('thread.changed', (e) => pageCache.invalidate(e.threadId, { pageOnly: e.pageOnly }));
  for (const name of [
    'thread.created',
    'thread.edited',
    'reply.created',
    'reply.edited',
    'answer.accepted',
    'answer.unaccepted',
    'reply.not_solved',
    'thread.locked',
    'thread.unlocked',
  ] as const) {
    events.on(name, (e) => pageCache.invalidate(e.threadId));
  }
  events.on('products.changed', () => pageCache.invalidateAll());
  events.on('viewer.changed', (e) => e.userIds.forEach((id) => ctx.signatures.forget(id)));
  // New support rules: default signatures and lock banners are worded from them.
  events.on('support.rules.changed', () => {
    ctx.signatures.clear();
    pageCache.invalidateAll();
  });

  return {
    ...threads,
    ...replies,
    ...createLifecycleOps(ctx),
    ...createSolvedPrompt(ctx),
    ...createActivity(ctx),
    ...moderation,
    history: createHistory(ctx).history,
    redact: redactions.redact,
    products: ctx.products,
    pageCache,
    searchText,
    /** Re-renders stored questions, replies and signatures after a renderer change (CLI `rebake`). */
    rebake: (log?: (line: string) => void) => rebake(models, deps.renderer, log),
    /** Adds view counts in one bulk write (imports and demo content: `{ threadId: views }`). */
    addViews: (counts: Record<string, number>) => ctx.views.add(counts),
    /** Writes buffered view counts (shutdown, tests). */
    flushViews: () => ctx.views.flush(),
    /** Stops the view counter's timer; call flushViews() first. */
    stop: () => ctx.views.stop(),
  };
}

export type Threads = ReturnType<typeof createThreads>;

export { threadEndpoints, type ThreadPageExtras } from './endpoints';
export {
  satisfactionAverage,
  STATUS_LABELS,
  THREADS_PER_PAGE,
  SUMMARY_PROJECTION,
  threadUrl,
  toSummary,
  threadSummaryJson,
  type ThreadSummary,
  type ThreadView,
} from './present';
export { replyBody } from './schemas';
export type { Activity } from './activity';
export { type ProductView } from './products';
export type { DueDoc } from './lifecycle-ops';
export type { ReviewPost, PostType } from './moderation-ops';
export type { PostHistory, DiffSegment } from './history';
export { REDACTION_MARK } from './redactions';
