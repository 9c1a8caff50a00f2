/**
 * The forum's command-line tool: `npm run forum -- <command> [args]`.
 * Loads the configuration, connects to the database (MONGODB_URI or the embedded server on
 * DATA_DIR), runs one registered command, disconnects and exits 0 or 1.
 * Commands live in server/cli/*.ts and are listed in server/cli/commands.ts.
 */
import mongoose from 'mongoose';
import { loadConfig } from './config';
import { createLogger } from './kernel/logger';
import { systemClock } from './kernel/clock';
import { connectDatabase } from './db/connect';
import { getCommand, helpText, runCommand, type CliContext } from './cli/registry';
import './cli/commands';

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    for (const line of helpText()) console.log(line);
    return name ? 0 : 1;
  }
  if (!getCommand(name)) {
    console.error(`Unknown command "${name}".\n`);
    for (const line of helpText()) console.error(line);
    return 1;
  }
  const config = loadConfig();
  // Only warnings reach the terminal: command output is the CLI's job, not the logger's.
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const db = await connectDatabase(config, logger);
  try {
    await Promise.all(mongoose.modelNames().map((m) => mongoose.model(m).init()));
    const ctx: CliContext = {
      config,
      logger,
      clock: systemClock,
      out: (line) => console.log(line),
      err: (line) => console.error(line),
      interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    };
    return await runCommand(name, args, ctx);
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error)?.message ?? err);
    process.exit(1);
  },
);
