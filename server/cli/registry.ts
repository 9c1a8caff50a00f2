import type { Config } from '../config';
import type { Logger } from '../kernel/logger';
import type { Clock } from '../kernel/clock';

/**
 * The forum CLI's command registry. A command is a file under server/cli/ that calls
 * register(...) at import, plus one import line in server/cli/commands.ts.
 * Commands receive a connected database (mongoose's default connection) and the context;
 * they print through ctx.out/ctx.err (tests capture them) and return an exit code.
 */
export interface CliContext {
  config: Config;
  logger: Logger;
  clock: Clock;
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

const commands = new Map<string, Command>();

export function register(name: string, command: Command): void {
  if (commands.has(name)) throw new Error(`CLI command "${name}" is registered twice`);
  commands.set(name, command);
}

export function getCommand(name: string): Command | undefined {
  return commands.get(name);
}

export function listCommands(): Array<[string, Command]> {
  return [...commands.entries()].sort(([a], [b]) => a.localeCompare(b));
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
export async function runCommand(name: string, args: string[], ctx: CliContext): Promise<number> {
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
export function helpText(): string[] {
  const lines = ['usage: npm run forum -- <command> [args]', '', 'commands:', '  help', '      list the commands'];
  for (const [name, c] of listCommands()) {
    lines.push(`  ${name}${c.usage ? ` ${c.usage}` : ''}`, `      ${c.summary}`);
  }
  return lines;
}
