import type { Document } from 'bson';
import { MongoCommandError } from './engine-api';
import { commandError, errorReply } from './errors';
import { adminCommands } from './handlers/admin';
import { catalogCommands } from './handlers/catalog';
import type { CommandContext, CommandHandler } from './handlers/context';
import { checkCommandFields } from './handlers/command-fields';
import { crudCommands } from './handlers/crud';
import { checkGenericArgs } from './handlers/generic-args';

export type { CommandContext, ServerInfo } from './handlers/context';

/** Command names are case-sensitive, as in MongoDB; the handlers list the few aliases. */
const HANDLERS = new Map<string, CommandHandler>(Object.entries({ ...adminCommands, ...catalogCommands, ...crudCommands }));

/** The first field of a command document names the command. */
export function commandName(cmd: Document): string | undefined {
  for (const key in cmd) return key;
  return undefined;
}

/**
 * Runs one command and always returns a reply document (or, for a command that runs in
 * slices, a promise of one that never rejects): failures become
 * `{ok: 0, errmsg, code, codeName}`, whatever a handler or the engine throws.
 */
export function runCommand(name: string | undefined, cmd: Document, db: string, ctx: CommandContext): Document | Promise<Document> {
  const failed = (err: unknown) => {
    if (!(err instanceof MongoCommandError)) {
      ctx.logger.error({ err, cmd: name, db, conn: ctx.connectionId }, 'embedded db: command failed unexpectedly');
    }
    return errorReply(err);
  };
  try {
    if (name === undefined) throw commandError(9, 'the command document is empty');
    // Accepting these silently would make a transaction look committed when it was not.
    if (cmd.txnNumber !== undefined || cmd.startTransaction !== undefined || cmd.autocommit !== undefined) {
      throw commandError(20, 'Transaction numbers are only allowed on a replica set member or mongos');
    }
    const handler = HANDLERS.get(name);
    if (handler === undefined) throw commandError(59, `no such command: '${name}'`);
    checkGenericArgs(name, cmd);
    checkCommandFields(name, cmd);
    const reply = handler(cmd, db, ctx);
    return reply instanceof Promise ? reply.catch(failed) : reply;
  } catch (err) {
    return failed(err);
  }
}
