import { UsageError, type Command } from './registry';

export const messageCommands: Record<string, Command> = {
  'purge-secure-fields': {
    summary: 'remove the ciphertext of every expired secure field (the daily job does this too)',
    usage: '',
    async run(args, ctx) {
      if (args.length) throw new UsageError('unexpected arguments');
      const r = await ctx.forum.messages.purgeExpiredSecureFields(ctx.clock.now());
      ctx.out(`purged ${r.fields} secure fields in ${r.messages} messages`);
    },
  },
  'encrypt-secure-hints': {
    summary: 'encrypt the masked forms of secure fields stored in plain text before the upgrade (run once)',
    usage: '',
    async run(args, ctx) {
      if (args.length) throw new UsageError('unexpected arguments');
      const r = await ctx.forum.messages.encryptStoredHints(ctx.out);
      ctx.out(`encrypted the masked form of ${r.fields} secure fields in ${r.messages} messages`);
    },
  },
  'recount-messages': {
    summary: 'recompute conversation message counts and unread counters from the messages',
    usage: '',
    async run(args, ctx) {
      if (args.length) throw new UsageError('unexpected arguments');
      const r = await ctx.forum.messages.recount();
      ctx.out(`done: ${r.conversations} conversations, ${r.fixed} fixed`);
    },
  },
};
