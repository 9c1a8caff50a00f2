import type { Config } from '../config';
import type { Logger } from '../kernel/logger';
import type { Clock } from '../kernel/clock';
import type { Services } from '../compose';

/**
 * The forum CLI's commands. A command file under server/cli/ exports a table of commands;
 * server/cli/commands.ts joins the tables. Commands receive the forum's services (built by
 * server/compose.ts on the configured database) and print through ctx.out/ctx.err (tests
 * capture them); they return an exit code.
 */
export interface CliContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  /** The forum's services (server/compose.ts), on the configured database. */
  forum: Services;
  /** Standard output, one line per call. */
  out(line: string): void;
  /** Standard error, one line per call. */
  err(line: string): void;
  /** True when a person is at the keyboard (prompts allowed). */
  interactive: boolean;
}

export interface Command {
  /** One line for `help`. */
  summary: string;
  /** Arguments, e.g. "<username> <member|moderator|admin>". */
  usage: string;
  /** Returns the exit code (0 when omitted). Throwing prints the message and exits 1. */
  run(args: string[], ctx: CliContext): Promise<number | void>;
}

/** Thrown for a usage mistake: the CLI prints the message and the command's usage. */
export class UsageError extends Error {}

/** Joins command tables, refusing a name defined twice. */
export function commandTable(...tables: Array<Record<string, Command>>): ReadonlyMap<string, Command> {
  const out = new Map<string, Command>();
  for (const table of tables) {
    for (const [name, command] of Object.entries(table)) {
      if (out.has(name)) throw new Error(`CLI command "${name}" is defined twice`);
      out.set(name, command);
    }
  }
  return out;
}

/**
 * Splits `--name value` / `--name=value` flags from positional arguments.
 * A flag with no value (`--dry-run`) is "true".
 */
export function parseFlags(args: string[]): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    const m = /^--([a-z0-9][a-z0-9-]*)(?:=(.*))?$/i.exec(arg);
    if (!m) {
      positional.push(arg);
      continue;
    }
    if (m[2] !== undefined) flags[m[1]!] = m[2];
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) flags[m[1]!] = args[++i]!;
    else flags[m[1]!] = 'true';
  }
  return { flags, positional };
}

/** Runs a registered command by name; never throws, returns the exit code. */
export async function runCommand(commands: ReadonlyMap<string, Command>, name: string, args: string[], ctx: CliContext): Promise<number> {
  const command = commands.get(name);
  if (!command) {
    ctx.err(`Unknown command "${name}". Run "npm run forum -- help" for the list.`);
    return 1;
  }
  try {
    const code = await command.run(args, ctx);
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    ctx.err(`${name}: ${(err as Error).message}`);
    if (err instanceof UsageError) ctx.err(`usage: npm run forum -- ${name} ${command.usage}`);
    return 1;
  }
}

/** The `help` text: every command with its usage and summary. */
export function helpText(commands: ReadonlyMap<string, Command>): string[] {
  const lines = ['usage: npm run forum -- <command> [args]', '', 'commands:', '  help', '      list the commands'];
  for (const [name, c] of [...commands.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${name}${c.usage ? ` ${c.usage}` : ''}`, `      ${c.summary}`);
  }
  return lines;
}
