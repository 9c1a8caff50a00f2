/**
 * The threads domain's service API, in one import. Routers, jobs, the CLI and tests call
 * these; nothing else in the domain talks to mongoose.
 */
export {
  listThreads,
  getThreadPage,
  recordView,
  createThread,
  getThreadForEdit,
  editThread,
  acceptAnswer,
  unacceptAnswer,
  lockThread,
  lockThreadAutomatically,
  unlockThread,
  threadFacts,
  type ListInput,
  type ThreadList,
  type ThreadPage,
  type ThreadInput,
} from './thread-service';
export { createReply, addSystemReply, getReplyForEdit, editReply, type CreatedReply } from './reply-service';
export {
  listProducts,
  findProduct,
  ensureDefaultProducts,
  createProduct,
  renameProduct,
  removeProduct,
  DEFAULT_PRODUCTS,
  type ProductView,
} from './products';
export { flushViews, stopViewCounter } from './views-counter';
export { onThreadEvent } from './events';
export { invalidateThread } from './page-cache';
export { rebuildSearchText, backfillSearchText } from './search-text';
