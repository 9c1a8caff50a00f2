/** Forum search over the threads' text index, with highlighted snippets. The public entry of the search domain. */
export { createSearch, type Search, type SearchResults, type SimilarThread } from './service';
export { searchEndpoints } from './endpoints';
