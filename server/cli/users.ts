import { ROLES, type Role } from '../kernel/actor';
import { AppError, ValidationError } from '../kernel/errors';
import { createPrompter, type Prompter } from './prompt';
import { UsageError, parseFlags, type CliContext, type Command } from './registry';

const service = (ctx: CliContext) => ctx.forum.auth;

/** Service errors carry a message meant for people; show it (and the field messages) plainly. */
function explain(err: unknown): never {
  if (err instanceof ValidationError) {
    const fields = Object.values(err.fields).filter((m) => m !== err.message);
    throw new Error([err.message, ...fields].join(' '));
  }
  if (err instanceof AppError) throw new Error(err.message);
  throw err;
}

export const userCommands: Record<string, Command> = {
  'set-role': {
    summary: 'make a user a member, support moderator or administrator',
    usage: '<username> <member|moderator|admin>',
    async run(args, ctx) {
      const { positional } = parseFlags(args);
      const [username, role] = positional;
      if (!username || !role || positional.length !== 2) throw new UsageError('expected a username and a role');
      if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`unknown role "${role}"`);
      const user = await service(ctx)
        .setRole(username, role as Role)
        .catch(explain);
      ctx.out(`${user.username} is now ${user.role}.`);
    },
  },
  'create-admin': {
    summary: 'create an administrator account (prompts for missing values on a terminal)',
    usage: '[--username u] [--email e] [--password p] [--display-name n]',
    async run(args, ctx) {
      const { flags, positional } = parseFlags(args);
      if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
      let prompter: Prompter | undefined;
      const value = async (flag: string, question: string, hidden = false): Promise<string | undefined> => {
        if (flags[flag] !== undefined) return flags[flag];
        if (!ctx.interactive) return undefined;
        prompter ??= createPrompter();
        return hidden ? prompter.askHidden(question) : prompter.ask(question);
      };
      let username, email, displayName, password;
      try {
        username = await value('username', 'Username: ');
        email = await value('email', 'Email: ');
        displayName = await value('display-name', 'Display name (Enter for the username): ');
        password = await value('password', 'Password (not shown): ', true);
      } finally {
        prompter?.close();
      }
      const missing = [!username && '--username', !email && '--email', !password && '--password'].filter(Boolean);
      if (missing.length) throw new UsageError(`missing ${missing.join(', ')} (stdin is not a terminal, so nothing was asked)`);
      const user = await service(ctx)
        .createAdmin({ username: username!, email: email!, password: password!, displayName: displayName || undefined })
        .catch(explain);
      ctx.out(`Created administrator ${user.username} (${user.displayName}).`);
    },
  },
  users: {
    summary: 'list the support moderators and administrators',
    usage: '',
    async run(args, ctx) {
      if (args.length) throw new UsageError('takes no arguments');
      const staff = await service(ctx).listStaff();
      if (!staff.length) {
        ctx.out('No moderators or administrators yet. Create one with "create-admin".');
        return;
      }
      for (const u of staff) {
        ctx.out(`${u.role.padEnd(10)} ${u.username.padEnd(31)} ${u.displayName}  (joined ${u.joinedAt.toISOString().slice(0, 10)})`);
      }
    },
  },
};
