/**
 * The forum's command-line tool: `npm run forum -- <command> [args]`.
 * Loads the configuration, connects to the database (MONGODB_URI or the embedded server on
 * DATA_DIR), builds the forum's services (server/compose.ts), runs one command, disconnects
 * and exits 0 or 1. Commands live in server/cli/*.ts and are listed in server/cli/commands.ts.
 */
import { loadConfig } from './config';
import { createLogger } from './kernel/logger';
import { systemClock } from './kernel/clock';
import { connectDatabase } from './db/connect';
import { createServices } from './compose';
import { helpText, runCommand, type CliContext } from './cli/registry';
import { COMMANDS } from './cli/commands';

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    for (const line of helpText(COMMANDS)) console.log(line);
    return name ? 0 : 1;
  }
  if (!COMMANDS.has(name)) {
    console.error(`Unknown command "${name}".\n`);
    for (const line of helpText(COMMANDS)) console.error(line);
    return 1;
  }
  const config = loadConfig();
  // Only warnings reach the terminal: command output is the CLI's job, not the logger's.
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const db = await connectDatabase(config, logger);
  const forum = createServices({ config, clock: systemClock, logger, db: db.connection });
  try {
    await forum.init();
    const ctx: CliContext = {
      config,
      logger,
      clock: systemClock,
      forum,
      out: (line) => console.log(line),
      err: (line) => console.error(line),
      interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    };
    return await runCommand(COMMANDS, name, args, ctx);
  } finally {
    // Closes the mail transport and lets account mail work finish before the database closes.
    await forum.stop();
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
