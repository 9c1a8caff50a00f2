/** Every CLI command: the tables of the files under server/cli/. */
import { dataCommands } from './data';
import { indexCommands } from './indexes';
import { lockSweepCommands } from './lock-sweep';
import { messageCommands } from './messages';
import { rebakeCommands } from './rebake';
import { recountCommands } from './recount';
import { commandTable } from './registry';
import { searchCommands } from './search';
import { userCommands } from './users';

export const COMMANDS = commandTable(
  userCommands,
  lockSweepCommands,
  rebakeCommands,
  recountCommands,
  messageCommands,
  dataCommands,
  searchCommands,
  indexCommands,
);
