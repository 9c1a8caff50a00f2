import type { Models } from '../../models';
import type { AuditLog } from '../audit';
import type { StandingGate } from '../kernel/standing';
import type { SupportRulesSource } from '../calendar';
import type { Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/events';
import type { Logger } from '../kernel/logger';
import type { MarkdownRenderer } from '../markdown/bounded-renderer';
import type { PublicPostGuard } from '../uploads';
import type { PageCache } from './page-cache';
import type { Products } from './products';
import type { Signatures } from './signatures';
import type { ViewCounter } from './views-counter';

/** What the threads domain's services share: built once in server/threads/index.ts. */
export interface ThreadsContext {
  models: Pick<Models, 'Thread' | 'Reply' | 'Revision' | 'User' | 'Product'>;
  clock: Clock;
  logger: Logger;
  rules: SupportRulesSource;
  events: EventBus;
  pageCache: PageCache;
  views: ViewCounter;
  signatures: Signatures;
  products: Products;
  /** The app's Markdown renderer (server/compose.ts): bounded in time, off the request thread. */
  renderer: MarkdownRenderer;
  /** The public-post guard, text and images (the uploads domain's, from server/compose.ts). */
  guardPost: PublicPostGuard;
  /** Whether a post's own images are public or withheld with it (uploads' setPostImagesVisible). */
  postImagesVisible: (authorId: string, body: string, visible: boolean) => Promise<void>;
  /** May this account post now, and is its post held for review (server/kernel/standing.ts). */
  gate: StandingGate;
  audit: AuditLog;
  /** LIST_COUNT_BUDGET_MS (server/config.ts): database time for a list total no index answers alone. */
  listCountBudgetMs: number;
}
