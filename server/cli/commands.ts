/**
 * Every CLI command, one import per file. Each file registers its commands with
 * server/cli/registry.ts when imported.
 */
import './users';
import './lock-sweep';
import './rebake';
import './recount';
import './messages';
import './data';
import './search';
